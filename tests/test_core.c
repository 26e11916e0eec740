/* Core: status text, thread-local errors, matrices, RNG determinism, lists. */
#define _GNU_SOURCE /* dladdr */
#include <criterion/criterion.h>
#include <math.h>
#include <pthread.h>

#include "cogscope/collist.h"
#include "cogscope/core.h"
#include "cogscope/json.h"
#include "cogscope/rng.h"
#include "cogscope/table.h"
#include "testutil.h"

Test(core, strerror_covers_every_code)
{
    for (int s = 0; s < CS_STATUS_COUNT; s++)
        cr_expect(strcmp(cs_strerror((cs_status)s), "unknown status") != 0, "code %d", s);
    cr_expect_str_eq(cs_strerror((cs_status)999), "unknown status");
}

Test(core, error_set_and_prefix)
{
    cs_status st = cs_error_set(CS_EINVAL, "k = %d must be >= 1", 0);
    cr_expect_eq(st, CS_EINVAL);
    cr_expect_str_eq(cs_last_error(), "k = 0 must be >= 1");
    cr_expect_eq(cs_error_prefix("%s: ", "data.txt"), CS_EINVAL);
    cr_expect_str_eq(cs_last_error(), "data.txt: k = 0 must be >= 1");
    cs_error_clear();
    cr_expect_str_eq(cs_last_error(), "");
}

static void *other_thread(void *arg)
{
    cs_error_set(CS_EIO, "from the other thread");
    return NULL;
}

Test(core, errors_are_thread_local)
{
    cs_error_set(CS_EINVAL, "main thread");
    pthread_t t;
    pthread_create(&t, NULL, other_thread, NULL);
    pthread_join(t, NULL);
    cr_expect_str_eq(cs_last_error(), "main thread");
}

Test(core, finite_check_names_row_and_column)
{
    double d[6] = {1, 2, 3, 4, NAN, 6};
    cs_matrix m = cs_matrix_view(d, 3, 2);
    cr_expect_eq(cs_matrix_check_finite(m, "input x.txt"), CS_ENONFINITE);
    cr_expect_str_eq(cs_last_error(), "input x.txt: NaN at row 2, column 0");
    d[4] = INFINITY;
    cs_matrix_check_finite(m, "m");
    cr_expect_str_eq(cs_last_error(), "m: Inf at row 2, column 0");
    d[4] = 5;
    cr_expect_eq(cs_matrix_check_finite(m, "m"), CS_OK);
}

Test(core, select_cols)
{
    double d[6] = {1, 2, 3, 4, 5, 6};
    cs_matrix m = cs_matrix_view(d, 2, 3), s;
    size_t cols[2] = {2, 0};
    cr_assert_eq(cs_matrix_select_cols(m, cols, 2, &s), CS_OK);
    cr_expect_eq(s.data[0], 3);
    cr_expect_eq(s.data[1], 1);
    cr_expect_eq(s.data[2], 6);
    cr_expect_eq(s.data[3], 4);
    cs_matrix_free(&s);
    size_t bad[1] = {3};
    cr_expect_eq(cs_matrix_select_cols(m, bad, 1, &s), CS_EINVAL);
    cr_expect(strstr(cs_last_error(), "column 3") != NULL);
}

Test(core, rng_is_seeded_and_streams_differ)
{
    cs_rng *a, *b, *c;
    cs_rng_create(42, &a);
    cs_rng_create(42, &b);
    cs_rng_create_stream(42, 1, &c);
    int same_ab = 1, same_ac = 1;
    for (int i = 0; i < 100; i++) {
        double x = cs_rng_uniform(a), y = cs_rng_uniform(b), z = cs_rng_uniform(c);
        same_ab &= x == y;
        same_ac &= x == z;
        cr_expect(x >= 0 && x < 1);
    }
    cr_expect(same_ab);
    cr_expect(!same_ac);
    /* A permutation holds every index once. */
    size_t perm[1000], seen[1000] = {0};
    cs_rng_permutation(a, perm, 1000);
    for (int i = 0; i < 1000; i++)
        seen[perm[i]]++;
    for (int i = 0; i < 1000; i++)
        cr_expect_eq(seen[i], 1);
    /* Gaussian draws: sample variance of 1e5 N(0, 4) within 3% (sd of the
     * sample variance is sqrt(2/n)*4 = 0.018, i.e. 0.45%). */
    double s = 0, s2 = 0;
    for (int i = 0; i < 100000; i++) {
        double g = cs_rng_gaussian(b, 2.0);
        s += g;
        s2 += g * g;
    }
    double var = s2 / 1e5 - (s / 1e5) * (s / 1e5);
    cr_expect(fabs(var - 4.0) < 0.12, "var %g", var);
    cs_rng_destroy(a);
    cs_rng_destroy(b);
    cs_rng_destroy(c);
}

Test(core, index_lists)
{
    size_t *idx, n;
    cr_assert_eq(cs_collist_parse("0-2,5", "--x", CS_COLLIST_MAX, &idx, &n), CS_OK);
    cr_expect_eq(n, 4);
    cr_expect_eq(idx[0], 0);
    cr_expect_eq(idx[2], 2);
    cr_expect_eq(idx[3], 5);
    free(idx);
    cr_expect_eq(cs_collist_parse("a", "--x", CS_COLLIST_MAX, &idx, &n), CS_EINVAL);
    cr_expect(strstr(cs_last_error(), "--x") != NULL);
    cr_expect_eq(cs_collist_parse("3-1", "--y", CS_COLLIST_MAX, &idx, &n), CS_EINVAL);
    cr_expect_eq(cs_collist_parse("", "--y", CS_COLLIST_MAX, &idx, &n), CS_EINVAL);
    cr_expect_eq(cs_collist_parse("1,", "--y", CS_COLLIST_MAX, &idx, &n), CS_OK);
    free(idx);
}

Test(table, reads_text_with_comments_and_commas)
{
    char *dir = tu_tmpdir(), path[512];
    snprintf(path, sizeof path, "%s/t.txt", dir);
    tu_write(path, "% comment\n# another\n1, 2 3\n\n4\t5,6\n");
    cs_matrix m;
    cr_assert_eq(cs_table_read(path, &m), CS_OK);
    cr_expect_eq(m.rows, 2);
    cr_expect_eq(m.cols, 3);
    cr_expect_eq(m.data[5], 6);
    cs_matrix_free(&m);
    free(dir);
}

Test(table, bad_text_inputs_are_named)
{
    char *dir = tu_tmpdir(), path[512];
    cs_matrix m;
    snprintf(path, sizeof path, "%s/missing.txt", dir);
    cr_expect_eq(cs_table_read(path, &m), CS_EIO);
    cr_expect(strstr(cs_last_error(), "missing.txt") != NULL);

    snprintf(path, sizeof path, "%s/ragged.txt", dir);
    tu_write(path, "1 2\n3\n");
    cr_expect_eq(cs_table_read(path, &m), CS_EFORMAT);
    cr_expect(strstr(cs_last_error(), "line 2") != NULL, "%s", cs_last_error());

    snprintf(path, sizeof path, "%s/word.txt", dir);
    tu_write(path, "1 2\n3 x4\n");
    cr_expect_eq(cs_table_read(path, &m), CS_EFORMAT);
    cr_expect(strstr(cs_last_error(), "'x4'") != NULL, "%s", cs_last_error());

    snprintf(path, sizeof path, "%s/empty.txt", dir);
    tu_write(path, "# nothing\n");
    cr_expect_eq(cs_table_read(path, &m), CS_EFORMAT);
    cr_expect(strstr(cs_last_error(), "no data rows") != NULL);
    free(dir);
}

Test(json, writes_nested_values)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    cs_json j;
    cs_json_init(&j, f);
    cs_json_begin_object(&j);
    cs_json_kv_string(&j, "a", "x\"y");
    cs_json_key(&j, "b");
    double v[3] = {1, 0.5, NAN};
    cs_json_numbers(&j, v, 3);
    cs_json_kv_int(&j, "c", -3);
    cs_json_end_object(&j);
    fclose(f);
    cr_expect_str_eq(buf, "{\"a\":\"x\\\"y\",\"b\":[1,0.5,null],\"c\":-3}\n");
    free(buf);
}

Test(cli, usage_and_unknown_command)
{
    char *out, *err;
    cr_expect_eq(tu_cli("--help", &out, &err), 0);
    cr_expect(strstr(out, "estimate") != NULL);
    free(out);
    free(err);
    cr_expect_eq(tu_cli("frobnicate", &out, &err), 2);
    cr_expect(strstr(err, "unknown command 'frobnicate'") != NULL);
    free(out);
    free(err);
    cr_expect_eq(tu_cli("", NULL, NULL), 2);
    cr_expect_eq(tu_cli("estimate nosuch --input x", NULL, &err), 2);
    cr_expect(strstr(err, "unknown measure 'nosuch'") != NULL);
    free(err);
}

#include <dlfcn.h>
#include <gsl/gsl_blas.h>

/* GSL must run on OpenBLAS, not its slow reference CBLAS: the global symbol
 * lookup that libgsl's own cblas_* calls go through must find OpenBLAS. */
Test(core, gsl_cblas_is_openblas)
{
    double a[4] = {1, 2, 3, 4}, b[4] = {5, 6, 7, 8}, c[4] = {0};
    gsl_matrix_view A = gsl_matrix_view_array(a, 2, 2), B = gsl_matrix_view_array(b, 2, 2),
                    C = gsl_matrix_view_array(c, 2, 2);
    gsl_blas_dgemm(CblasNoTrans, CblasNoTrans, 1.0, &A.matrix, &B.matrix, 0.0, &C.matrix);
    cr_expect_eq(c[0], 19);
    cr_expect_eq(c[3], 50);
    void *sym = dlsym(RTLD_DEFAULT, "cblas_dgemm");
    cr_assert(sym != NULL);
    Dl_info info;
    cr_assert(dladdr(sym, &info) != 0);
    cr_expect(strstr(info.dli_fname, "openblas") != NULL, "cblas_dgemm comes from %s", info.dli_fname);
}
