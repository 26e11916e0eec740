/* Integration and synergy of a layer: TC, DTC, O-information, S-information,
 * TSE (cogscope/multivariate.h) of the units used, O-information of random
 * triplets and quadruplets, and permutation surrogates. */
#include "observe_internal.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cogscope/discrete.h"
#include "cogscope/multivariate.h"

void cs_obs_integration_result_free(cs_obs_integration_result *r)
{
    if (!r)
        return;
    free(r->units);
    free(r->o3);
    free(r->o4);
    r->units = NULL;
    r->o3 = r->o4 = NULL;
}

/* The estimator the multivariate measures run against (cogscope/multivariate.h). */
static cs_status make_estimator(cs_matrix sub, const cs_obs_params *p, cs_estimator **est)
{
    cs_estimator_params ep;
    if (p->estimator == CS_EST_DISCRETE) {
        cs_estimator_params_default(CS_EST_DISCRETE, &ep);
        ep.bins = p->bins ? p->bins : cs_obs_adaptive_bins(sub.rows, sub.cols, 1);
        return cs_mv_estimator_create(&ep, sub, NULL, est);
    }
    /* KSG has no multivariate form in the library: the Gaussian copula is the
     * rank-based estimator closest to it (documented in docs/metrics.md). */
    cs_estimator_params_default(p->estimator == CS_EST_GAUSSIAN ? CS_EST_GAUSSIAN : CS_EST_GCOPULA, &ep);
    ep.bias_correct = p->estimator != CS_EST_GAUSSIAN;
    return cs_mv_estimator_create(&ep, sub, NULL, est);
}

static void note_once(cs_obs_integration_result *out, const char *what)
{
    if (!out->note[0])
        snprintf(out->note, sizeof out->note, "%s: %s", what, cs_last_error());
}

/* Draw `count` random k-subsets of 0..n-1 (each sorted) into comb; or every
 * subset when there are no more than `count`. Returns the number drawn. */
static size_t draw_multiplets(cs_rng *rng, size_t n, size_t k, size_t count, size_t *comb)
{
    uint64_t total = cs_mv_binomial(n, k);
    if (total <= count) {
        size_t c[8];
        for (size_t j = 0; j < k; j++)
            c[j] = j;
        size_t m = 0;
        do {
            memcpy(comb + m * k, c, k * sizeof *c);
            m++;
        } while (cs_mv_combination_next(c, k, n));
        return m;
    }
    for (size_t m = 0; m < count; m++) {
        size_t *c = comb + m * k;
        /* k distinct values by rejection (k <= 4 << n), then sorted. */
        for (size_t j = 0; j < k; j++) {
            size_t v;
            int dup;
            do {
                v = (size_t)cs_rng_below(rng, n);
                dup = 0;
                for (size_t i = 0; i < j; i++)
                    dup |= c[i] == v;
            } while (dup);
            c[j] = v;
        }
        for (size_t a = 1; a < k; a++)
            for (size_t b = a; b > 0 && c[b - 1] > c[b]; b--) {
                size_t tmp = c[b];
                c[b] = c[b - 1];
                c[b - 1] = tmp;
            }
    }
    return count;
}

static cs_status multiplet_values(const cs_estimator *est, size_t k, size_t order, const cs_obs_params *p,
                                  uint64_t stream, double *values, cs_obs_integration_result *out)
{
    for (size_t m = 0; m < p->multiplets; m++)
        values[m] = NAN;
    if (k < order || p->multiplets == 0)
        return CS_OK;
    size_t *comb = malloc(p->multiplets * order * sizeof *comb);
    cs_rng *rng = NULL;
    cs_status st = comb ? cs_rng_create_stream(p->seed, stream * 8 + order, &rng)
                        : cs_error_set(CS_ENOMEM, "out of memory for random multiplets");
    if (st == CS_OK) {
        size_t drawn = draw_multiplets(rng, k, order, p->multiplets, comb);
        for (size_t m = 0; m < drawn; m++)
            if (cs_mv_compute(est, CS_MV_OINFO, comb + m * order, order, &values[m]) != CS_OK) {
                values[m] = NAN;
                note_once(out, order == 3 ? "O-information of triplets" : "O-information of quadruplets");
            }
    }
    cs_rng_destroy(rng);
    free(comb);
    return st;
}

/* TC, DTC and O of all k variables of the estimator. */
static void tc_dtc_o(const cs_estimator *est, const size_t *vars, size_t k, double v[3])
{
    static const cs_mv_measure ms[3] = {CS_MV_TC, CS_MV_DTC, CS_MV_OINFO};
    for (int i = 0; i < 3; i++)
        if (cs_mv_compute(est, ms[i], vars, k, &v[i]) != CS_OK)
            v[i] = NAN;
}

static cs_status surrogates(cs_matrix sub, const size_t *vars, const cs_obs_params *p, uint64_t stream,
                            cs_obs_integration_result *out)
{
    size_t n = sub.rows, k = sub.cols, S = p->surrogates;
    double *vals = malloc(3 * S * sizeof *vals);
    size_t *perm = malloc(n * sizeof *perm);
    cs_matrix sh = {0};
    cs_status st = vals && perm ? cs_matrix_alloc(n, k, &sh)
                                : cs_error_set(CS_ENOMEM, "out of memory for surrogates");
    for (size_t s = 0; st == CS_OK && s < S; s++) {
        /* Each unit shuffled on its own: the marginals stay, every
         * dependence between units is destroyed (the null of TC = 0). */
        cs_rng *rng = NULL;
        if ((st = cs_rng_create_stream(p->seed, (stream << 20) + 1000003 + s, &rng)) != CS_OK)
            break;
        for (size_t j = 0; j < k; j++) {
            cs_rng_permutation(rng, perm, n);
            for (size_t i = 0; i < n; i++)
                sh.data[i * k + j] = cs_matrix_get(sub, perm[i], j);
        }
        cs_rng_destroy(rng);
        cs_estimator *est = NULL;
        double v[3] = {NAN, NAN, NAN};
        if (make_estimator(sh, p, &est) == CS_OK)
            tc_dtc_o(est, vars, k, v);
        cs_estimator_destroy(est);
        vals[s] = v[0];
        vals[S + s] = v[1];
        vals[2 * S + s] = fabs(v[2]);
    }
    if (st == CS_OK) {
        /* A NaN surrogate (singular block) leaves the test undefined. */
        cs_status a = cs_significance_summarise(out->tc, vals, S, &out->tc_sig);
        cs_status b = cs_significance_summarise(out->dtc, vals + S, S, &out->dtc_sig);
        cs_status c = cs_significance_summarise(fabs(out->oinfo), vals + 2 * S, S, &out->oinfo_sig);
        if (a != CS_OK || b != CS_OK || c != CS_OK) {
            out->tc_sig.p_value = out->dtc_sig.p_value = out->oinfo_sig.p_value = NAN;
            note_once(out, "surrogates");
        }
    }
    cs_matrix_free(&sh);
    free(vals);
    free(perm);
    return st;
}

cs_status cs_obs_integration(cs_matrix t, const size_t *unit_order, unsigned mask, const cs_obs_params *p,
                             uint64_t stream, cs_obs_integration_result *out)
{
    if (!p || !out)
        return cs_error_set(CS_EINVAL, "cs_obs_integration: parameters and out must be given");
    memset(out, 0, sizeof *out);
    out->tc = out->dtc = out->oinfo = out->sinfo = out->tse = NAN;
    out->tc_sig.p_value = out->dtc_sig.p_value = out->oinfo_sig.p_value = NAN;
    cs_status st = cs_matrix_check_finite(t, "layer values");
    if (st != CS_OK)
        return st;
    size_t n = t.rows;
    out->n_multiplets = p->multiplets;
    out->units = malloc((t.cols ? t.cols : 1) * sizeof *out->units);
    out->o3 = malloc((p->multiplets ? p->multiplets : 1) * sizeof *out->o3);
    out->o4 = malloc((p->multiplets ? p->multiplets : 1) * sizeof *out->o4);
    if (!out->units || !out->o3 || !out->o4) {
        cs_obs_integration_result_free(out);
        return cs_error_set(CS_ENOMEM, "out of memory for integration measures");
    }
    for (size_t m = 0; m < p->multiplets; m++)
        out->o3[m] = out->o4[m] = NAN;
    size_t k = obs_select_units(t, unit_order, obs_unit_cap(p, n), p->estimator, out->units);
    out->n_units = k;
    if (k < 2) {
        snprintf(
            out->note, sizeof out->note,
            "%zu usable unit(s) (non-constant, not a linear function of the others) of %zu (probe of %zu samples "
            "allows %zu): nothing to integrate",
            k, t.cols, n, obs_unit_cap(p, n));
        return CS_OK;
    }
    cs_matrix sub;
    if ((st = cs_matrix_select_cols(t, out->units, k, &sub)) != CS_OK) {
        cs_obs_integration_result_free(out);
        return st;
    }
    size_t *vars = malloc(k * sizeof *vars);
    cs_estimator *est = NULL;
    if (!vars) {
        st = cs_error_set(CS_ENOMEM, "out of memory for integration measures");
        goto done;
    }
    for (size_t j = 0; j < k; j++)
        vars[j] = j;
    if (make_estimator(sub, p, &est) != CS_OK) {
        note_once(out, "TC/DTC/O/TSE");
        goto done;
    }
    if (mask & CS_OBS_INTEGRATION) {
        double v[3];
        tc_dtc_o(est, vars, k, v);
        out->tc = v[0];
        out->dtc = v[1];
        out->oinfo = v[2];
        if (isnan(v[0]) || isnan(v[1]) || isnan(v[2])) {
            cs_mv_compute(est, isnan(v[0]) ? CS_MV_TC : isnan(v[1]) ? CS_MV_DTC : CS_MV_OINFO, vars, k, &v[0]);
            note_once(out, "TC/DTC/O");
        }
        if (cs_mv_compute(est, CS_MV_SINFO, vars, k, &out->sinfo) != CS_OK)
            out->sinfo = NAN;
        out->n_tse_units = k < p->tse_units ? k : p->tse_units;
        if (cs_mv_compute(est, CS_MV_TSE, vars, out->n_tse_units, &out->tse) != CS_OK) {
            out->tse = NAN;
            note_once(out, "TSE");
        }
    }
    if (mask & CS_OBS_OINFO) {
        if ((st = multiplet_values(est, k, 3, p, stream, out->o3, out)) != CS_OK ||
            (st = multiplet_values(est, k, 4, p, stream, out->o4, out)) != CS_OK)
            goto done;
    }
    if ((mask & CS_OBS_INTEGRATION) && p->surrogates > 0 && !isnan(out->tc))
        st = surrogates(sub, vars, p, stream, out);
done:
    cs_estimator_destroy(est);
    free(vars);
    cs_matrix_free(&sub);
    if (st != CS_OK)
        cs_obs_integration_result_free(out);
    return st;
}
