/* Text and HDF5 table readers and the column-list parser. */
#include "cogscope/table.h"

#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <hdf5.h>

static int is_separator(char c) { return c == ',' || c == ' ' || c == '\t' || c == '\r' || c == ';'; }

/* Parse the cells of one line into `row` (grown as needed). Returns the cell
 * count, or -1 with the error set for a non-numeric cell. */
static long parse_line(char *line, const char *path, size_t lineno, double **row, size_t *cap)
{
    size_t n = 0;
    char *p = line;
    for (;;) {
        while (*p && is_separator(*p))
            p++;
        if (!*p || *p == '\n')
            break;
        char *end;
        errno = 0;
        double v = strtod(p, &end);
        if (end == p || (*end && !is_separator(*end) && *end != '\n')) {
            char cell[32];
            size_t len = 0;
            while (p[len] && !is_separator(p[len]) && p[len] != '\n' && len < sizeof cell - 1)
                len++;
            memcpy(cell, p, len);
            cell[len] = '\0';
            cs_error_set(CS_EFORMAT, "%s: line %zu, column %zu: '%s' is not a number", path, lineno,
                         n, cell);
            return -1;
        }
        if (n == *cap) {
            size_t ncap = *cap ? 2 * *cap : 16;
            double *r = realloc(*row, ncap * sizeof *r);
            if (!r) {
                cs_error_set(CS_ENOMEM, "%s: out of memory at line %zu", path, lineno);
                return -1;
            }
            *row = r;
            *cap = ncap;
        }
        (*row)[n++] = v;
        p = end;
    }
    return (long)n;
}

cs_status cs_table_read_text(const char *path, cs_matrix *out)
{
    out->data = NULL;
    out->rows = out->cols = out->stride = 0;
    FILE *f = fopen(path, "r");
    if (!f)
        return cs_error_set(CS_EIO, "%s: cannot open: %s", path, strerror(errno));

    char *line = NULL;
    size_t line_cap = 0, lineno = 0, cols = 0, rows = 0, data_cap = 0, row_cap = 0;
    double *data = NULL, *row = NULL;
    cs_status st = CS_OK;
    ssize_t len;
    while ((len = getline(&line, &line_cap, f)) != -1) {
        lineno++;
        char *p = line;
        while (*p && isspace((unsigned char)*p))
            p++;
        if (!*p || *p == '%' || *p == '#')
            continue;
        long n = parse_line(p, path, lineno, &row, &row_cap);
        if (n < 0) {
            st = CS_EFORMAT;
            break;
        }
        if (n == 0)
            continue;
        if (rows == 0)
            cols = (size_t)n;
        else if ((size_t)n != cols) {
            st = cs_error_set(CS_EFORMAT, "%s: line %zu has %ld columns, earlier rows have %zu", path,
                              lineno, n, cols);
            break;
        }
        if ((rows + 1) * cols > data_cap) {
            size_t ncap = data_cap ? 2 * data_cap : 1024;
            while (ncap < (rows + 1) * cols)
                ncap *= 2;
            double *d = realloc(data, ncap * sizeof *d);
            if (!d) {
                st = cs_error_set(CS_ENOMEM, "%s: out of memory at line %zu", path, lineno);
                break;
            }
            data = d;
            data_cap = ncap;
        }
        memcpy(data + rows * cols, row, cols * sizeof *row);
        rows++;
    }
    if (!st && ferror(f))
        st = cs_error_set(CS_EIO, "%s: read error after line %zu", path, lineno);
    fclose(f);
    free(line);
    free(row);
    if (!st && rows == 0)
        st = cs_error_set(CS_EFORMAT, "%s: no data rows (empty file or only comments)", path);
    if (st) {
        free(data);
        return st;
    }
    *out = cs_matrix_view(data, rows, cols);
    return CS_OK;
}

/* "NAME[I]": the dataset name and the index I (negative: from the end) of
 * its first axis; 0 when `spec` has no such suffix. */
static int parse_slice(const char *spec, char **name, long long *index)
{
    size_t n = strlen(spec);
    if (n < 4 || spec[n - 1] != ']')
        return 0;
    const char *open = strrchr(spec, '[');
    if (!open || open == spec)
        return 0;
    char *end;
    errno = 0;
    long long v = strtoll(open + 1, &end, 10);
    if (end == open + 1 || *end != ']' || errno)
        return -1;
    if (!(*name = strndup(spec, (size_t)(open - spec))))
        return -2;
    *index = v;
    return 1;
}

cs_status cs_table_read_h5(const char *path, const char *dataset, cs_matrix *out)
{
    cs_init();
    out->data = NULL;
    out->rows = out->cols = out->stride = 0;
    hid_t file = H5Fopen(path, H5F_ACC_RDONLY, H5P_DEFAULT);
    if (file < 0)
        return cs_error_set(CS_EIO, "%s: cannot open as HDF5", path);
    cs_status st = CS_OK;
    hid_t dset = -1, space = -1, type = -1, mspace = -1;
    /* A name that exists is taken whole; else a trailing [I] selects entry I
     * of the first axis (FILE.h5:/layers/fc1/activations[7]: snapshot 7). */
    char *name = NULL;
    long long index = 0;
    int sliced = 0;
    if (H5Lexists(file, dataset, H5P_DEFAULT) <= 0) {
        H5Eclear2(H5E_DEFAULT);
        sliced = parse_slice(dataset, &name, &index);
        if (sliced == -1) {
            st = cs_error_set(CS_EINVAL, "%s: '%s': the index in [...] must be a whole number, e.g. %s[7]", path,
                              dataset, "/layer1/acts");
            goto done;
        }
        if (sliced == -2) {
            st = cs_error_set(CS_ENOMEM, "out of memory");
            goto done;
        }
    }
    const char *dname = sliced ? name : dataset;
    if (!(dname[0] == '/' && H5Lexists(file, dname, H5P_DEFAULT) > 0 &&
          (dset = H5Dopen2(file, dname, H5P_DEFAULT)) >= 0)) {
        H5Eclear2(H5E_DEFAULT);
        st = cs_error_set(CS_EFORMAT, "%s: no dataset '%s'", path, dname);
        goto done;
    }
    type = H5Dget_type(dset);
    H5T_class_t cls = H5Tget_class(type);
    if (cls != H5T_FLOAT && cls != H5T_INTEGER) {
        st = cs_error_set(CS_EFORMAT, "%s: dataset '%s' is not numeric", path, dname);
        goto done;
    }
    space = H5Dget_space(dset);
    int rank = H5Sget_simple_extent_ndims(space);
    hsize_t full[3] = {0, 1, 1};
    if (rank < 1 || rank > 2 + sliced) {
        if (!sliced && rank == 3)
            st = cs_error_set(CS_EFORMAT, "%s: dataset '%s' has rank 3; select one entry of its first axis to get a "
                                          "table, e.g. %s:%s[0]", path, dname, path, dname);
        else
            st = cs_error_set(CS_EFORMAT, "%s: dataset '%s' has rank %d; a table needs 1 or 2%s", path, dname, rank,
                              sliced ? " after the [index]" : "");
        goto done;
    }
    H5Sget_simple_extent_dims(space, full, NULL);
    if (sliced && rank == 1) {
        st = cs_error_set(CS_EFORMAT, "%s: dataset '%s' is 1-D; [index] selects an entry of a 2-D or 3-D dataset",
                          path, dname);
        goto done;
    }
    if (sliced) {
        long long k = index < 0 ? (long long)full[0] + index : index;
        if (k < 0 || (unsigned long long)k >= full[0]) {
            st = cs_error_set(CS_EINVAL, "%s: index %lld of dataset '%s' is out of range (its first axis has %llu "
                                         "entries: 0..%llu, or -1 for the last)", path, index, dname,
                              (unsigned long long)full[0], (unsigned long long)(full[0] ? full[0] - 1 : 0));
            goto done;
        }
        index = k;
    }
    /* rows x cols of the table: the selected entry, or the whole dataset */
    hsize_t rows = sliced ? full[1] : full[0], cols = sliced ? (rank == 3 ? full[2] : 1) : (rank == 2 ? full[1] : 1);
    if (rows == 0 || cols == 0) {
        st = cs_error_set(CS_EFORMAT, "%s: dataset '%s' is empty", path, dname);
        goto done;
    }
    st = cs_matrix_alloc((size_t)rows, (size_t)cols, out);
    if (st)
        goto done;
    int ok;
    if (sliced) {
        hsize_t start[3] = {(hsize_t)index, 0, 0}, count[3] = {1, full[1], rank == 3 ? full[2] : 1};
        mspace = H5Screate_simple(rank, count, NULL);
        ok = mspace >= 0 && H5Sselect_hyperslab(space, H5S_SELECT_SET, start, NULL, count, NULL) >= 0 &&
             H5Dread(dset, H5T_NATIVE_DOUBLE, mspace, space, H5P_DEFAULT, out->data) >= 0;
    } else {
        ok = H5Dread(dset, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, out->data) >= 0;
    }
    if (!ok) {
        cs_matrix_free(out);
        st = cs_error_set(CS_EIO, "%s: cannot read dataset '%s'", path, dname);
    }
done:
    if (mspace >= 0)
        H5Sclose(mspace);
    if (space >= 0)
        H5Sclose(space);
    if (type >= 0)
        H5Tclose(type);
    if (dset >= 0)
        H5Dclose(dset);
    H5Fclose(file);
    H5Eclear2(H5E_DEFAULT);
    free(name);
    return st;
}

cs_status cs_table_read(const char *spec, cs_matrix *out)
{
    /* "FILE.h5:/dataset": the dataset path starts with '/' right after a colon. */
    const char *colon = strstr(spec, ":/");
    if (colon) {
        char *path = strndup(spec, (size_t)(colon - spec));
        if (!path)
            return cs_error_set(CS_ENOMEM, "out of memory");
        cs_status st = cs_table_read_h5(path, colon + 1, out);
        free(path);
        return st;
    }
    return cs_table_read_text(spec, out);
}

cs_status cs_parse_index_list(const char *text, const char *what, size_t **out, size_t *count)
{
    *out = NULL;
    *count = 0;
    if (!text || !*text)
        return cs_error_set(CS_EINVAL, "%s: empty column list", what);
    size_t cap = 8, n = 0;
    size_t *idx = malloc(cap * sizeof *idx);
    if (!idx)
        return cs_error_set(CS_ENOMEM, "out of memory");
    const char *p = text;
    while (*p) {
        char *end;
        if (!isdigit((unsigned char)*p))
            goto bad;
        unsigned long lo = strtoul(p, &end, 10), hi = lo;
        p = end;
        if (*p == '-') {
            p++;
            if (!isdigit((unsigned char)*p))
                goto bad;
            hi = strtoul(p, &end, 10);
            p = end;
            if (hi < lo)
                goto bad;
        }
        if (hi - lo > 1000000)
            goto bad;
        for (unsigned long v = lo; v <= hi; v++) {
            if (n == cap) {
                size_t *g = realloc(idx, 2 * cap * sizeof *g);
                if (!g) {
                    free(idx);
                    return cs_error_set(CS_ENOMEM, "out of memory");
                }
                idx = g;
                cap *= 2;
            }
            idx[n++] = v;
        }
        if (*p == ',')
            p++;
        else if (*p)
            goto bad;
    }
    *out = idx;
    *count = n;
    return CS_OK;
bad:
    free(idx);
    return cs_error_set(CS_EINVAL, "%s: '%s' is not a column list (use forms like 0,1 or 0-3)", what,
                        text);
}
