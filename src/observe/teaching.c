/* The teaching signal under the lens (docs/metrics.md, "The teaching
 * signal"): what a layer's error signal δ (the run log's `errors`) says
 * about the label, how much of the layer's activity T it shares, and how
 * much it shares with backprop's δ_BP (`reference_errors`, or δ itself in a
 * bp run).
 *
 *     I(δ;Y)      mixed continuous-discrete estimator (label discrete), on the
 *                 leading principal components of δ, as I(T;Y) (infoplane.c)
 *     I(T;δ)      the continuous estimator on the components of T and of δ
 *     I(δ;δ_BP)   likewise, of δ and δ_BP
 *
 *     PID (T, δ) -> Y   vector-source PID with MMI redundancy (cogscope/omega.h,
 *                 cs_omega_pid): synergy = what about the label only activity
 *                 and teaching signal together carry
 *     Ω(δ)        Omega of the error signal as a layer (cs_omega_layer)
 *
 * The I(.;.) blocks are reduced to at most ip_dims components (the
 * information plane's rule, so I(δ;Y) sits beside I(T;Y)); the PID and Ω
 * reduce their sources by the layer-Omega rule (standardised units, at most
 * max_components principal components per part, >= 5 samples of the
 * smallest class per dimension), so Ω(δ) compares with the layer Ω of the
 * activity. Flags instead of numbers:
 * δ without variance (every value NaN), δ_BP equal to δ to float32
 * precision (a bp run; FA's and DFA's output layer): I(δ;δ_BP) would be the
 * entropy of δ, not a comparison (NaN). */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "analyze_internal.h"
#include "cogscope/omega.h"

/* 1 when every column of x is constant (no variance to measure). */
static int no_variance(cs_matrix x)
{
    for (size_t j = 0; j < x.cols; j++)
        for (size_t i = 1; i < x.rows; i++)
            if (cs_matrix_row(x, i)[j] != cs_matrix_row(x, 0)[j])
                return 0;
    return 1;
}

/* 1 when a is b to float32 precision: |a - b| <= 1e-5 max|b| everywhere.
 * The reference is computed in float32 (bp's snapshot pass, ~1e-6 relative
 * of the float64 values: docs/training.md) and a rule whose signal is
 * backprop's there (FA's and DFA's output layer) computes it in float64, so
 * equality is only up to that rounding; the two are then one variable, and
 * their MI is the entropy of the signal (a singular covariance), not a
 * comparison. */
static int same_signal(cs_matrix a, cs_matrix b)
{
    if (a.rows != b.rows || a.cols != b.cols)
        return 0;
    double big = 0.0, diff = 0.0;
    for (size_t i = 0; i < a.rows; i++)
        for (size_t j = 0; j < a.cols; j++) {
            double u = cs_matrix_row(a, i)[j], v = cs_matrix_row(b, i)[j];
            big = fmax(big, fabs(v));
            diff = fmax(diff, fabs(u - v));
        }
    return diff <= 1e-5 * big;
}

/* The estimator of the teaching measures: the analysis's, except binned
 * (a joint symbol of a layer's error pattern is unique per sample, the
 * saturation the information plane flags), which uses gcopula. */
static cs_info_estimator teaching_estimator(const cs_obs_params *p)
{
    return p->estimator == CS_EST_DISCRETE ? CS_EST_GCOPULA : p->estimator;
}

/* I(A;B) of the leading components of a and b (continuous), or with b the
 * labels (discrete) when b is NULL; the p-value with surrogates. */
static cs_status mi_of(const obs_probe *pr, cs_matrix a, const cs_matrix *b, const cs_obs_params *p, uint64_t seed,
                       double *value, double *pval, int *clamped, size_t *dims)
{
    cs_matrix pa = {0}, pb = {0}, my = {0};
    size_t ka = 0, kb = 0;
    cs_significance sig = {0};
    cs_status st = obs_pca_scores(a, p->ip_dims, &pa, &ka);
    if (st == CS_OK && b)
        st = obs_pca_scores(*b, p->ip_dims, &pb, &kb);
    if (st == CS_OK && !b && (st = cs_matrix_alloc(pr->n, 1, &my)) == CS_OK)
        for (size_t i = 0; i < pr->n; i++)
            my.data[i] = pr->y_codes[i];
    if (st == CS_OK)
        st = obs_mi_with(teaching_estimator(p), pa, b ? pb : my, !b, p, seed, value, &sig, clamped);
    if (st == CS_OK && p->surrogates)
        *pval = sig.p_value;
    if (dims)
        *dims = ka;
    cs_matrix_free(&pa);
    cs_matrix_free(&pb);
    cs_matrix_free(&my);
    return st;
}

/* Omega parameters of the analysis: gaussian stays gaussian, every other
 * estimator (gcopula, ksg, binned) uses the Gaussian copula (the Omega
 * decomposition has no KSG or plug-in form); one thread (layers run in
 * parallel); the analysis's surrogates. */
static void omega_params(const cs_obs_params *p, uint64_t seed, cs_omega_params *op)
{
    cs_omega_params_default(op);
    cs_estimator_params_default(p->estimator == CS_EST_GAUSSIAN ? CS_EST_GAUSSIAN : CS_EST_GCOPULA, &op->est);
    op->est.threads = 1;
    op->surrogates = p->surrogates;
    op->seed = seed;
}

/* The PID of (act, err) about the labels and the Omega of err. A source
 * without variance, too few samples or too little information are flags of
 * the results (their Ω NaN), not errors. */
static cs_status teaching_pid(const obs_probe *pr, cs_matrix act, cs_matrix err, const cs_obs_params *p,
                              uint64_t seed, obs_teaching_result *out)
{
    cs_matrix y;
    cs_status st = cs_matrix_alloc(pr->n, 1, &y);
    if (st != CS_OK)
        return st;
    for (size_t i = 0; i < pr->n; i++)
        y.data[i] = pr->y_codes[i];
    cs_omega_params op;
    omega_params(p, seed, &op);
    if ((st = cs_omega_pid(act, err, y, CS_VAR_DISCRETE, &op, &out->pid)) != CS_OK)
        cs_error_prefix("PID (T,δ)->Y: ");
    else if ((st = cs_omega_layer(err, y, CS_VAR_DISCRETE, &op, NULL, &out->omega)) != CS_OK)
        cs_error_prefix("Ω(δ): ");
    cs_matrix_free(&y);
    return st;
}

/* A measure that the data make impossible (CS_ESINGULAR: a singular
 * covariance, e.g. a class whose errors are collinear at a late snapshot)
 * stays NaN and is named in out->note; the layer's other measures do not
 * depend on it and go on. Any other failure ends the layer's measures. */
static cs_status measure_done(cs_status st, const char *what, obs_teaching_result *out)
{
    if (st == CS_OK)
        return CS_OK;
    if (st != CS_ESINGULAR) {
        cs_error_prefix("%s: ", what);
        return st;
    }
    size_t used = strlen(out->note);
    snprintf(out->note + used, sizeof out->note - used, "%s%s: %s (NaN)", used ? "; " : "", what, cs_last_error());
    cs_error_clear();
    return CS_OK;
}

cs_status obs_teaching(const obs_probe *pr, cs_matrix act, cs_matrix err, cs_matrix ref, const cs_obs_params *p,
                       uint64_t stream, obs_teaching_result *out)
{
    *out = (obs_teaching_result){.ity = NAN, .itd = NAN, .ref_mi = NAN, .ity_p = NAN, .itd_p = NAN, .ref_p = NAN};
    out->pid.synergy = out->pid.mi = out->pid.omega = out->pid.redundancy = out->pid.p_value = NAN;
    out->pid.unique[0] = out->pid.unique[1] = NAN;
    out->omega = out->pid;
    if (!err.rows)
        return cs_error_set(CS_EINVAL, "the layer has no errors snapshot dataset at this snapshot");
    if (err.rows != pr->n || act.rows != pr->n)
        return cs_error_set(CS_ESHAPE, "errors have %zu rows, activations %zu, the probe set %zu", err.rows, act.rows,
                            pr->n);
    cs_status st = cs_matrix_check_finite(err, "errors");
    if (st == CS_OK && ref.rows)
        st = cs_matrix_check_finite(ref, "reference_errors");
    if (st != CS_OK)
        return st;
    if (ref.rows && ref.rows != err.rows)
        return cs_error_set(CS_ESHAPE, "reference_errors have %zu rows, errors %zu", ref.rows, err.rows);
    out->ref_same = ref.rows && same_signal(err, ref);
    if ((out->zero = no_variance(err)))
        return CS_OK;
    if (pr->classes < 2)
        return cs_error_set(CS_EINVAL, "I(δ;Y): the probe set holds a single class");
    uint64_t seed = obs_derive_seed(p->seed, stream);
    int clamped = 0;
    st = measure_done(mi_of(pr, err, NULL, p, seed, &out->ity, &out->ity_p, &clamped, &out->err_dims), "I(δ;Y)", out);
    out->ity_clamped = clamped;
    if (st == CS_OK && !no_variance(act))
        st = measure_done(mi_of(pr, act, &err, p, seed + 1, &out->itd, &out->itd_p, NULL, NULL), "I(T;δ)", out);
    if (st == CS_OK && ref.rows && !out->ref_same && !no_variance(ref))
        st = measure_done(mi_of(pr, err, &ref, p, seed + 2, &out->ref_mi, &out->ref_p, NULL, NULL), "I(δ;δ_BP)", out);
    if (st == CS_OK && (st = teaching_pid(pr, act, err, p, seed + 3, out)) == CS_OK)
        out->pid_done = 1;
    return st;
}

/* One snapshot dataset of the layer, or 0 x 0 when the log has none (or it
 * ends before snapshot s). */
static cs_status read_optional(const cs_runlog *run, size_t layer, const char *name, size_t s, cs_matrix *out)
{
    const cs_runlog_item *it = cs_runlog_find(run, CS_RUNLOG_SNAPSHOT, layer, name);
    if (!it || it->rank != 2 || s >= it->length)
        return CS_OK;
    return cs_runlog_read_layer_snapshot(run, layer, name, s, out);
}

cs_status obs_read_errors(const cs_runlog *run, size_t layer, size_t s, cs_matrix *err, cs_matrix *ref)
{
    cs_matrix_free(err);
    cs_matrix_free(ref);
    cs_status st = read_optional(run, layer, "errors", s, err);
    if (st == CS_OK)
        st = read_optional(run, layer, "reference_errors", s, ref);
    /* A bp run's errors are backprop's delta: the reference is the signal. */
    if (st == CS_OK && !ref->rows && err->rows && !strcmp(cs_runlog_get_info(run)->rule, "bp") &&
        (st = cs_matrix_alloc(err->rows, err->cols, ref)) == CS_OK)
        for (size_t i = 0; i < err->rows; i++)
            memcpy(cs_matrix_row(*ref, i), cs_matrix_row(*err, i), err->cols * sizeof(double));
    return st;
}
