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

uint64_t obs_derive_seed(uint64_t seed, uint64_t stream) { return mix64(seed ^ mix64(stream)); }

/* MI of (a; b) with estimator e, plus surrogates when asked (observe_internal.h). */
cs_status obs_mi_with(cs_info_estimator e, cs_matrix a, cs_matrix b, int b_discrete, const cs_obs_params *p,
                      uint64_t seed, double *value, cs_significance *sig, int *clamped)
{
    cs_info_params ip;
    cs_info_params_default(CS_INFO_MI, e, &ip);
    ip.est.threads = 1; /* the pipeline runs layers in parallel */
    ip.types[CS_ROLE_Y] = b_discrete ? CS_VAR_DISCRETE : CS_VAR_CONTINUOUS;
    ip.est.gc_mixture = b_discrete && p->gc_mixture && (e == CS_EST_GAUSSIAN || e == CS_EST_GCOPULA);
    if (e == CS_EST_KSG1)
        ip.est.knn = p->ksg_k;
    /* Seeded tie-breaking noise of 1e-8 sd (the KSG default; for the mixed
     * Gaussian forms it breaks the ties of saturated or ReLU units, whose
     * class-conditional covariance would otherwise be singular). */
    if (e == CS_EST_KSG1 || (b_discrete && e != CS_EST_DISCRETE))
        ip.est.noise_sd = 1e-8;
    ip.est.noise_seed = seed;
    cs_info *c = NULL;
    cs_matrix none = {0};
    cs_status st = cs_info_create(&ip, &c);
    if (st == CS_OK)
        st = cs_info_set_observations(c, a, b, none);
    if (st == CS_OK)
        st = cs_info_average(c, value);
    if (st == CS_OK && clamped)
        *clamped = cs_info_clamped(c);
    if (st == CS_OK && p->surrogates > 0)
        st = cs_info_surrogates(c, p->surrogates, seed, sig, NULL);
    cs_info_destroy(c);
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
    uint64_t seed = obs_derive_seed(p->seed, stream);

    /* Binned: the layer's pattern of bins is one joint symbol. */
    cs_symbols sym = {0};
    int32_t *tcodes = malloc(n * sizeof *tcodes);
    double *buf = malloc(3 * n * sizeof *buf);
    size_t tstates = 0;
    if (!tcodes || !buf) {
        st = cs_error_set(CS_ENOMEM, "out of memory for the information plane");
        goto done;
    }
    out->bins = p->bins ? p->bins : cs_obs_adaptive_bins(n, t.cols, 1);
    if ((st = cs_discrete_bin(t, out->bins, CS_BIN_EQUAL_WIDTH, &sym)) != CS_OK)
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
    out->t_states = tstates;
    out->binned_saturated = (double)tstates > (double)n / 5.0;
    if ((st = obs_discrete_mi(pr->x_codes, pr->x_states, tcodes, tstates, n, &out->ixt_binned)) != CS_OK ||
        (st = obs_discrete_mi(tcodes, tstates, pr->y_codes, pr->classes, n, &out->ity_binned)) != CS_OK)
        goto done;

    if (p->estimator == CS_EST_DISCRETE) {
        /* The "continuous" values are the binned ones; the calculator is
         * still used so that surrogates come out of the same machinery. */
        cs_matrix mx = codes_matrix(pr->x_codes, n, buf), mt = codes_matrix(tcodes, n, buf + n),
                  my = codes_matrix(pr->y_codes, n, buf + 2 * n);
        out->x_dims = pr->x_pcs.cols;
        out->t_dims = t.cols;
        if ((st = obs_mi_with(CS_EST_DISCRETE, mx, mt, 0, p, seed, &out->ixt, &out->ixt_sig, NULL)) != CS_OK ||
            (st = obs_mi_with(CS_EST_DISCRETE, mt, my, 1, p, seed + 1, &out->ity, &out->ity_sig, NULL)) != CS_OK)
            goto done;
        goto done;
    }

    cs_info_estimator e = p->estimator; /* gaussian, gcopula or ksg1 here */
    cs_matrix tp = {0};
    size_t kt = 0;
    if ((st = obs_pca_scores(t, p->ip_dims, &tp, &kt)) != CS_OK) {
        cs_error_prefix("I(X;T), I(T;Y): ");
        goto done;
    }
    out->x_dims = pr->x_pcs.cols;
    out->t_dims = kt;
    st = obs_mi_with(e, pr->x_pcs, tp, 0, p, seed, &out->ixt, &out->ixt_sig, NULL);
    if (st != CS_OK)
        cs_error_prefix("I(X;T): ");
    else if (pr->classes < 2)
        st = cs_error_set(CS_EINVAL, "I(T;Y): the probe set holds a single class");
    else {
        /* The label is discrete: the mixed estimators, never a copula or
         * KSG coordinate of a one-hot code. */
        cs_matrix my = codes_matrix(pr->y_codes, n, buf + 2 * n);
        st = obs_mi_with(e, tp, my, 1, p, seed + 1, &out->ity, &out->ity_sig, &out->ity_clamped);
        if (st != CS_OK)
            cs_error_prefix("I(T;Y): ");
    }
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
