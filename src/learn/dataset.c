/* Datasets: bundled digits, Fashion-MNIST IDX, synthetic XOR/parity, user CSV;
 * seeded stratified splits. See include/cogscope/dataset.h. */
#include "cogscope/dataset.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "cogscope/idx.h"
#include "cogscope/rng.h"
#include "cogscope/table.h"

#define FASHION_DIR "/usr/share/datasets/fashion-mnist"

void cs_dataset_options_default(cs_dataset_options *o)
{
    memset(o, 0, sizeof *o);
    o->label_col = -1;
    o->seed = 1;
    o->test_fraction = 0.25;
    o->bits = 4;
    o->n_train = 2000;
    o->n_test = 500;
    o->noise = 0.1;
}

void cs_dataset_free(cs_dataset *d)
{
    if (!d)
        return;
    free(d->x);
    free(d->y);
    memset(d, 0, sizeof *d);
}

static cs_status dataset_alloc(size_t n, size_t dim, cs_dataset *d)
{
    memset(d, 0, sizeof *d);
    d->x = malloc((n * dim > 0 ? n * dim : 1) * sizeof(float));
    d->y = malloc((n ? n : 1) * sizeof(int32_t));
    if (!d->x || !d->y) {
        cs_dataset_free(d);
        return cs_error_set(CS_ENOMEM, "cannot allocate a dataset of %zu x %zu", n, dim);
    }
    d->n = n;
    d->dim = dim;
    return CS_OK;
}

void cs_dataset_gather(const cs_dataset *d, const size_t *idx, size_t m, double *x, int32_t *y)
{
    for (size_t i = 0; i < m; i++) {
        const float *src = d->x + idx[i] * d->dim;
        double *dst = x + i * d->dim;
        for (size_t j = 0; j < d->dim; j++)
            dst[j] = src[j];
        if (y)
            y[i] = d->y[idx[i]];
    }
}

void cs_dataset_gather_f32(const cs_dataset *d, const size_t *idx, size_t m, float *x, int32_t *y)
{
    for (size_t i = 0; i < m; i++) {
        memcpy(x + i * d->dim, d->x + idx[i] * d->dim, d->dim * sizeof *x);
        if (y)
            y[i] = d->y[idx[i]];
    }
}

/* ---- CSV (plain or gzip) ---- */

/* The table is read by the one text-table parser (cogscope/table.h); this
 * part checks what training needs and names the file line of a bad row. */
cs_status cs_dataset_read_csv(const char *path, long label_col, double scale, cs_dataset *out)
{
    memset(out, 0, sizeof *out);
    cs_matrix t;
    size_t *line;
    cs_status st = cs_table_read_text_lines(path, &t, &line);
    if (st)
        return st;
    size_t cols = t.cols, n = t.rows;
    if (cols < 2) {
        st = cs_error_set(CS_EFORMAT, "%s: line %zu has %zu column; need features and a label", path, line[0], cols);
        goto done;
    }
    if (label_col >= (long)cols || label_col < -1) {
        st = cs_error_set(CS_EINVAL, "--label-col %ld: %s has columns 0..%zu", label_col, path, cols - 1);
        goto done;
    }
    size_t lc = label_col < 0 ? cols - 1 : (size_t)label_col;
    if ((st = dataset_alloc(n, cols - 1, out)))
        goto done;
    long maxlab = -1;
    for (size_t i = 0; i < n; i++) {
        const double *row = t.data + i * cols;
        for (size_t j = 0; j < cols; j++)
            if (!isfinite(row[j])) {
                st = cs_error_set(CS_ENONFINITE, "%s: line %zu, column %zu: non-finite value", path, line[i], j);
                goto done;
            }
        double lab = row[lc];
        if (lab < 0 || lab != floor(lab) || lab > 1e6) {
            st = cs_error_set(CS_EFORMAT,
                              "%s: line %zu, column %zu: label %g is not an integer class in [0, 1000000]", path,
                              line[i], lc, lab);
            goto done;
        }
        float *dst = out->x + i * (cols - 1);
        for (size_t j = 0, o = 0; j < cols; j++)
            if (j != lc)
                dst[o++] = (float)(row[j] * scale);
        out->y[i] = (int32_t)lab;
        if ((long)lab > maxlab)
            maxlab = (long)lab;
    }
    if (maxlab < 1) {
        st = cs_error_set(CS_EFORMAT, "%s: every label is %ld; classification needs >= 2 classes", path, maxlab);
        goto done;
    }
    out->classes = (size_t)maxlab + 1;
done:
    if (st)
        cs_dataset_free(out);
    cs_matrix_free(&t);
    free(line);
    return st;
}

/* ---- IDX ---- */

cs_status cs_dataset_read_idx(const char *images, const char *labels, cs_dataset *out)
{
    memset(out, 0, sizeof *out);
    cs_idx im, lb;
    cs_status st = cs_idx_read(images, 0, &im);
    if (st)
        return st;
    st = cs_idx_read(labels, 0, &lb);
    if (st) {
        cs_idx_free(&im);
        return st;
    }
    if (lb.ndim != 1) {
        st = cs_error_set(CS_EFORMAT, "%s: a label file must be 1-D, this one has %zu dimensions", labels, lb.ndim);
        goto done;
    }
    if (im.ndim < 2) {
        st = cs_error_set(CS_EFORMAT, "%s: an image file needs >= 2 dimensions (items x pixels)", images);
        goto done;
    }
    if (im.dims[0] != lb.dims[0]) {
        st = cs_error_set(CS_EFORMAT, "count mismatch: %s holds %zu images, %s holds %zu labels", images, im.dims[0],
                          labels, lb.dims[0]);
        goto done;
    }
    size_t n = im.dims[0], dim = im.count / n;
    st = dataset_alloc(n, dim, out);
    if (st)
        goto done;
    for (size_t i = 0; i < n * dim; i++)
        out->x[i] = (float)im.data[i] * (1.0f / 255.0f);
    size_t maxlab = 0;
    for (size_t i = 0; i < n; i++) {
        out->y[i] = lb.data[i];
        if (lb.data[i] > maxlab)
            maxlab = lb.data[i];
    }
    out->classes = maxlab + 1 < 2 ? 2 : maxlab + 1;
done:
    cs_idx_free(&im);
    cs_idx_free(&lb);
    return st;
}

/* ---- synthetic ---- */

/* Noisy random bits; the label is their parity, or (copy) the first bit.
 * Both draw the same numbers in the same order for the same seed. */
static cs_status random_bits(const char *what, int copy, size_t bits, size_t n, double noise, uint64_t seed,
                             cs_dataset *out)
{
    memset(out, 0, sizeof *out);
    if (bits < 2 || bits > 24)
        return cs_error_set(CS_EINVAL, "%s: %zu bits; use 2 to 24", what, bits);
    if (n == 0)
        return cs_error_set(CS_EINVAL, "%s: 0 samples", what);
    if (!(noise >= 0.0) || !isfinite(noise))
        return cs_error_set(CS_EINVAL, "%s: noise sd %g must be >= 0", what, noise);
    cs_rng *rng;
    cs_status st = cs_rng_create(seed, &rng);
    if (st)
        return st;
    st = dataset_alloc(n, bits, out);
    if (st) {
        cs_rng_destroy(rng);
        return st;
    }
    for (size_t i = 0; i < n; i++) {
        unsigned par = 0, first = 0;
        for (size_t j = 0; j < bits; j++) {
            unsigned b = (unsigned)cs_rng_below(rng, 2);
            par ^= b;
            first = j == 0 ? b : first;
            out->x[i * bits + j] = (float)(b + (noise > 0 ? cs_rng_gaussian(rng, noise) : 0.0));
        }
        out->y[i] = (int32_t)(copy ? first : par);
    }
    out->classes = 2;
    cs_rng_destroy(rng);
    return CS_OK;
}

cs_status cs_dataset_parity(size_t bits, size_t n, double noise, uint64_t seed, cs_dataset *out)
{
    return random_bits("parity", 0, bits, n, noise, seed, out);
}

cs_status cs_dataset_copy(size_t bits, size_t n, double noise, uint64_t seed, cs_dataset *out)
{
    return random_bits("copy", 1, bits, n, noise, seed, out);
}

/* ---- split ---- */

cs_status cs_dataset_split(const cs_dataset *all, double test_fraction, uint64_t seed, cs_dataset *train,
                           cs_dataset *test)
{
    memset(train, 0, sizeof *train);
    memset(test, 0, sizeof *test);
    if (!(test_fraction > 0.0 && test_fraction < 1.0))
        return cs_error_set(CS_EINVAL, "test fraction %g must be in (0, 1)", test_fraction);
    size_t C = all->classes, n = all->n;
    size_t n_test = (size_t)ceil(test_fraction * (double)n - 1e-9);
    if (n_test < 1 || n_test >= n)
        return cs_error_set(CS_EINVAL, "cannot split %zu samples with test fraction %g", n, test_fraction);
    size_t *count = calloc(C, sizeof *count), *take = calloc(C, sizeof *take);
    double *rem = calloc(C, sizeof *rem);
    size_t *perm = malloc(n * sizeof *perm), *is_test = calloc(n, sizeof *is_test);
    cs_rng *rng = NULL;
    cs_status st = (count && take && rem && perm && is_test) ? cs_rng_create(seed, &rng)
                                                             : cs_error_set(CS_ENOMEM, "out of memory");
    if (st)
        goto done;
    for (size_t i = 0; i < n; i++)
        count[all->y[i]]++;
    size_t assigned = 0;
    for (size_t c = 0; c < C; c++) {
        double want = test_fraction * (double)count[c];
        take[c] = (size_t)floor(want);
        rem[c] = want - (double)take[c];
        assigned += take[c];
    }
    /* Largest remainder (ties: lower class) until the total is n_test. */
    while (assigned < n_test) {
        size_t best = C;
        for (size_t c = 0; c < C; c++)
            if (take[c] < count[c] && (best == C || rem[c] > rem[best]))
                best = c;
        if (best == C)
            break;
        take[best]++;
        rem[best] = -1.0;
        assigned++;
    }
    cs_rng_permutation(rng, perm, n);
    size_t got_test = 0;
    for (size_t i = 0; i < n; i++) {
        size_t s = perm[i];
        int32_t c = all->y[s];
        if (take[c] > 0) {
            take[c]--;
            is_test[s] = 1;
            got_test++;
        }
    }
    st = dataset_alloc(n - got_test, all->dim, train);
    if (!st)
        st = dataset_alloc(got_test, all->dim, test);
    if (st)
        goto done;
    size_t a = 0, b = 0;
    for (size_t i = 0; i < n; i++) {
        size_t s = perm[i];
        cs_dataset *d = is_test[s] ? test : train;
        size_t j = is_test[s] ? b++ : a++;
        memcpy(d->x + j * all->dim, all->x + s * all->dim, all->dim * sizeof(float));
        d->y[j] = all->y[s];
    }
    train->classes = test->classes = C;
done:
    free(count);
    free(take);
    free(rem);
    free(perm);
    free(is_test);
    cs_rng_destroy(rng);
    if (st) {
        cs_dataset_free(train);
        cs_dataset_free(test);
    }
    return st;
}

/* ---- by name ---- */

static cs_status load_fashion(const char *dir, cs_dataset *train, cs_dataset *test)
{
    char im[4096], lb[4096];
    snprintf(im, sizeof im, "%s/train-images-idx3-ubyte.gz", dir);
    snprintf(lb, sizeof lb, "%s/train-labels-idx1-ubyte.gz", dir);
    cs_status st = cs_dataset_read_idx(im, lb, train);
    if (st == CS_EIO)
        return cs_error_prefix(
            "fashion-mnist not found (install Debian package dataset-fashion-mnist or pass --data-dir DIR): ");
    if (st)
        return st;
    snprintf(im, sizeof im, "%s/t10k-images-idx3-ubyte.gz", dir);
    snprintf(lb, sizeof lb, "%s/t10k-labels-idx1-ubyte.gz", dir);
    st = cs_dataset_read_idx(im, lb, test);
    if (!st && test->dim != train->dim)
        st = cs_error_set(CS_EFORMAT, "%s: test images have %zu pixels, training images %zu", im, test->dim,
                          train->dim);
    if (st) {
        cs_dataset_free(train);
        cs_dataset_free(test);
        return st;
    }
    size_t C = train->classes > test->classes ? train->classes : test->classes;
    train->classes = test->classes = C;
    return CS_OK;
}

static cs_status load_split(const char *path, long label_col, double scale, const cs_dataset_options *o,
                            cs_dataset *train, cs_dataset *test)
{
    cs_dataset all;
    cs_status st = cs_dataset_read_csv(path, label_col, scale, &all);
    if (st)
        return st;
    st = cs_dataset_split(&all, o->test_fraction, o->seed, train, test);
    if (st)
        cs_error_prefix("%s: ", path);
    cs_dataset_free(&all);
    return st;
}

cs_status cs_dataset_load(const char *spec, const cs_dataset_options *opts, cs_dataset *train, cs_dataset *test)
{
    memset(train, 0, sizeof *train);
    memset(test, 0, sizeof *test);
    cs_dataset_options def;
    if (!opts) {
        cs_dataset_options_default(&def);
        opts = &def;
    }
    if (!spec || !*spec)
        return cs_error_set(CS_EINVAL, "--data: empty dataset name");
    if (!strcmp(spec, "digits")) {
        char path[4096];
        snprintf(path, sizeof path, "%s/digits.csv.gz", opts->bundled_dir ? opts->bundled_dir : "datasets");
        cs_status st = load_split(path, -1, 1.0 / 16.0, opts, train, test);
        if (!st && (train->dim != 64 || train->classes != 10)) {
            cs_dataset_free(train);
            cs_dataset_free(test);
            return cs_error_set(CS_EFORMAT, "%s: expected 64 pixels and 10 classes", path);
        }
        return st;
    }
    if (!strcmp(spec, "fashion-mnist"))
        return load_fashion(opts->data_dir ? opts->data_dir : FASHION_DIR, train, test);
    int copy = !strcmp(spec, "copy") || !strncmp(spec, "copy:", 5);
    if (copy || !strcmp(spec, "xor") || !strcmp(spec, "parity") || !strncmp(spec, "parity:", 7)) {
        size_t bits = opts->bits, at = copy ? 4 : 6; /* where ":N" starts */
        if (!strcmp(spec, "xor"))
            bits = 2;
        else if (spec[at] == ':') {
            char *end;
            errno = 0;
            long b = strtol(spec + at + 1, &end, 10);
            if (end == spec + at + 1 || *end || errno || b < 2 || b > 24)
                return cs_error_set(CS_EINVAL, "--data %s: the bit count must be an integer in 2..24", spec);
            bits = (size_t)b;
        }
        /* Train and test come from separate seeded streams of the same process. */
        cs_status (*make)(size_t, size_t, double, uint64_t, cs_dataset *) = copy ? cs_dataset_copy
                                                                                 : cs_dataset_parity;
        cs_status st = make(bits, opts->n_train, opts->noise, opts->seed * 2 + 1, train);
        if (!st)
            st = make(bits, opts->n_test, opts->noise, opts->seed * 2 + 2, test);
        if (st) {
            cs_dataset_free(train);
            cs_dataset_free(test);
        }
        return st;
    }
    return load_split(spec, opts->label_col, 1.0, opts, train, test);
}
