/* The information plane of a layer: I(X;T) and I(T;Y), binned as Shwartz-Ziv
 * & Tishby (2017) and with a continuous estimator (cogscope/info.h). */
#include "observe_internal.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "cogscope/discrete.h"
#include "cogscope/gaussian.h"
#include "cogscope/gcopula.h"
#include "cogscope/info.h"

/* splitmix64: decorrelates (seed, stream) pairs into surrogate seeds. */
static uint64_t mix64(uint64_t z)
{
    z += 0x9e3779b97f4a7c15ULL;
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

static uint64_t derive_seed(uint64_t seed, uint64_t stream) { return mix64(seed ^ mix64(stream)); }

/* MI of (a; b) with estimator e, plus surrogates when asked. */
static cs_status mi_with(cs_info_estimator e, cs_matrix a, cs_matrix b, const cs_obs_params *p, uint64_t seed,
                         double *value, cs_significance *sig)
{
    cs_info_params ip;
    cs_info_params_default(CS_INFO_MI, e, &ip);
    ip.threads = 1; /* the pipeline runs layers in parallel */
    if (e == CS_EST_KSG1) {
        ip.knn = p->ksg_k;
        /* Tiny noise breaks ties (one-hot labels, saturated units) without
         * changing distances at the data's scale: KSG counts strict
         * inequalities, which ties make ill-defined (JIDT does the same). */
        ip.noise_sd = 1e-8;
        ip.noise_seed = seed;
    }
    cs_info *c = NULL;
    cs_matrix none = {0};
    cs_status st = cs_info_create(&ip, &c);
    if (st == CS_OK)
        st = cs_info_set_observations(c, a, b, none);
    if (st == CS_OK)
        st = cs_info_average(c, value);
    if (st == CS_OK && p->surrogates > 0)
        st = cs_info_surrogates(c, p->surrogates, seed, sig, NULL);
    cs_info_destroy(c);
    return st;
}

/* I(T;Y) of continuous T (n x k) and a discrete label y (codes 0..C-1)
 * under a Gaussian class-conditional model with a shared covariance (the LDA
 * model): class means, the pooled within-class covariance (divisor n), and
 *     I = (1/n) sum_i ln p(y_i | t_i) / p(y_i),
 * p(y | t) the model's posterior. Each term is at most -ln p(y_i), so the
 * value never exceeds the plug-in H(Y), unlike a Gaussian MI with a one-hot
 * label treated as Gaussian. The local densities come from
 * cs_gaussian_local_entropy. Needs n > C + k. */
static cs_status class_model_mi(cs_matrix t, const int32_t *y, size_t C, double *mi)
{
    size_t n = t.rows, k = t.cols;
    if (n <= C + k)
        return cs_error_set(CS_ESHAPE, "I(T;Y): %zu samples are too few for %zu classes in %zu dimensions", n, C, k);
    double *means = calloc(C * k, sizeof *means), *cnt = calloc(C, sizeof *cnt), *cov = malloc(k * k * sizeof *cov),
           *lp = malloc(C * n * sizeof *lp);
    cs_matrix res = {0};
    cs_status st = means && cnt && cov && lp ? cs_matrix_alloc(n, k, &res)
                                             : cs_error_set(CS_ENOMEM, "out of memory for I(T;Y)");
    if (st != CS_OK)
        goto done;
    for (size_t i = 0; i < n; i++) {
        cnt[y[i]] += 1;
        for (size_t j = 0; j < k; j++)
            means[y[i] * k + j] += cs_matrix_get(t, i, j);
    }
    for (size_t c = 0; c < C; c++)
        for (size_t j = 0; j < k; j++)
            means[c * k + j] /= cnt[c];
    for (size_t i = 0; i < n; i++)
        for (size_t j = 0; j < k; j++)
            res.data[i * k + j] = cs_matrix_get(t, i, j) - means[y[i] * k + j];
    if ((st = cs_gaussian_cov(res, NULL, 0, 0, cov, NULL)) != CS_OK)
        goto done;
    for (size_t c = 0; c < C && st == CS_OK; c++)
        st = cs_gaussian_local_entropy(t, means + c * k, cov, k, NULL, k, "pooled within-class covariance of T",
                                       lp + c * n);
    if (st != CS_OK)
        goto done;
    double sum = 0;
    for (size_t i = 0; i < n; i++) {
        /* ln p(c) p(t_i | c), normalised by log-sum-exp over the classes. */
        double top = -INFINITY;
        for (size_t c = 0; c < C; c++) {
            lp[c * n + i] = log(cnt[c] / (double)n) - lp[c * n + i];
            top = fmax(top, lp[c * n + i]);
        }
        double z = 0;
        for (size_t c = 0; c < C; c++)
            z += exp(lp[c * n + i] - top);
        double log_post = lp[(size_t)y[i] * n + i] - top - log(z);
        sum += log_post - log(cnt[y[i]] / (double)n);
    }
    *mi = sum / (double)n;
done:
    cs_matrix_free(&res);
    free(means);
    free(cnt);
    free(cov);
    free(lp);
    return st;
}

/* class_model_mi with permutation surrogates of the labels. */
static cs_status class_mi_with(cs_matrix t, const int32_t *y, size_t C, const cs_obs_params *p, uint64_t seed,
                               double *value, cs_significance *sig)
{
    cs_status st = class_model_mi(t, y, C, value);
    if (st != CS_OK || p->surrogates == 0)
        return st;
    size_t n = t.rows, S = p->surrogates;
    int32_t *ys = malloc(n * sizeof *ys);
    size_t *perm = malloc(n * sizeof *perm);
    double *vals = malloc(S * sizeof *vals);
    if (!ys || !perm || !vals)
        st = cs_error_set(CS_ENOMEM, "out of memory for surrogates");
    for (size_t s = 0; st == CS_OK && s < S; s++) {
        cs_rng *rng;
        if ((st = cs_rng_create_stream(seed, s + 1, &rng)) != CS_OK)
            break;
        cs_rng_permutation(rng, perm, n);
        cs_rng_destroy(rng);
        for (size_t i = 0; i < n; i++)
            ys[i] = y[perm[i]];
        st = class_model_mi(t, ys, C, &vals[s]);
    }
    if (st == CS_OK)
        st = cs_significance_summarise(*value, vals, S, sig);
    free(ys);
    free(perm);
    free(vals);
    return st;
}

static cs_matrix codes_matrix(const int32_t *codes, size_t n, double *buf)
{
    for (size_t i = 0; i < n; i++)
        buf[i] = codes[i];
    return cs_matrix_view(buf, n, 1);
}

cs_status obs_infoplane(const obs_probe *pr, cs_matrix t, const cs_obs_params *p, uint64_t stream,
                        cs_obs_infoplane_result *out)
{
    memset(out, 0, sizeof *out);
    out->ixt_binned = out->ity_binned = out->ixt = out->ity = NAN;
    size_t n = pr->n;
    if (t.rows != n)
        return cs_error_set(CS_ESHAPE, "layer values have %zu rows, the probe set %zu", t.rows, n);
    cs_status st = cs_matrix_check_finite(t, "layer values");
    if (st != CS_OK)
        return st;
    uint64_t seed = derive_seed(p->seed, stream);

    /* Binned: the layer's pattern of bins is one joint symbol. */
    cs_symbols sym = {0};
    int32_t *tcodes = malloc(n * sizeof *tcodes);
    double *buf = malloc(3 * n * sizeof *buf);
    size_t tstates = 0;
    if (!tcodes || !buf) {
        st = cs_error_set(CS_ENOMEM, "out of memory for the information plane");
        goto done;
    }
    if ((st = cs_discrete_bin(t, p->bins, CS_BIN_EQUAL_WIDTH, &sym)) != CS_OK)
        goto done;
    {
        size_t *cols = malloc(t.cols * sizeof *cols);
        if (!cols) {
            st = cs_error_set(CS_ENOMEM, "out of memory for the information plane");
            goto done;
        }
        for (size_t j = 0; j < t.cols; j++)
            cols[j] = j;
        st = cs_discrete_joint(&sym, cols, t.cols, tcodes, &tstates);
        free(cols);
        if (st != CS_OK)
            goto done;
    }
    if ((st = obs_discrete_mi(pr->x_codes, pr->x_states, tcodes, tstates, n, &out->ixt_binned)) != CS_OK ||
        (st = obs_discrete_mi(tcodes, tstates, pr->y_codes, pr->classes, n, &out->ity_binned)) != CS_OK)
        goto done;

    if (p->estimator == CS_OBS_EST_BINNED) {
        /* The "continuous" values are the binned ones; the calculator is
         * still used so that surrogates come out of the same machinery. */
        cs_matrix mx = codes_matrix(pr->x_codes, n, buf), mt = codes_matrix(tcodes, n, buf + n),
                  my = codes_matrix(pr->y_codes, n, buf + 2 * n);
        out->x_dims = pr->x_pcs.cols;
        out->t_dims = t.cols;
        if ((st = mi_with(CS_EST_DISCRETE, mx, mt, p, seed, &out->ixt, &out->ixt_sig)) != CS_OK ||
            (st = mi_with(CS_EST_DISCRETE, mt, my, p, seed + 1, &out->ity, &out->ity_sig)) != CS_OK)
            goto done;
        goto done;
    }

    cs_info_estimator e = p->estimator == CS_OBS_EST_GAUSSIAN ? CS_EST_GAUSSIAN
                          : p->estimator == CS_OBS_EST_KSG    ? CS_EST_KSG1
                                                              : CS_EST_GCOPULA;
    cs_matrix tp = {0};
    size_t kt = 0;
    if ((st = obs_pca_scores(t, p->ip_dims, &tp, &kt)) != CS_OK) {
        cs_error_prefix("I(X;T), I(T;Y): ");
        goto done;
    }
    out->x_dims = pr->x_pcs.cols;
    out->t_dims = kt;
    st = mi_with(e, pr->x_pcs, tp, p, seed, &out->ixt, &out->ixt_sig);
    if (st != CS_OK)
        cs_error_prefix("I(X;T): ");
    else if (pr->classes < 2)
        st = cs_error_set(CS_EINVAL, "I(T;Y): the probe set holds a single class");
    else {
        if (e == CS_EST_KSG1) {
            st = mi_with(e, tp, pr->y_onehot, p, seed + 1, &out->ity, &out->ity_sig);
        } else {
            if (e == CS_EST_GCOPULA && (st = cs_gcopula_normalise(tp, tp)) != CS_OK) {
                cs_error_prefix("I(T;Y): ");
                goto free_tp;
            }
            st = class_mi_with(tp, pr->y_codes, pr->classes, p, seed + 1, &out->ity, &out->ity_sig);
        }
        if (st != CS_OK)
            cs_error_prefix("I(T;Y): ");
    }
free_tp:
    cs_matrix_free(&tp);
done:
    cs_symbols_free(&sym);
    free(tcodes);
    free(buf);
    return st;
}

cs_status cs_obs_infoplane(cs_matrix x, cs_matrix t, const int32_t *labels, const cs_obs_params *p, uint64_t stream,
                           cs_obs_infoplane_result *out)
{
    if (!labels || !p || !out)
        return cs_error_set(CS_EINVAL, "cs_obs_infoplane: labels, parameters and out must be given");
    cs_status st = cs_obs_params_check(p);
    if (st != CS_OK)
        return st;
    if (x.rows != t.rows)
        return cs_error_set(CS_ESHAPE, "inputs have %zu rows, layer values %zu", x.rows, t.rows);
    obs_probe pr;
    if ((st = obs_probe_init(x, labels, p->ip_dims, &pr)) != CS_OK)
        return st;
    st = obs_infoplane(&pr, t, p, stream, out);
    obs_probe_free(&pr);
    return st;
}
