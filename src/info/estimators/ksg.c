/* KSG estimators of MI and CMI (algorithms 1 and 2), max-norm, with the
 * conventions of JIDT's MutualInfoCalculatorMultiVariateKraskov1/2 and
 * ConditionalMutualInfoCalculatorMultiVariateKraskov1/2 (see ksg.h).
 *
 * Search structures: a kd-tree over the joint space for the k-NN search; for
 * every marginal space a sorted array with galloping search when it is 1-D,
 * else a kd-tree range count. In more dimensions the trees are cut into
 * blocks of up to 256 points and nearby rows are searched in batches (one
 * walk of the upper tree per batch, vectorised box and point loops;
 * kdtree.h, kdtree_batch.c), chosen per space by a measured crossover;
 * distances and counts are the same to the bit, and KSG-2, which reads the
 * neighbours themselves, falls back to the fine search for a query with a
 * tie at the k-th distance, so every value is the same whichever search
 * runs (ksg_count.c runs the three passes: neighbours, counts, values). Counts are taken over all points and the
 * excluded rows (the row itself and its Theiler window) are then subtracted
 * by testing them one by one with the same comparison, so the structures do
 * not need to know about exclusions and survive shuffling. */
#include "cogscope/ksg.h"

#include <gsl/gsl_sf_psi.h>
#include <gsl/gsl_statistics_double.h>
#include <limits.h>
#include <math.h>
#include <omp.h>
#include <stdlib.h>
#include <string.h>

#include "ksg_internal.h"
#include "../par_error.h"
#include "../gsl_setup.h"

void cs_ksg_params_default(cs_ksg_params *p)
{
    memset(p, 0, sizeof *p);
    p->algorithm = 1;
    p->k = 4;
    p->normalize = 1;
    p->theiler = 0;
    p->times = NULL;
    p->noise_sd = 0;
    p->noise_seed = 0;
    p->threads = 0;
    p->search = CS_KSG_SEARCH_AUTO;
}

size_t cs_ksg_rows(const cs_ksg *ksg) { return ksg->n; }

/* ---- prepare ------------------------------------------------------------------ */

void cs_ksg_destroy(cs_ksg *P)
{
    if (!P)
        return;
    free(P->orig);
    free(P->inv);
    free(P->times);
    free(P->by_time);
    free(P->win_lo);
    free(P->win_hi);
    free(P->joint);
    kdtree_destroy(P->jtree);
    ksg_space_free(&P->a);
    ksg_space_free(&P->b);
    ksg_space_free(&P->c);
    free(P->psi);
    free(P);
}

static cs_status check_matrix(cs_matrix m, size_t n, const char *name, int may_be_empty)
{
    if (m.cols == 0 || !m.data) {
        if (may_be_empty)
            return CS_OK;
        return cs_error_set(CS_ESHAPE, "KSG: %s has no columns", name);
    }
    if (m.rows != n)
        return cs_error_set(CS_ESHAPE, "KSG: %s has %zu rows but x has %zu (row counts must match)", name, m.rows, n);
    if (m.stride < m.cols)
        return cs_error_set(CS_EINVAL, "KSG: %s has row stride %zu < %zu columns", name, m.stride, m.cols);
    return cs_matrix_check_finite(m, name);
}

/* Copy (and z-score) the columns of m into joint columns [off, off + m.cols). */
static cs_status fill_joint(double *joint, size_t D, size_t off, cs_matrix m, int normalize, const char *name)
{
    for (size_t j = 0; j < m.cols; j++) {
        const double *col = m.data + j;
        double mean = 0, sd = 1;
        if (normalize) {
            double mn, mx;
            gsl_stats_minmax(&mn, &mx, col, m.stride, m.rows);
            if (mn == mx)
                return cs_error_set(CS_EINVAL,
                                    "KSG: %s column %zu is constant (%g), so it cannot be z-scored "
                                    "and carries no information; drop it or turn normalisation off",
                                    name, j, mn);
            mean = gsl_stats_mean(col, m.stride, m.rows);
            sd = gsl_stats_sd_m(col, m.stride, m.rows, mean);
            if (!(sd > 0) || !isfinite(sd))
                return cs_error_set(CS_EINVAL, "KSG: %s column %zu has standard deviation %g", name, j, sd);
        }
        for (size_t i = 0; i < m.rows; i++)
            joint[i * D + off + j] = normalize ? (col[i * m.stride] - mean) / sd : col[i * m.stride];
    }
    return CS_OK;
}

typedef struct {
    int64_t t;
    size_t row;
} time_row;

static int cmp_time_row(const void *a, const void *b)
{
    const time_row *x = a, *y = b;
    if (x->t != y->t)
        return x->t < y->t ? -1 : 1;
    return (x->row > y->row) - (x->row < y->row);
}

/* Times, Theiler windows, and the check that every row keeps >= k candidates. */
static cs_status setup_times(cs_ksg *P, const cs_ksg_params *p)
{
    size_t n = P->n;
    P->times = malloc(n * sizeof *P->times);
    if (!P->times)
        return cs_error_set(CS_ENOMEM, "KSG: out of memory");
    for (size_t i = 0; i < n; i++) {
        int64_t t = p->times ? p->times[i] : (int64_t)i;
        if (t >= KSG_TIME_LIMIT || t <= -KSG_TIME_LIMIT)
            return cs_error_set(CS_EINVAL,
                                "KSG: time index %lld of row %zu is out of range "
                                "(|t| < 2^62)",
                                (long long)t, i);
        P->times[i] = t;
    }
    if ((size_t)P->k >= n)
        return cs_error_set(CS_EINVAL, "KSG: k = %d must be smaller than the number of rows (%zu)", P->k, n);
    if (P->w == 0)
        return CS_OK;
    time_row *tr = malloc(n * sizeof *tr);
    P->by_time = malloc(n * sizeof *P->by_time);
    P->win_lo = malloc(n * sizeof *P->win_lo);
    P->win_hi = malloc(n * sizeof *P->win_hi);
    if (!tr || !P->by_time || !P->win_lo || !P->win_hi) {
        free(tr);
        return cs_error_set(CS_ENOMEM, "KSG: out of memory");
    }
    for (size_t i = 0; i < n; i++) {
        tr[i].t = P->times[i];
        tr[i].row = i;
    }
    qsort(tr, n, sizeof *tr, cmp_time_row);
    for (size_t q = 0; q < n; q++)
        P->by_time[q] = tr[q].row;
    for (size_t i = 0; i < n; i++) {
        int64_t lo_t = P->times[i] - P->w, hi_t = P->times[i] + P->w;
        size_t a = 0, b = n; /* first position with t >= lo_t */
        while (a < b) {
            size_t m = a + (b - a) / 2;
            if (tr[m].t < lo_t)
                a = m + 1;
            else
                b = m;
        }
        P->win_lo[i] = a;
        b = n; /* first position with t > hi_t */
        while (a < b) {
            size_t m = a + (b - a) / 2;
            if (tr[m].t <= hi_t)
                a = m + 1;
            else
                b = m;
        }
        P->win_hi[i] = a;
        size_t candidates = n - (P->win_hi[i] - P->win_lo[i]);
        if ((size_t)P->k > candidates) {
            free(tr);
            return cs_error_set(CS_EINVAL,
                                "KSG: k = %d exceeds the %zu rows that row %zu can have as "
                                "neighbours outside the Theiler window %zu",
                                P->k, candidates, i, p->theiler);
        }
    }
    free(tr);
    return CS_OK;
}

/* Build the joint tree renumbered to tree order and move every per-row
 * array (joint data, times, windows) to that internal order. */
static cs_status to_tree_order(cs_ksg *P)
{
    size_t n = P->n, D = P->D;
    P->orig = malloc(n * sizeof *P->orig);
    P->inv = malloc(n * sizeof *P->inv);
    int64_t *T = malloc(n * sizeof *T);
    size_t *lo = P->w ? malloc(n * sizeof *lo) : NULL, *hi = P->w ? malloc(n * sizeof *hi) : NULL;
    if (!P->orig || !P->inv || !T || (P->w && (!lo || !hi))) {
        free(T);
        free(lo);
        free(hi);
        return cs_error_set(CS_ENOMEM, "KSG: out of memory for %zu x %zu values", n, D);
    }
    cs_status st = kdtree_create_ordered(P->joint, n, D, D, P->threads, &P->jtree, P->orig);
    if (st == CS_OK)
        st = ksg_use_blocks(P->search, P->jtree, n, D, 0);
    if (st != CS_OK) {
        free(T);
        free(lo);
        free(hi);
        return st;
    }
    for (size_t r = 0; r < n; r++) {
        size_t o = P->orig[r];
        P->inv[o] = r;
        T[r] = P->times[o];
        if (P->w) {
            lo[r] = P->win_lo[o];
            hi[r] = P->win_hi[o];
        }
    }
    if (P->w)
        for (size_t q = 0; q < n; q++)
            P->by_time[q] = P->inv[P->by_time[q]];
    free(P->joint);
    P->joint = NULL;
    P->J = kdtree_points(P->jtree);
    free(P->times);
    free(P->win_lo);
    free(P->win_hi);
    P->times = T;
    P->win_lo = lo;
    P->win_hi = hi;
    return CS_OK;
}

/* The marginal spaces a = x | z, b = y | z and c = z of the estimator, built
 * concurrently when there are threads to spare. */
static cs_status build_spaces(cs_ksg *P)
{
    size_t n = P->n, D = P->D, dx = P->dx, dy = P->dy, dz = P->dz;
    size_t *cols = malloc(3 * D * sizeof *cols);
    if (!cols)
        return cs_error_set(CS_ENOMEM, "KSG: out of memory");
    size_t *ca = cols, *cb = cols + D, *cc = cols + 2 * D;
    for (size_t j = 0; j < dx; j++)
        ca[j] = j;
    for (size_t j = 0; j < dy; j++)
        cb[j] = dx + j;
    for (size_t j = 0; j < dz; j++)
        ca[dx + j] = cb[dy + j] = cc[j] = dx + dy + j;
    ksg_space *sp[3] = {&P->a, &P->b, &P->c};
    const size_t *sc[3] = {ca, cb, cc};
    size_t sd[3] = {dx + dz, dy + dz, dz};
    int nspaces = dz ? 3 : 2;
    int nt = P->threads < nspaces ? P->threads : nspaces;
    int inner = P->threads > nt ? P->threads / nt : 1;
    par_error err = PAR_ERROR_INIT;
#pragma omp parallel for num_threads(nt) schedule(static, 1) if (nt > 1 && n >= 20000)
    for (int s = 0; s < nspaces; s++) {
        cs_status st = ksg_space_init(sp[s], P->J, n, D, sc[s], sd[s], inner, P->search);
        if (st != CS_OK)
            par_error_record(&err, st);
    }
    free(cols);
    return par_error_raise(&err);
}

/* Create on x, y, z; *owned (may be NULL): the n x (dx + dy + dz) buffer
 * the views x | y | z lie in, taken as the joint array (normalised in place)
 * once the estimator exists (*owned is then set to NULL), so the data are not
 * copied once more. */
static cs_status create(cs_matrix x, cs_matrix y, cs_matrix z, const cs_ksg_params *p, double **owned, cs_ksg **out)
{
    if (!out)
        return cs_error_set(CS_EINVAL, "KSG: out is NULL");
    *out = NULL;
    info_gsl_setup();
    cs_ksg_params defaults;
    if (!p) {
        cs_ksg_params_default(&defaults);
        p = &defaults;
    }
    if (p->algorithm != 1 && p->algorithm != 2)
        return cs_error_set(CS_EINVAL, "KSG: algorithm = %d must be 1 or 2", p->algorithm);
    if (p->k < 1)
        return cs_error_set(CS_EINVAL, "KSG: k = %d must be >= 1", p->k);
    if (p->search < CS_KSG_SEARCH_AUTO || p->search > CS_KSG_SEARCH_BLOCKS)
        return cs_error_set(CS_EINVAL,
                            "KSG: search = %d must be CS_KSG_SEARCH_AUTO, _TREE or "
                            "_BLOCKS",
                            p->search);
    if (!(p->noise_sd >= 0) || !isfinite(p->noise_sd))
        return cs_error_set(CS_EINVAL, "KSG: noise_sd = %g must be finite and >= 0", p->noise_sd);
    if (p->theiler >= (size_t)KSG_TIME_LIMIT)
        return cs_error_set(CS_EINVAL, "KSG: Theiler window %zu is too large", p->theiler);
    if (x.cols == 0 || !x.data || x.rows == 0)
        return cs_error_set(CS_ESHAPE, "KSG: x is empty (%zu rows, %zu columns)", x.rows, x.cols);
    size_t n = x.rows;
    if (n > (size_t)INT_MAX)
        return cs_error_set(CS_ELIMIT, "KSG: %zu rows exceed the limit of %d", n, INT_MAX);
    cs_status st;
    if ((st = check_matrix(x, n, "x", 0)) != CS_OK || (st = check_matrix(y, n, "y", 0)) != CS_OK ||
        (st = check_matrix(z, n, "z", 1)) != CS_OK)
        return st;

    cs_ksg *P = calloc(1, sizeof *P);
    if (!P)
        return cs_error_set(CS_ENOMEM, "KSG: out of memory");
    P->joint = *owned;
    *owned = NULL;
    P->n = n;
    P->dx = x.cols;
    P->dy = y.cols;
    P->dz = (z.data && z.cols) ? z.cols : 0;
    P->D = P->dx + P->dy + P->dz;
    P->alg = p->algorithm;
    P->k = p->k;
    P->threads = cs_threads_resolve(p->threads);
    P->search = p->search;
    P->w = (int64_t)p->theiler;
    if ((st = setup_times(P, p)) != CS_OK)
        goto fail;

    size_t D = P->D;
    if (!P->joint)
        P->joint = malloc(n * D * sizeof *P->joint);
    P->psi = malloc((n + 1) * sizeof *P->psi);
    if (!P->joint || !P->psi) {
        st = cs_error_set(CS_ENOMEM, "KSG: out of memory for %zu x %zu values", n, D);
        goto fail;
    }
    if ((st = fill_joint(P->joint, D, 0, x, p->normalize, "x")) != CS_OK ||
        (st = fill_joint(P->joint, D, P->dx, y, p->normalize, "y")) != CS_OK)
        goto fail;
    if (P->dz && (st = fill_joint(P->joint, D, P->dx + P->dy, z, p->normalize, "z")) != CS_OK)
        goto fail;
    if (p->noise_sd > 0) {
        cs_rng *rng;
        if ((st = cs_rng_create(p->noise_seed, &rng)) != CS_OK)
            goto fail;
        for (size_t i = 0; i < n * D; i++)
            P->joint[i] += cs_rng_gaussian(rng, p->noise_sd);
        cs_rng_destroy(rng);
    }
    P->psi[0] = NAN; /* never used: every count entering psi is >= 1 */
    for (size_t m = 1; m <= n; m++)
        P->psi[m] = gsl_sf_psi_int((int)m);

    if ((st = to_tree_order(P)) != CS_OK)
        goto fail;
    if ((st = build_spaces(P)) != CS_OK)
        goto fail;
    *out = P;
    return CS_OK;
fail:
    cs_ksg_destroy(P);
    return st;
}

cs_status cs_ksg_cmi_create(cs_matrix x, cs_matrix y, cs_matrix z, const cs_ksg_params *p, cs_ksg **out)
{
    double *none = NULL;
    return create(x, y, z, p, &none, out);
}

cs_status ksg_cmi_create_owned(double *joint, size_t n, size_t dx, size_t dy, size_t dz, const cs_ksg_params *p,
                               cs_ksg **out)
{
    size_t D = dx + dy + dz;
    cs_matrix x = {joint, n, dx, D}, y = {joint + dx, n, dy, D}, z = {dz ? joint + dx + dy : NULL, dz ? n : 0, dz, D};
    cs_status st = create(x, y, z, p, &joint, out);
    free(joint); /* not taken: an argument was refused before */
    return st;
}

cs_status cs_ksg_mi_create(cs_matrix x, cs_matrix y, const cs_ksg_params *p, cs_ksg **out)
{
    cs_matrix none = {NULL, 0, 0, 0};
    return cs_ksg_cmi_create(x, y, none, p, out);
}

cs_status cs_ksg_embedding_create(const cs_embedding *e, const cs_ksg_params *p, cs_ksg **out)
{
    if (!out)
        return cs_error_set(CS_EINVAL, "KSG: out is NULL");
    *out = NULL;
    if (!e || !e->data.data || e->n == 0)
        return cs_error_set(CS_ESHAPE, "KSG: the embedding is empty (series too short?)");
    cs_ksg_params q;
    if (p)
        q = *p;
    else
        cs_ksg_params_default(&q);
    int64_t *times = malloc(e->n * sizeof *times);
    if (!times)
        return cs_error_set(CS_ENOMEM, "KSG: out of memory");
    for (size_t i = 0; i < e->n; i++)
        times[i] = (int64_t)e->time[i];
    q.times = times;
    cs_matrix m = e->data;
    cs_matrix fut = {m.data + e->future, e->n, e->d_future, m.stride};
    cs_matrix past = {m.data + e->past, e->n, e->d_past, m.stride};
    cs_status st;
    if (e->d_source == 0) {
        st = cs_ksg_mi_create(past, fut, &q, out);
    } else {
        cs_matrix src = {m.data + e->source, e->n, e->d_source, m.stride};
        if (e->d_cond) {
            /* conditioning set = past | cond; source sits between them in the
             * embedding, so gather the two blocks */
            cs_matrix pc;
            st = cs_matrix_alloc(e->n, e->d_past + e->d_cond, &pc);
            if (st != CS_OK) {
                free(times);
                return st;
            }
            for (size_t i = 0; i < e->n; i++) {
                memcpy(pc.data + i * pc.stride, cs_matrix_row(m, i) + e->past, e->d_past * sizeof *pc.data);
                memcpy(pc.data + i * pc.stride + e->d_past, cs_matrix_row(m, i) + e->cond,
                       e->d_cond * sizeof *pc.data);
            }
            st = cs_ksg_cmi_create(src, fut, pc, &q, out);
            cs_matrix_free(&pc);
        } else {
            st = cs_ksg_cmi_create(src, fut, past, &q, out);
        }
    }
    free(times);
    return st;
}

static ksg_ctx est_ctx(const cs_ksg *P)
{
    ksg_ctx C = {P->J, P->jtree, &P->a, &P->b, P->dz ? &P->c : NULL, NULL};
    return C;
}

cs_status cs_ksg_local(cs_ksg *P, double *local, double *average)
{
    if (!P || !local)
        return cs_error_set(CS_EINVAL, "KSG: estimator and local buffer must not be NULL");
    ksg_ctx C = est_ctx(P);
    double avg;
    cs_status st = ksg_run(P, &C, NULL, local, &avg, P->threads);
    if (st == CS_OK && average)
        *average = avg;
    return st;
}

cs_status cs_ksg_average(cs_ksg *P, double *value)
{
    if (!P || !value)
        return cs_error_set(CS_EINVAL, "KSG: estimator and value must not be NULL");
    ksg_ctx C = est_ctx(P);
    return ksg_run(P, &C, NULL, NULL, value, P->threads);
}

/* Per-worker buffers for surrogates. */
typedef struct {
    double *jp;    /* n x D permuted joint */
    size_t *perm;  /* n */
    size_t *iperm; /* n: the permutation in internal rows */
    double *tmp, *locals;
} surr_buf;

/* Surrogate s: x rows permuted by stream (seed, s); estimate into *value. */
static cs_status one_surrogate(const cs_ksg *P, uint64_t seed, size_t s, surr_buf *B, const size_t *cols, int nt,
                               double *value)
{
    size_t n = P->n, D = P->D, dx = P->dx, dy = P->dy, dz = P->dz;
    cs_status st = cs_surrogate_permutation(seed, s, B->perm, n);
    if (st != CS_OK)
        return st;
    /* In the caller's numbering, row o of the surrogate takes x from row
     * perm[o] and y, z from row o; translated to internal rows: */
    for (size_t r = 0; r < n; r++)
        B->iperm[r] = P->inv[B->perm[P->orig[r]]];
    for (size_t i = 0; i < n; i++) {
        memcpy(B->jp + i * D, P->J + B->iperm[i] * D, dx * sizeof *B->jp);
        memcpy(B->jp + i * D + dx, P->J + i * D + dx, (dy + dz) * sizeof *B->jp);
    }
    kdtree *tree = NULL;
    if ((st = kdtree_create(B->jp, n, D, D, nt, &tree)) != CS_OK)
        return st;
    if ((st = ksg_use_blocks(P->search, tree, n, D, 0)) != CS_OK) {
        kdtree_destroy(tree);
        return st;
    }
    ksg_ctx C = {B->jp, tree, &P->a, &P->b, dz ? &P->c : NULL, NULL};
    ksg_space axz;
    memset(&axz, 0, sizeof axz);
    if (dz) {
        /* (x,z) pairs change: rebuild; (y,z) and z are untouched and reused */
        st = ksg_space_init(&axz, B->jp, n, D, cols, dx + dz, nt, P->search);
        C.a = &axz;
    } else {
        /* the x points are the same set, only re-paired: reuse, mapping rows */
        C.amap = B->iperm;
    }
    if (st == CS_OK)
        st = ksg_run(P, &C, B->tmp, B->locals, value, nt);
    ksg_space_free(&axz);
    kdtree_destroy(tree);
    return st;
}

/* Surrogates first..first+ns-1 into sv[0..ns). */
cs_status cs_ksg_surrogate_values(cs_ksg *P, size_t first, size_t ns, uint64_t seed, double *sv)
{
    if (!P || (ns && !sv))
        return cs_error_set(CS_EINVAL, "KSG: estimator and values must not be NULL");
    if (ns == 0)
        return CS_OK;
    size_t n = P->n, D = P->D, dx = P->dx, dz = P->dz, dy = P->dy;
    /* With enough surrogates, each thread takes whole surrogates (tree
     * builds run in parallel too, one fork instead of one per surrogate);
     * otherwise the surrogates run one after another, each parallel over
     * rows. Either way surrogate s uses stream (seed, s): same numbers. */
    int nt = P->threads;
    int outer = (size_t)nt <= ns ? nt : 1;
    int inner = outer > 1 ? 1 : nt;
    cs_status st = CS_OK;
    size_t *cols = malloc(D * sizeof *cols);
    surr_buf *bufs = calloc((size_t)outer, sizeof *bufs);
    int ok = cols && bufs;
    for (int t = 0; ok && t < outer; t++) {
        bufs[t].jp = malloc(n * D * sizeof *bufs[t].jp);
        bufs[t].perm = malloc(n * sizeof *bufs[t].perm);
        bufs[t].iperm = malloc(n * sizeof *bufs[t].iperm);
        bufs[t].tmp = malloc(n * sizeof *bufs[t].tmp);
        bufs[t].locals = malloc(n * sizeof *bufs[t].locals);
        ok = bufs[t].jp && bufs[t].perm && bufs[t].iperm && bufs[t].tmp && bufs[t].locals;
    }
    if (!ok) {
        st = cs_error_set(CS_ENOMEM, "KSG: out of memory for surrogates");
        goto done;
    }
    for (size_t j = 0; j < dx; j++)
        cols[j] = j;
    for (size_t j = 0; j < dz; j++)
        cols[dx + j] = dx + dy + j;
    par_error err = PAR_ERROR_INIT;
#pragma omp parallel for num_threads(outer) schedule(dynamic, 1) if (outer > 1)
    for (size_t s = 0; s < ns; s++) {
        if (par_error_seen(&err))
            continue;
        cs_status my = one_surrogate(P, seed, first + s, &bufs[omp_get_thread_num()], cols, inner, &sv[s]);
        if (my != CS_OK)
            par_error_record(&err, my);
    }
    st = par_error_raise(&err);
done:
    for (int t = 0; bufs && t < outer; t++) {
        free(bufs[t].jp);
        free(bufs[t].perm);
        free(bufs[t].iperm);
        free(bufs[t].tmp);
        free(bufs[t].locals);
    }
    free(bufs);
    free(cols);
    return st;
}

cs_status cs_ksg_surrogates(cs_ksg *P, size_t n_surrogates, uint64_t seed, cs_ksg_significance *out, double *values)
{
    if (!P || !out)
        return cs_error_set(CS_EINVAL, "KSG: estimator and out must not be NULL");
    if (n_surrogates < 1)
        return cs_error_set(CS_EINVAL, "KSG: the number of surrogates must be >= 1");
    memset(out, 0, sizeof *out);
    double observed;
    cs_status st = cs_ksg_average(P, &observed);
    if (st != CS_OK)
        return st;
    double *sv = values ? values : malloc(n_surrogates * sizeof *sv);
    if (!sv)
        return cs_error_set(CS_ENOMEM, "KSG: out of memory for surrogates");
    if (!(st = cs_ksg_surrogate_values(P, 0, n_surrogates, seed, sv)))
        st = cs_significance_summarise(observed, sv, n_surrogates, out);
    if (sv != values)
        free(sv);
    return st;
}
