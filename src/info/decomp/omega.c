/* Omega of a whole layer and the vector-source PID of two given sources
 * (cogscope/omega.h): the target, the component budget, the three MIs of
 * the components (discrete target: the mixed class-conditional Gaussian
 * model of cogscope/mixed.h; continuous target: Gaussian MI of the joint
 * covariance), the MMI atoms and the permutation null. */
#include "cogscope/omega.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "../par_error.h"
#include "cogscope/gaussian.h"
#include "cogscope/measure.h"
#include "cogscope/mixed.h"
#include "cogscope/surrogate.h"
#include "omega_internal.h"

#define OMEGA_MAX_COMPONENTS 32
#define OMEGA_MAX_EXACT 20

static const char *const flag_names[] = {"low_mi", "few_samples", "singular", "above_hy", "truncated", "dropped"};

const char *cs_omega_flag_name(unsigned flag)
{
    for (unsigned i = 0; i < sizeof flag_names / sizeof flag_names[0]; i++)
        if (flag == 1u << i)
            return flag_names[i];
    return NULL;
}

void cs_omega_params_default(cs_omega_params *p)
{
    memset(p, 0, sizeof *p);
    cs_estimator_params_default(CS_EST_GCOPULA, &p->est);
    p->max_components = 8;
    p->min_samples_per_dim = 5;
    p->mi_min = 0.01;
    p->exact_max_units = 16;
    p->surrogates = 0;
    p->seed = 1;
}

cs_status cs_omega_params_check(const cs_omega_params *p)
{
    if (!p)
        return cs_error_set(CS_EINVAL, "omega: parameters must be given");
    cs_measure_request rq = {CS_INFO_OMEGA, p->est.estimator, 0, p->surrogates ? CS_OPT_SURROGATES : 0u, {0}};
    cs_status st = cs_measure_validate(&rq);
    if (st != CS_OK)
        return st;
    if (p->est.bias_correct < -1 || p->est.bias_correct > 1)
        return cs_error_set(CS_EINVAL, "omega: bias_correct = %d must be -1, 0 or 1", p->est.bias_correct);
    if (p->max_components < 1 || p->max_components > OMEGA_MAX_COMPONENTS)
        return cs_error_set(CS_EINVAL, "omega: max_components = %zu must be in [1, %d]", p->max_components,
                            OMEGA_MAX_COMPONENTS);
    if (!(p->min_samples_per_dim > 0) || !isfinite(p->min_samples_per_dim))
        return cs_error_set(CS_EINVAL, "omega: min_samples_per_dim = %g must be a positive number",
                            p->min_samples_per_dim);
    if (!(p->mi_min >= 0) || !isfinite(p->mi_min))
        return cs_error_set(CS_EINVAL, "omega: mi_min = %g must be a number >= 0", p->mi_min);
    if (p->exact_max_units > OMEGA_MAX_EXACT)
        return cs_error_set(CS_EINVAL, "omega: exact_max_units = %zu must be at most %d", p->exact_max_units,
                            OMEGA_MAX_EXACT);
    return CS_OK;
}

/* The target: class codes, or a standardised continuous block. */
typedef struct {
    int discrete, mixture; /* mixture: the Gaussian-mixture form of cogscope/mixed.h */
    int32_t *codes;        /* n */
    size_t classes, smallest;
    double h_y;    /* plug-in entropy of the labels */
    omega_block y; /* continuous */
} omega_target;

static void target_free(omega_target *t)
{
    free(t->codes);
    omega_block_free(&t->y);
}

static cs_status target_prepare(cs_matrix y, cs_var_type type, int copula, int p_mixture, uint64_t seed,
                                omega_target *t, cs_omega_result *r)
{
    memset(t, 0, sizeof *t);
    size_t n = y.rows;
    t->discrete = type == CS_VAR_DISCRETE;
    t->mixture = t->discrete && p_mixture;
    if (!t->discrete)
        return omega_standardise(y, copula, seed ^ 0x5bd1e995u, &t->y, NULL);
    if (!(t->codes = malloc(n * sizeof *t->codes)))
        return cs_error_set(CS_ENOMEM, "out of memory for %zu labels", n);
    cs_status st = cs_mixed_codes(y, t->codes, &t->classes);
    if (st != CS_OK)
        return cs_error_set(st, "y: %s", cs_last_error());
    if (t->classes < 2)
        return cs_error_set(CS_EINVAL, "y: the target has a single class (nothing to be informative about)");
    size_t *count = calloc(t->classes, sizeof *count);
    if (!count)
        return cs_error_set(CS_ENOMEM, "out of memory for %zu classes", t->classes);
    for (size_t i = 0; i < n; i++)
        count[t->codes[i]]++;
    t->smallest = n;
    r->h_y = 0;
    for (size_t c = 0; c < t->classes; c++) {
        double pc = (double)count[c] / (double)n;
        r->h_y -= pc * log(pc);
        t->h_y = r->h_y;
        if (count[c] < t->smallest)
            t->smallest = count[c];
    }
    free(count);
    r->classes = t->classes;
    return CS_OK;
}

/* Components per block (k[0], k[1] sources; k[2] a continuous target):
 * at most max_components and the block's rank, and few enough that the
 * reference sample count (smallest class, or n) has min_samples_per_dim per
 * dimension of the joint estimate and exceeds it by 3 (the bias-corrected
 * covariance of a class needs n_c > D + 2). The largest k shrinks first. */
static void choose_components(const size_t rank[3], int nb, size_t nref, const cs_omega_params *p, size_t k[3],
                              cs_omega_result *r)
{
    double cap = floor((double)nref / p->min_samples_per_dim);
    if (cap > (double)nref - 3)
        cap = (double)nref - 3;
    size_t total = 0;
    for (int b = 0; b < nb; b++) {
        k[b] = rank[b] < p->max_components ? rank[b] : p->max_components;
        total += k[b];
    }
    while ((double)total > cap) {
        int big = 0;
        for (int b = 1; b < nb; b++)
            if (k[b] >= k[big])
                big = b;
        if (k[big] <= 1)
            break;
        k[big]--;
        total--;
    }
    if ((double)total > cap)
        r->flags |= CS_OMEGA_FEW_SAMPLES;
    for (int b = 0; b < nb; b++)
        if (k[b] < rank[b])
            r->flags |= CS_OMEGA_TRUNCATED;
}

/* The components side by side: W (n x D), columns A | B | Y. */
typedef struct {
    size_t n, ld, k[3];
    double *w;
} omega_design;

/* I(A;Y), I(B;Y), I(A,B;Y) of the design, the target's rows permuted by
 * perm (NULL: as observed). work: n * ld doubles (continuous) or n int32
 * (discrete) of scratch. *above: I(A,B;Y) > H(Y) (discrete). */
static cs_status design_mi(const omega_design *d, const omega_target *t, int bias, const size_t *perm, void *work,
                           double mi[3], int *above)
{
    size_t n = d->n, ka = d->k[0], kb = d->k[1], ky = d->k[2];
    if (t->discrete) {
        int32_t *lab = work;
        for (size_t i = 0; i < n; i++)
            lab[i] = t->codes[perm ? perm[i] : i];
        cs_mixed_params mp;
        cs_mixed_params_default(CS_MIXED_GAUSSIAN, &mp);
        mp.bias_correct = bias;
        mp.gc_mixture = t->mixture;
        mp.clamp = t->mixture; /* the model unclamped: see cogscope/omega.h, step 4 */
        cs_matrix parts[3] = {{d->w, n, ka, d->ld}, {d->w + ka, n, kb, d->ld}, {d->w, n, ka + kb, d->ld}};
        int cl[3];
        for (int q = 0; q < 3; q++) {
            cs_status st = cs_mixed_mi(&mp, parts[q], lab, t->classes, &mi[q], NULL, &cl[q]);
            if (st != CS_OK)
                return st;
        }
        for (int q = 0; q < 3; q++)
            mi[q] = mi[q] > 0 ? mi[q] : 0;
        *above = mi[2] > t->h_y;
        return CS_OK;
    }
    double *w = work;
    size_t D = ka + kb + ky;
    for (size_t i = 0; i < n; i++) {
        memcpy(w + i * D, d->w + i * d->ld, (ka + kb) * sizeof *w);
        memcpy(w + i * D + ka + kb, d->w + (perm ? perm[i] : i) * d->ld + ka + kb, ky * sizeof *w);
    }
    double *cov = w + n * D; /* D x D after the samples */
    cs_status st = cs_gaussian_cov(cs_matrix_view(w, n, D), NULL, 0, 0, cov, NULL);
    size_t idx[3 * OMEGA_MAX_COMPONENTS];
    for (size_t j = 0; j < D; j++)
        idx[j] = j;
    const size_t *ys = idx + ka + kb, *sets[3] = {idx, idx + ka, idx};
    size_t sizes[3] = {ka, kb, ka + kb};
    for (int q = 0; st == CS_OK && q < 3; q++) {
        st = cs_gaussian_mi(cov, D, sets[q], sizes[q], ys, ky, "the components' covariance", &mi[q]);
        if (bias)
            mi[q] -= cs_gaussian_entropy_bias(sizes[q], n, 0) + cs_gaussian_entropy_bias(ky, n, 0) -
                     cs_gaussian_entropy_bias(sizes[q] + ky, n, 0);
        if (mi[q] < 0)
            mi[q] = 0;
    }
    *above = 0;
    return st;
}

static size_t work_bytes(const omega_design *d, const omega_target *t)
{
    size_t D = d->k[0] + d->k[1] + d->k[2];
    return t->discrete ? d->n * sizeof(int32_t) : (d->n * D + D * D) * sizeof(double);
}

/* The MMI atoms of the three MIs. */
static void set_atoms(const double mi[3], cs_omega_result *r)
{
    r->mi_parts[0] = mi[0];
    r->mi_parts[1] = mi[1];
    r->mi = mi[2];
    r->redundancy = fmin(mi[0], mi[1]);
    r->unique[0] = mi[0] - r->redundancy;
    r->unique[1] = mi[1] - r->redundancy;
    r->synergy = mi[2] - fmax(mi[0], mi[1]);
}

/* The permutation null: surrogate s permutes the target's rows by
 * cs_surrogate_permutation(seed, s); the bipartition and the components
 * depend on X alone and stay. */
static cs_status surrogates(const omega_design *d, const omega_target *t, const cs_omega_params *p, int bias,
                            cs_omega_result *r)
{
    size_t N = p->surrogates, n = d->n;
    double *syn = malloc(N * sizeof *syn), *mis = malloc(N * sizeof *mis);
    if (!syn || !mis) {
        free(syn);
        free(mis);
        return cs_error_set(CS_ENOMEM, "out of memory for %zu surrogates", N);
    }
    par_error err = PAR_ERROR_INIT;
    size_t wb = work_bytes(d, t);
#pragma omp parallel num_threads(cs_threads_resolve(p->est.threads))
    {
        size_t *perm = malloc(n * sizeof *perm);
        void *work = malloc(wb);
        if (!perm || !work)
            par_error_record(&err, cs_error_set(CS_ENOMEM, "out of memory for a surrogate"));
#pragma omp for schedule(dynamic, 1)
        for (size_t s = 0; s < N; s++) {
            if (par_error_seen(&err))
                continue;
            double mi[3];
            int cl;
            cs_status st = cs_surrogate_permutation(p->seed, s, perm, n);
            if (st == CS_OK)
                st = design_mi(d, t, bias, perm, work, mi, &cl);
            if (st != CS_OK) {
                par_error_record(&err, st);
                continue;
            }
            mis[s] = mi[2];
            syn[s] = mi[2] - fmax(mi[0], mi[1]);
        }
        free(perm);
        free(work);
    }
    cs_status st = par_error_raise(&err);
    cs_significance sig;
    if (st == CS_OK && (st = cs_significance_summarise(r->synergy, syn, N, &sig)) == CS_OK) {
        r->p_value = sig.p_value;
        r->null_synergy = sig.surrogate_mean;
        st = cs_significance_summarise(r->mi, mis, N, &sig);
        r->p_mi = sig.p_value;
        /* the ratio of the surrogate means: a mean of per-surrogate ratios
         * would be dominated by the surrogates whose I is near 0 */
        double null_mi = sig.surrogate_mean;
        r->null_omega = null_mi > 0 ? r->null_synergy / null_mi : NAN;
        r->surrogates = N;
    }
    free(syn);
    free(mis);
    return st;
}

/* Everything after the sources are standardised: eigen-decompositions, the
 * budget, the design, the observed atoms, the flags, the null. */
static cs_status run(omega_block *src, omega_target *t, const cs_omega_params *p, cs_omega_result *r)
{
    cs_status st;
    int nb = t->discrete ? 2 : 3;
    omega_block *blocks[3] = {&src[0], &src[1], &t->y};
    size_t rank[3] = {0, 0, 0};
    for (int b = 0; b < nb; b++) {
        if (blocks[b]->m == 0) {
            r->flags |= CS_OMEGA_SINGULAR;
            return CS_OK;
        }
        if ((st = omega_block_eigen(blocks[b])) != CS_OK)
            return st;
        rank[b] = blocks[b]->rank;
    }
    omega_design d = {src[0].n, 0, {0, 0, 0}, NULL};
    choose_components(rank, nb, t->discrete ? t->smallest : d.n, p, d.k, r);
    d.ld = d.k[0] + d.k[1] + d.k[2];
    size_t need = d.ld + (t->discrete ? 3 : 2);
    if ((t->discrete ? t->smallest : d.n) < need) /* no estimate can be formed at all */
        return CS_OK;
    for (int b = 0; b < 2; b++) {
        double tot = 0, kept = 0;
        for (size_t j = 0; j < src[b].m; j++)
            tot += src[b].eval[j] > 0 ? src[b].eval[j] : 0;
        for (size_t j = 0; j < d.k[b]; j++)
            kept += src[b].eval[j];
        r->variance_kept[b] = tot > 0 ? kept / tot : NAN;
        r->components[b] = d.k[b];
    }
    r->target_components = d.k[2];
    void *work = NULL;
    if (!(d.w = malloc(d.n * d.ld * sizeof *d.w)) || !(work = malloc(work_bytes(&d, t)))) {
        st = cs_error_set(CS_ENOMEM, "out of memory for %zu x %zu components", d.n, d.ld);
        goto done;
    }
    size_t off = 0;
    for (int b = 0; b < nb; b++) {
        omega_block_project(blocks[b], d.k[b], d.w + off, d.ld);
        off += d.k[b];
    }
    int bias = p->est.bias_correct != 0, above = 0;
    double mi[3];
    if ((st = design_mi(&d, t, bias, NULL, work, mi, &above)) != CS_OK) {
        if (st != CS_ESINGULAR)
            goto done;
        r->flags |= CS_OMEGA_SINGULAR; /* a class covariance: the number cannot be formed */
        st = CS_OK;
        goto done;
    }
    set_atoms(mi, r);
    if (above)
        r->flags |= CS_OMEGA_ABOVE_HY;
    if (r->mi < p->mi_min)
        r->flags |= CS_OMEGA_LOW_MI;
    if (p->surrogates)
        st = surrogates(&d, t, p, bias, r);
done:
    free(d.w);
    free(work);
    return st;
}

static void result_init(cs_omega_result *r, size_t n)
{
    memset(r, 0, sizeof *r);
    r->synergy = r->mi = r->omega = r->redundancy = NAN;
    r->unique[0] = r->unique[1] = r->mi_parts[0] = r->mi_parts[1] = NAN;
    r->p_value = r->p_mi = r->null_synergy = r->null_omega = r->h_y = r->partition_mi = NAN;
    r->variance_kept[0] = r->variance_kept[1] = NAN;
    r->samples = n;
    r->exact_partition = -1;
}

static void finish(cs_omega_result *r)
{
    if (!(r->flags & CS_OMEGA_MEANINGLESS) && r->mi > 0)
        r->omega = r->synergy / r->mi;
    else
        r->omega = NAN;
}

/* Checks shared by both entry points: parameters, shapes, finite values. */
static cs_status check_inputs(cs_matrix x, const char *xname, cs_matrix y, cs_var_type y_type,
                              const cs_omega_params *p, cs_omega_result *out)
{
    if (!out)
        return cs_error_set(CS_EINVAL, "omega: the result must be given");
    cs_status st = cs_omega_params_check(p);
    if (st != CS_OK)
        return st;
    if (y_type != CS_VAR_CONTINUOUS && y_type != CS_VAR_DISCRETE)
        return cs_error_set(CS_EINVAL, "omega: y_type %d is neither continuous nor discrete", (int)y_type);
    if (!x.data || !y.data || x.cols == 0 || y.cols == 0)
        return cs_error_set(CS_ESHAPE, "omega: %s (%zu columns) and y (%zu columns) need at least one column each",
                            xname, x.cols, y.cols);
    if (x.rows != y.rows)
        return cs_error_set(CS_ESHAPE, "omega: %s has %zu rows, y %zu", xname, x.rows, y.rows);
    if (x.rows < 4)
        return cs_error_set(CS_ESHAPE, "omega: %zu rows; needs at least 4", x.rows);
    if ((st = cs_matrix_check_finite(x, xname)) != CS_OK)
        return st;
    return cs_matrix_check_finite(y, "y");
}

cs_status cs_omega_layer(cs_matrix x, cs_matrix y, cs_var_type y_type, const cs_omega_params *p, int *part,
                         cs_omega_result *out)
{
    cs_status st = check_inputs(x, "x", y, y_type, p, out);
    if (st != CS_OK)
        return st;
    result_init(out, x.rows);
    int copula = p->est.estimator == CS_EST_GCOPULA;
    omega_block all = {0}, src[2] = {{0}, {0}};
    omega_target t;
    unsigned char *keep = malloc(x.cols), *in_b = malloc(x.cols);
    size_t *cols = malloc(x.cols * sizeof *cols);
    if (!keep || !in_b || !cols) {
        st = cs_error_set(CS_ENOMEM, "out of memory for a layer of %zu units", x.cols);
        memset(&t, 0, sizeof t);
        goto done;
    }
    if ((st = target_prepare(y, y_type, copula, p->est.gc_mixture, p->seed, &t, out)) != CS_OK ||
        (st = omega_standardise(x, copula, p->seed, &all, keep)) != CS_OK)
        goto done;
    out->units = all.m;
    out->dropped = x.cols - all.m;
    if (out->dropped)
        out->flags |= CS_OMEGA_DROPPED;
    if (all.m < 2) {
        out->flags |= CS_OMEGA_SINGULAR;
        goto done;
    }
    if ((st = omega_bipartition(all.z, all.n, all.m, p->exact_max_units, in_b, &out->exact_partition,
                                &out->partition_mi)) != CS_OK)
        goto done;
    for (int side = 0; side < 2; side++) {
        size_t m = 0;
        for (size_t j = 0; j < all.m; j++)
            if (in_b[j] == side)
                cols[m++] = j;
        out->part_units[side] = m;
        if ((st = omega_block_select(all.z, all.n, all.m, cols, m, &src[side])) != CS_OK)
            goto done;
    }
    if (part)
        for (size_t j = 0, c = 0; j < x.cols; j++)
            part[j] = keep[j] ? in_b[c++] : -1;
    st = run(src, &t, p, out);
done:
    if (st == CS_OK)
        finish(out);
    free(keep);
    free(in_b);
    free(cols);
    omega_block_free(&all);
    omega_block_free(&src[0]);
    omega_block_free(&src[1]);
    target_free(&t);
    return st;
}

cs_status cs_omega_pid(cs_matrix a, cs_matrix b, cs_matrix y, cs_var_type y_type, const cs_omega_params *p,
                       cs_omega_result *out)
{
    cs_status st = check_inputs(a, "a", y, y_type, p, out);
    if (st == CS_OK)
        st = check_inputs(b, "b", y, y_type, p, out);
    if (st != CS_OK)
        return st;
    result_init(out, a.rows);
    int copula = p->est.estimator == CS_EST_GCOPULA;
    omega_block src[2] = {{0}, {0}};
    omega_target t;
    if ((st = target_prepare(y, y_type, copula, p->est.gc_mixture, p->seed, &t, out)) != CS_OK)
        goto done;
    cs_matrix m[2] = {a, b};
    for (int s = 0; s < 2; s++) {
        if ((st = omega_standardise(m[s], copula, p->seed + (uint64_t)s, &src[s], NULL)) != CS_OK)
            goto done;
        out->part_units[s] = src[s].m;
        out->units += src[s].m;
        out->dropped += m[s].cols - src[s].m;
    }
    if (out->dropped)
        out->flags |= CS_OMEGA_DROPPED;
    st = run(src, &t, p, out);
done:
    if (st == CS_OK)
        finish(out);
    omega_block_free(&src[0]);
    omega_block_free(&src[1]);
    target_free(&t);
    return st;
}
