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
    size_t n = 600, d = 7;
    float *x = malloc(n * d * sizeof *x), q[7], lo[7], hi[7];
    for (size_t i = 0; i < n * d; i++)
        x[i] = (float)cs_rng_below(rng, 5) * 0.25f; /* ties with the thresholds below */
    knn_kernels kk[KNN_KERNELS_MAX];
    size_t nk = knn_kernels_available(kk);
    cr_log_info("kernels picked: %s (%zu builds run here)", knn_kernels_pick().isa, nk);
    float out[CS_KNN_BLOCK_MAX];
    uint64_t und[CS_KNN_MASK_WORDS], und1[CS_KNN_MASK_WORDS], below[CS_KNN_MASK_WORDS];
    for (size_t trial = 0; trial < 60; trial++) {
        /* lengths across the 8-point groups and the 64-bit mask words */
        size_t len = 1 + trial * 7 % CS_KNN_BLOCK_MAX, off = trial * 5 % (n - len);
        for (size_t j = 0; j < d; j++) {
            q[j] = (float)cs_rng_below(rng, 5) * 0.25f;
            lo[j] = (float)cs_rng_below(rng, 4) * 0.25f;
            hi[j] = lo[j] + (float)cs_rng_below(rng, 2) * 0.25f;
        }
        for (size_t v = 0; v < nk; v++) {
            size_t dd = 1 + trial % d, want_in = 0, want_in1 = 0;
            kk[v].dist(x + off, n, len, dd, q, out);
            kk[v].below(x + off, n, len, dd, q, hi[0], below);
            size_t got_in = kk[v].count(x + off, n, len, dd, q, lo, hi, und);
            size_t got_in1 = kk[v].count1(x + off, n, len, dd, q, lo[0], hi[0], und1);
            for (size_t c = 0; c < len; c++) {
                float g = 0;
                int in = 1, outside = 0;
                for (size_t j = 0; j < dd; j++) {
                    float a = fabsf(x[j * n + off + c] - q[j]);
                    g = a > g ? a : g;
                    in &= a < lo[j];
                    outside |= a >= hi[j];
                }
                int bit = (und[c / 64] >> (c % 64)) & 1, bit1 = (und1[c / 64] >> (c % 64)) & 1;
                cr_assert_eq(out[c], g, "%s dist trial %zu point %zu", kk[v].isa, trial, c);
                cr_assert_eq((int)((below[c / 64] >> (c % 64)) & 1), g < hi[0], "%s below %zu", kk[v].isa, c);
                want_in += (size_t)in;
                cr_assert_eq(bit, !in && !outside, "%s undecided trial %zu point %zu", kk[v].isa, trial, c);
                want_in1 += (size_t)(g < lo[0]);
                cr_assert_eq(bit1, !(g < lo[0]) && g < hi[0], "%s cube undecided %zu", kk[v].isa, c);
            }
            for (size_t c = len; c < CS_KNN_BLOCK_MAX; c++)
                cr_assert(!((und[c / 64] | und1[c / 64] | below[c / 64]) >> (c % 64) & 1), "bit past the end");
            cr_assert_eq(got_in, want_in, "%s count trial %zu", kk[v].isa, trial);
            cr_assert_eq(got_in1, want_in1, "%s cube count trial %zu", kk[v].isa, trial);
        }
    }
    free(x);
    cs_rng_destroy(rng);
}

Test(knn, box_kernels_equal_scalar_node_tests)
{
    /* boxes on a grid so that the query's coordinates, radii and box edges
     * tie: the strict/non-strict edges are exercised */
    cs_rng *rng;
    cs_rng_create(13, &rng);
    size_t nb = 77, d = 5;
    double lo[5 * 77], hi[5 * 77], q[5], r[5], bd[77];
    int32_t scratch[2 * 77];
    uint8_t cls[77];
    knn_kernels kk[KNN_KERNELS_MAX];
    size_t nk = knn_kernels_available(kk);
    for (size_t trial = 0; trial < 30; trial++) {
        for (size_t j = 0; j < d; j++) {
            q[j] = (double)cs_rng_below(rng, 6) * 0.5;
            r[j] = (double)cs_rng_below(rng, 4) * 0.5;
            for (size_t b = 0; b < nb; b++) {
                lo[j * nb + b] = (double)cs_rng_below(rng, 6) * 0.5;
                hi[j * nb + b] = lo[j * nb + b] + (double)cs_rng_below(rng, 3) * 0.5;
            }
        }
        for (size_t v = 0; v < nk; v++) {
            for (int strict = 0; strict <= 1; strict++) {
                kk[v].boxdist(lo, hi, nb, nb, d, q, bd);
                kk[v].classify(lo, hi, nb, nb, d, q, r, strict, scratch, cls);
                for (size_t b = 0; b < nb; b++) {
                    /* by definition: nearest and farthest box point per coordinate */
                    double m = 0;
                    int all_in = 1, none_in = 0;
                    for (size_t j = 0; j < d; j++) {
                        double l = lo[j * nb + b], h = hi[j * nb + b];
                        double near = q[j] < l ? l - q[j] : (q[j] > h ? q[j] - h : 0);
                        double far = fmax(fabs(q[j] - l), fabs(h - q[j]));
                        m = fmax(m, near);
                        all_in &= strict ? far < r[j] : far <= r[j];
                        none_in |= strict ? near >= r[j] : near > r[j];
                    }
                    cr_assert_eq(bd[b], m, "%s box %zu", kk[v].isa, b);
                    cr_assert_eq(cls[b], none_in ? 0 : (all_in ? 1 : 2), "%s box %zu strict %d", kk[v].isa, b,
                                 strict);
                }
            }
        }
    }
    cs_rng_destroy(rng);
}

/* The batched searches of tree blk (blocks prepared) against the fine
 * search of the same points: every block's points as one batch. */
static void compare_batched(const kdtree *fine, const kdtree *blk, const double *pts, size_t n, size_t d, size_t k,
                            int64_t w, const int64_t *times, const char *what)
{
    kdtree_scratch *sc;
    cr_assert_eq(kdtree_scratch_create(blk, CS_KNN_BLOCK_MAX, &sc), CS_OK);
    size_t k1 = k + 1, nblocks = kdtree_block_count(blk);
    const size_t *order = kdtree_order(blk);
    double *dist = malloc(CS_KNN_BLOCK_MAX * k1 * sizeof *dist), *r = malloc(CS_KNN_BLOCK_MAX * d * sizeof *r);
    size_t *idx = malloc(CS_KNN_BLOCK_MAX * k1 * sizeof *idx), m[CS_KNN_BLOCK_MAX], cnt[CS_KNN_BLOCK_MAX];
    const double *q[CS_KNN_BLOCK_MAX];
    double df[16];
    size_t xf[16], seen = 0;
    cr_assert_gt(nblocks, 0);
    for (size_t b = 0; b < nblocks; b++) {
        size_t p0, p1;
        kdtree_block_range(blk, b, &p0, &p1);
        cr_assert(p1 > p0 && p1 - p0 <= CS_KNN_BLOCK_MAX);
        kdtree_knn_block(blk, b, k1, times, w, sc, dist, idx, m);
        for (size_t i = 0; i < p1 - p0; i++, seen++) {
            size_t row = order[p0 + i];
            kdtree_exclusion ex = {row, times, (int64_t)row, w};
            size_t mf = kdtree_knn(fine, pts + row * d, k, &ex, df, xf);
            const double *db = dist + i * k1;
            const size_t *xb = idx + i * k1;
            cr_assert_eq(m[i], mf + 1, "%s batched row %zu", what, row);
            for (size_t a = 0; a < mf; a++)
                cr_assert_eq(df[a], db[a], "%s batched d=%zu row %zu neighbour %zu", what, d, row, a);
            if (db[k] != db[k - 1]) {
                for (size_t a = 0; a < k; a++) {
                    int found = 0;
                    for (size_t c = 0; c < k; c++)
                        found |= xf[a] == xb[c];
                    cr_assert(found, "%s batched d=%zu row %zu: neighbour %zu missing", what, d, row, xf[a]);
                }
            }
            q[i] = pts + row * d;
            for (size_t j = 0; j < d; j++) /* a radius per query, some coordinates halved */
                r[i * d + j] = df[k - 1] * (j % 3 == 1 ? 0.5 : 1.0);
        }
        for (int strict = 0; strict <= 1; strict++) {
            kdtree_count_batch(blk, p1 - p0, q, r, strict, sc, cnt);
            for (size_t i = 0; i < p1 - p0; i++)
                cr_assert_eq(cnt[i], kdtree_count(fine, q[i], r + i * d, strict),
                             "%s batched count d=%zu row %zu strict %d", what, d, order[p0 + i], strict);
        }
    }
    cr_assert_eq(seen, n, "%s: the blocks cover every point once", what);
    free(dist);
    free(r);
    free(idx);
    kdtree_scratch_destroy(sc);
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
    compare_batched(fine, blk, pts, n, d, k, w, times, what);
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

Test(knn, batched_search_at_tile_edges_constant_columns_duplicates)
{
    /* sizes on both sides of one and two whole blocks, a constant column,
     * and a last third that repeats earlier rows */
    cs_rng *rng;
    cs_rng_create(27, &rng);
    static const size_t sizes[] = {CS_KNN_BLOCK_MAX - 1, CS_KNN_BLOCK_MAX, CS_KNN_BLOCK_MAX + 1,
                                   2 * CS_KNN_BLOCK_MAX + 3};
    for (size_t s = 0; s < sizeof sizes / sizeof sizes[0]; s++) {
        size_t n = sizes[s], d = 6;
        double *p = make_points(rng, n, d, s % 2);
        for (size_t i = 0; i < n; i++)
            p[i * d + 2] = 1.5;
        for (size_t i = n - n / 3; i < n; i++)
            memcpy(p + i * d, p + (i - n / 2) * d, d * sizeof *p);
        compare_searches(p, n, d, CS_KNN_BLOCK_MAX, 4, 0, "edges");
        compare_searches(p, n, d, 64, 4, 2, "edges w=2");
        free(p);
    }
    /* every point the same: every distance ties */
    size_t n = CS_KNN_BLOCK_MAX + 5, d = 5;
    double *p = calloc(n * d, sizeof *p);
    compare_searches(p, n, d, 64, 4, 0, "all equal");
    free(p);
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

Test(knn, ksg_identical_at_tile_edges_constant_columns_and_thread_counts)
{
    /* 5-D x 5-D (the blocked, batched path), N around the block size, data
     * with duplicated rows and (normalisation off) a constant column: tree,
     * blocks, 1 and 2 threads give the same local values to the bit */
    cs_rng *rng;
    cs_rng_create(37, &rng);
    static const size_t sizes[] = {CS_KNN_BLOCK_MAX - 1, CS_KNN_BLOCK_MAX + 1, 3 * CS_KNN_BLOCK_MAX + 7};
    for (size_t s = 0; s < sizeof sizes / sizeof sizes[0]; s++) {
        size_t n = sizes[s], D = 10;
        double *J = make_points(rng, n, D, s == 1);
        for (size_t i = 0; i < n; i++)
            J[i * D + 7] = -2.0;
        cs_matrix x = {J, n, 5, D}, y = {J + 5, n, 5, D};
        double *ref = malloc(n * sizeof *ref), *got = malloc(n * sizeof *got);
        for (int alg = 1; alg <= 2; alg++) {
            for (size_t w = 0; w <= 3; w += 3) {
                double aref = 0, a;
                for (int v = 0; v < 3; v++) {
                    cs_ksg_params p;
                    cs_ksg_params_default(&p);
                    p.algorithm = alg;
                    p.theiler = w;
                    p.normalize = 0;
                    p.search = v == 0 ? CS_KSG_SEARCH_TREE : CS_KSG_SEARCH_AUTO;
                    p.threads = v == 2 ? 2 : 1;
                    cs_ksg *plan;
                    cr_assert_eq(cs_ksg_mi_create(x, y, &p, &plan), CS_OK, "%s", cs_last_error());
                    cr_assert_eq(cs_ksg_local(plan, v ? got : ref, v ? &a : &aref), CS_OK);
                    cs_ksg_destroy(plan);
                    if (v)
                        cr_assert(a == aref && memcmp(ref, got, n * sizeof *ref) == 0,
                                  "n %zu alg %d w %zu variant %d: %.17g vs %.17g", n, alg, w, v, a, aref);
                }
            }
        }
        free(ref);
        free(got);
        free(J);
    }
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
