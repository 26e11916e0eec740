/* The blocked nearest-neighbour search (src/info/kdtree.c, knn_kernels.c)
 * against the fine kd-tree search and a plain scan, and KSG estimates with
 * either search: they must agree to the bit, on random and on heavily tied
 * data, with and without a Theiler window, on both sides of the measured
 * crossover (dimensions 1..10, block sizes from 2 to the maximum). */
#include <criterion/criterion.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "cogscope/core.h"
#include "cogscope/embed.h"
#include "cogscope/ksg.h"
#include "cogscope/rng.h"
#include "info/estimators/kdtree.h"
#include "info/estimators/knn_kernels.h"

/* n x d points: Gaussian with a common factor, or on a 3-level grid (ties
 * at every distance), with the last fifth duplicating the first rows. */
static double *make_points(cs_rng *rng, size_t n, size_t d, int grid)
{
    double *p = malloc(n * d * sizeof *p);
    for (size_t i = 0; i < n; i++) {
        double common = cs_rng_gaussian(rng, 1);
        for (size_t j = 0; j < d; j++)
            p[i * d + j] = grid ? (double)cs_rng_below(rng, 3) : 0.6 * common + cs_rng_gaussian(rng, 1);
    }
    size_t dup = n - n / 5;
    for (size_t i = dup; i < n; i++)
        memcpy(p + i * d, p + (i - dup) * d, d * sizeof *p);
    return p;
}

Test(knn, kernels_equal_plain_scan_on_every_instruction_set)
{
    cs_rng *rng;
    cs_rng_create(11, &rng);
    size_t n = 300, d = 7;
    float *x = malloc(n * d * sizeof *x), q[7], lo[7], hi[7];
    for (size_t i = 0; i < n * d; i++)
        x[i] = (float)cs_rng_below(rng, 5) * 0.25f; /* ties with the thresholds below */
    knn_kernels kk[2] = {knn_kernels_baseline(), knn_kernels_pick()};
    cr_log_info("kernels picked: %s", kk[1].isa);
    float out[CS_KNN_BLOCK_MAX];
    uint8_t und[CS_KNN_BLOCK_MAX];
    for (size_t trial = 0; trial < 40; trial++) {
        size_t len = 1 + trial * 3 % CS_KNN_BLOCK_MAX, off = trial * 5 % (n - len);
        for (size_t j = 0; j < d; j++) {
            q[j] = (float)cs_rng_below(rng, 5) * 0.25f;
            lo[j] = (float)cs_rng_below(rng, 4) * 0.25f;
            hi[j] = lo[j] + (float)cs_rng_below(rng, 2) * 0.25f;
        }
        for (int v = 0; v < 2; v++) {
            size_t dd = 1 + trial % d, want_in = 0, want_und = 0, n_und;
            kk[v].dist(x + off, n, len, dd, q, out);
            size_t got_in = kk[v].count(x + off, n, len, dd, q, lo, hi, und, &n_und);
            for (size_t c = 0; c < len; c++) {
                float g = 0;
                int in = 1, outside = 0;
                for (size_t j = 0; j < dd; j++) {
                    float a = fabsf(x[j * n + off + c] - q[j]);
                    g = a > g ? a : g;
                    in &= a < lo[j];
                    outside |= a >= hi[j];
                }
                cr_assert_eq(out[c], g, "%s dist trial %zu point %zu", kk[v].isa, trial, c);
                want_in += (size_t)in;
                if (!in && !outside)
                    cr_assert(want_und < n_und && und[want_und++] == c, "%s undecided %zu", kk[v].isa, c);
            }
            cr_assert_eq(got_in, want_in, "%s count trial %zu", kk[v].isa, trial);
            cr_assert_eq(n_und, want_und, "%s undecided count trial %zu", kk[v].isa, trial);
        }
    }
    free(x);
    cs_rng_destroy(rng);
}

/* Every query of one tree by the fine and the blocked search. */
static void compare_searches(const double *pts, size_t n, size_t d, size_t block, size_t k, int64_t w,
                             const char *what)
{
    kdtree *fine, *blk;
    cr_assert_eq(kdtree_create(pts, n, d, d, 1, &fine), CS_OK);
    cr_assert_eq(kdtree_create(pts, n, d, d, 2, &blk), CS_OK);
    cr_assert_eq(kdtree_blocks_prepare(blk, block), CS_OK);
    cr_assert(kdtree_has_blocks(blk) && !kdtree_has_blocks(fine));
    int64_t *times = malloc(n * sizeof *times);
    for (size_t i = 0; i < n; i++)
        times[i] = (int64_t)i;
    double df[16], db[16], r[16];
    size_t xf[16], xb[16], boundary_ties = 0;
    for (size_t i = 0; i < n; i++) {
        const double *q = pts + i * d;
        kdtree_exclusion ex = {i, times, (int64_t)i, w};
        size_t mf = kdtree_knn(fine, q, k, &ex, df, xf);
        size_t mb = kdtree_knn_blocked(blk, q, k + 1, &ex, db, xb);
        cr_assert_eq(mb, mf + 1, "%s row %zu", what, i);
        for (size_t a = 0; a < mf; a++)
            cr_assert_eq(df[a], db[a], "%s d=%zu block %zu row %zu neighbour %zu", what, d, block, i, a);
        if (db[k] == db[k - 1]) {
            boundary_ties++;
        } else {
            /* no eligible point outside the k at the k-th distance: the sets agree */
            for (size_t a = 0; a < k; a++) {
                int found = 0;
                for (size_t b = 0; b < k; b++)
                    found |= xf[a] == xb[b];
                cr_assert(found, "%s d=%zu row %zu: neighbour %zu missing", what, d, i, xf[a]);
            }
        }
        for (int strict = 0; strict <= 1; strict++) {
            for (size_t j = 0; j < d; j++)
                r[j] = df[k - 1] * (j % 3 == 1 ? 0.5 : 1.0);
            cr_assert_eq(kdtree_count_blocked(blk, q, r, strict), kdtree_count(fine, q, r, strict),
                         "%s d=%zu block %zu row %zu strict %d", what, d, block, i, strict);
        }
    }
    cr_log_info("%s d=%zu block %zu: %zu boundary ties", what, d, block, boundary_ties);
    free(times);
    kdtree_destroy(fine);
    kdtree_destroy(blk);
}

Test(knn, blocked_search_equals_fine_search_random_and_tied)
{
    cs_rng *rng;
    cs_rng_create(21, &rng);
    static const size_t blocks[] = {2, 7, 64, CS_KNN_BLOCK_MAX};
    for (size_t d = 1; d <= 10; d += (d < 4 ? 1 : 3)) {
        for (int grid = 0; grid <= 1; grid++) {
            size_t n = 700;
            double *p = make_points(rng, n, d, grid);
            for (size_t b = 0; b < sizeof blocks / sizeof blocks[0]; b++)
                compare_searches(p, n, d, blocks[b], 4, (b % 2) ? 3 : 0, grid ? "grid" : "gauss");
            free(p);
        }
    }
    cs_rng_destroy(rng);
}

Test(knn, float_screen_stays_exact_far_from_the_origin)
{
    /* coordinates near 1e6 whose differences float cannot resolve (its
     * spacing there is 0.0625): every decision falls to the double test */
    cs_rng *rng;
    cs_rng_create(23, &rng);
    size_t n = 600, d = 6;
    double *p = make_points(rng, n, d, 0);
    for (size_t i = 0; i < n * d; i++)
        p[i] = 1e6 + p[i] * 0.01;
    compare_searches(p, n, d, 64, 4, 0, "offset");
    /* beyond float's range the blocked search is not used (and still exact) */
    for (size_t i = 0; i < n * d; i++)
        p[i] = (p[i] - 1e6) * 1e38;
    kdtree *t;
    cr_assert_eq(kdtree_create(p, n, d, d, 1, &t), CS_OK);
    cr_assert_eq(kdtree_blocks_prepare(t, 64), CS_OK);
    cr_expect(!kdtree_has_blocks(t));
    kdtree_destroy(t);
    free(p);
    cs_rng_destroy(rng);
}

Test(knn, crossover_rule_and_bad_block_size)
{
    /* few dimensions: the fine tree; many: blocks (both sides are exercised by
     * the equality tests above and below) */
    cr_expect_eq(kdtree_block_size_for(100000, 2, 0), 0);
    cr_expect_gt(kdtree_block_size_for(100000, 10, 0), 0);
    cr_expect_gt(kdtree_block_size_for(100000, 5, 1), 0);
    double p[4] = {0, 1, 2, 3};
    kdtree *t;
    cr_assert_eq(kdtree_create(p, 4, 1, 1, 1, &t), CS_OK);
    cr_expect_eq(kdtree_blocks_prepare(t, 1), CS_EINVAL);
    cr_expect_eq(kdtree_blocks_prepare(t, CS_KNN_BLOCK_MAX + 1), CS_EINVAL);
    cr_expect(strstr(cs_last_error(), "block size") != NULL, "%s", cs_last_error());
    kdtree_destroy(t);
}

/* One KSG estimate (locals and average) with a given search. */
static void ksg_locals(cs_matrix x, cs_matrix y, cs_matrix z, int alg, size_t w, int search, double *loc, double *avg)
{
    cs_ksg_params p;
    cs_ksg_params_default(&p);
    p.algorithm = alg;
    p.theiler = w;
    p.search = search;
    p.threads = 2;
    cs_ksg *plan;
    cr_assert_eq(cs_ksg_cmi_create(x, y, z, &p, &plan), CS_OK, "%s", cs_last_error());
    cr_assert_eq(cs_ksg_local(plan, loc, avg), CS_OK);
    cs_ksg_destroy(plan);
}

Test(knn, ksg_values_identical_with_either_search)
{
    static const size_t dims[][3] = {{1, 1, 0}, {2, 2, 0}, {5, 5, 0}, {2, 2, 2}, {4, 3, 3}};
    size_t n = 900;
    cs_rng *rng;
    cs_rng_create(31, &rng);
    double *lt = malloc(n * sizeof *lt), *lb = malloc(n * sizeof *lb), *la = malloc(n * sizeof *la);
    for (size_t c = 0; c < sizeof dims / sizeof dims[0]; c++) {
        size_t dx = dims[c][0], dy = dims[c][1], dz = dims[c][2], D = dx + dy + dz;
        for (int grid = 0; grid <= 1; grid++) {
            double *J = make_points(rng, n, D, grid);
            cs_matrix x = {J, n, dx, D}, y = {J + dx, n, dy, D}, z = {J + dx + dy, n, dz, D};
            if (!dz)
                z.data = NULL;
            for (int alg = 1; alg <= 2; alg++) {
                for (size_t w = 0; w <= 4; w += 4) {
                    double at, ab, aa;
                    ksg_locals(x, y, z, alg, w, CS_KSG_SEARCH_TREE, lt, &at);
                    ksg_locals(x, y, z, alg, w, CS_KSG_SEARCH_BLOCKS, lb, &ab);
                    ksg_locals(x, y, z, alg, w, CS_KSG_SEARCH_AUTO, la, &aa);
                    cr_assert(memcmp(lt, lb, n * sizeof *lt) == 0 && at == ab && at == aa &&
                                  memcmp(lt, la, n * sizeof *lt) == 0,
                              "dims %zu/%zu/%zu grid %d alg %d w %zu: %.17g %.17g %.17g", dx, dy, dz, grid, alg, w,
                              at, ab, aa);
                }
            }
            free(J);
        }
    }
    free(lt);
    free(lb);
    free(la);
    cs_rng_destroy(rng);
}

Test(knn, ksg_te_ais_and_surrogates_identical_with_either_search)
{
    size_t n = 1500;
    cs_rng *rng;
    cs_rng_create(41, &rng);
    /* a coupled pair on a coarse grid (ties) */
    cs_matrix s;
    cr_assert_eq(cs_matrix_alloc(n, 2, &s), CS_OK);
    double a = 0, b = 0;
    for (size_t t = 0; t < n; t++) {
        double na = 0.5 * a + cs_rng_gaussian(rng, 1), nb = 0.4 * b + 0.5 * a + cs_rng_gaussian(rng, 1);
        a = na;
        b = nb;
        s.data[t * 2] = round(a * 2) / 2;
        s.data[t * 2 + 1] = round(b * 2) / 2;
    }
    cs_matrix src = {s.data, n, 1, 2}, dst = {s.data + 1, n, 1, 2}, none = {NULL, 0, 0, 0};
    cs_embed_params ep;
    cs_embed_params_default(&ep);
    ep.k = 3;
    ep.l = 2;
    cs_embedding te, ais;
    cr_assert_eq(cs_embed_te(src, dst, none, &ep, &te), CS_OK, "%s", cs_last_error());
    cr_assert_eq(cs_embed_ais(dst, 4, 1, &ais), CS_OK, "%s", cs_last_error());
    for (int alg = 1; alg <= 2; alg++) {
        for (int which = 0; which < 2; which++) {
            double v[2], sv[2][5];
            cs_ksg_significance sig[2];
            for (int m = 0; m < 2; m++) {
                cs_ksg_params p;
                cs_ksg_params_default(&p);
                p.algorithm = alg;
                p.theiler = 2;
                p.search = m ? CS_KSG_SEARCH_BLOCKS : CS_KSG_SEARCH_TREE;
                cs_ksg *plan;
                cr_assert_eq(cs_ksg_embedding_create(which ? &ais : &te, &p, &plan), CS_OK, "%s", cs_last_error());
                cr_assert_eq(cs_ksg_average(plan, &v[m]), CS_OK);
                cr_assert_eq(cs_ksg_surrogates(plan, 5, 7, &sig[m], sv[m]), CS_OK);
                cs_ksg_destroy(plan);
            }
            cr_expect_eq(v[0], v[1], "%s alg %d: %.17g vs %.17g", which ? "ais" : "te", alg, v[0], v[1]);
            cr_expect(memcmp(sv[0], sv[1], sizeof sv[0]) == 0, "%s alg %d surrogates differ", which ? "ais" : "te",
                      alg);
        }
    }
    cs_embedding_free(&te);
    cs_embedding_free(&ais);
    cs_matrix_free(&s);
    cs_rng_destroy(rng);
}
