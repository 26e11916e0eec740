/* The measure table and the one validation of a request against it
 * (cogscope/measure.h). */
#include "cogscope/measure.h"

#include <stdio.h>
#include <string.h>

#define ALL_EST ((1u << CS_EST_COUNT) - 1)
#define ENTROPY_EST ((1u << CS_EST_DISCRETE) | (1u << CS_EST_GAUSSIAN))
#define DEP_OPTS (CS_OPT_LOCAL | CS_OPT_SURROGATES | CS_OPT_ANALYTIC | CS_OPT_COVARIANCE)
#define EST_OPTS                                                                                                     \
    (CS_OPT_BINS | CS_OPT_ALPHABET | CS_OPT_MILLER_MADOW | CS_OPT_BIAS | CS_OPT_KNN | CS_OPT_THEILER |               \
     CS_OPT_NORMALIZE | CS_OPT_NOISE | CS_OPT_DISCRETE_VARS)

/* tc..tse, pid, phiid: estimators with entropy over a covariance or symbols. */
#define PLUGIN_EST ((1u << CS_EST_DISCRETE) | (1u << CS_EST_GAUSSIAN) | (1u << CS_EST_GCOPULA))
#define DECOMP_OPTS (CS_OPT_BINS | CS_OPT_ALPHABET | CS_OPT_COVARIANCE)
/* The multivariate measures: one set of variables x. */
#define MV_ROW(id, name, formula)                                                                                    \
    {                                                                                                                \
        id, name, formula, {"variables", "y", "z"}, CS_ROLE_BIT_X, CS_ROLE_BIT_X, PLUGIN_EST,                        \
            CS_OPT_BINS | CS_OPT_ALPHABET | CS_OPT_MILLER_MADOW | CS_OPT_BIAS | CS_OPT_COVARIANCE, 0                 \
    }

static const cs_measure_entry table[CS_INFO_MEASURE_COUNT] = {
    {CS_INFO_ENTROPY,
     "entropy",
     "H(X)",
     {"x", "y", "z"},
     CS_ROLE_BIT_X,
     CS_ROLE_BIT_X,
     ENTROPY_EST,
     EST_OPTS | CS_OPT_LOCAL | CS_OPT_COVARIANCE,
     0},
    {CS_INFO_CENTROPY,
     "centropy",
     "H(X|Y)",
     {"x", "y", "z"},
     CS_ROLE_BIT_X | CS_ROLE_BIT_Y,
     CS_ROLE_BIT_X | CS_ROLE_BIT_Y,
     ENTROPY_EST,
     EST_OPTS | CS_OPT_LOCAL | CS_OPT_COVARIANCE,
     0},
    {CS_INFO_MI,
     "mi",
     "I(X;Y)",
     {"x", "y", "z"},
     CS_ROLE_BIT_X | CS_ROLE_BIT_Y,
     CS_ROLE_BIT_X | CS_ROLE_BIT_Y,
     ALL_EST,
     EST_OPTS | DEP_OPTS | CS_OPT_GC_FORM,
     1},
    {CS_INFO_CMI,
     "cmi",
     "I(X;Y|Z)",
     {"x", "y", "z"},
     CS_ROLE_BIT_X | CS_ROLE_BIT_Y | CS_ROLE_BIT_Z,
     CS_ROLE_BIT_X | CS_ROLE_BIT_Y | CS_ROLE_BIT_Z,
     ALL_EST,
     EST_OPTS | DEP_OPTS | CS_OPT_GC_FORM,
     1},
    {CS_INFO_TE,
     "te",
     "I(Y_t+1 ; X_past | Y_past, Z_past)",
     {"source", "destination", "conditioning"},
     CS_ROLE_BIT_X | CS_ROLE_BIT_Y,
     CS_ROLE_BIT_X | CS_ROLE_BIT_Y | CS_ROLE_BIT_Z,
     ALL_EST,
     EST_OPTS | DEP_OPTS | CS_OPT_HISTORY | CS_OPT_SOURCE_HISTORY,
     1},
    {CS_INFO_AIS,
     "ais",
     "I(X_past ; X_t+1)",
     {"x", "y", "z"},
     CS_ROLE_BIT_X,
     CS_ROLE_BIT_X,
     ALL_EST,
     EST_OPTS | DEP_OPTS | CS_OPT_HISTORY,
     1},
    {CS_INFO_OMEGA,
     "omega",
     "Syn(X1..Xn;Y) / I(X1..Xn;Y)",
     {"layer units", "target", "z"},
     CS_ROLE_BIT_X | CS_ROLE_BIT_Y,
     CS_ROLE_BIT_X | CS_ROLE_BIT_Y,
     (1u << CS_EST_GAUSSIAN) | (1u << CS_EST_GCOPULA),
     CS_OPT_BIAS | CS_OPT_SURROGATES | CS_OPT_DISCRETE_VARS,
     1},
    MV_ROW(CS_INFO_TC, "tc", "sum_i H(X_i) - H(X)"),
    MV_ROW(CS_INFO_DTC, "dtc", "sum_i H(X_-i) - (n-1) H(X)"),
    MV_ROW(CS_INFO_OINFO, "oinfo", "TC - DTC"),
    MV_ROW(CS_INFO_SINFO, "sinfo", "TC + DTC"),
    MV_ROW(CS_INFO_TSE, "tse", "sum_k [<H(X^k)> - (k/n) H(X)]"),
    {CS_INFO_PID,
     "pid",
     "I(X1,X2;Y) = R + U1 + U2 + S",
     {"source 1", "source 2", "target"},
     CS_ROLE_BIT_X | CS_ROLE_BIT_Y | CS_ROLE_BIT_Z,
     CS_ROLE_BIT_X | CS_ROLE_BIT_Y | CS_ROLE_BIT_Z,
     PLUGIN_EST,
     DECOMP_OPTS,
     0},
    {CS_INFO_PHIID,
     "phiid",
     "I(X1_t,X2_t ; X1_t+tau,X2_t+tau) = 16 atoms",
     {"series 1", "series 2", "z"},
     CS_ROLE_BIT_X | CS_ROLE_BIT_Y,
     CS_ROLE_BIT_X | CS_ROLE_BIT_Y,
     PLUGIN_EST,
     DECOMP_OPTS,
     0},
};

const cs_measure_entry *cs_measure_lookup(cs_info_measure m)
{
    return (unsigned)m < CS_INFO_MEASURE_COUNT ? &table[m] : NULL;
}

const char *cs_info_measure_name(cs_info_measure m)
{
    return (unsigned)m < CS_INFO_MEASURE_COUNT ? table[m].name : NULL;
}

cs_status cs_info_measure_parse(const char *name, cs_info_measure *out)
{
    for (int i = 0; name && i < CS_INFO_MEASURE_COUNT; i++)
        if (!strcmp(name, table[i].name)) {
            *out = table[i].id;
            return CS_OK;
        }
    return cs_error_set(CS_EINVAL, "unknown measure '%s'", name ? name : "(null)");
}

/* "a, b or c" of the estimators in mask. */
static void estimator_list(unsigned mask, char *buf, size_t size)
{
    buf[0] = 0;
    int count = 0, total = 0;
    for (int e = 0; e < CS_EST_COUNT; e++)
        total += (mask >> e) & 1;
    for (int e = 0; e < CS_EST_COUNT; e++)
        if ((mask >> e) & 1) {
            size_t len = strlen(buf);
            snprintf(buf + len, size - len, "%s%s",
                     count == 0           ? ""
                     : count == total - 1 ? " or "
                                          : ", ",
                     cs_info_estimator_name((cs_info_estimator)e));
            count++;
        }
}

static cs_status check_roles(const cs_measure_request *r, const cs_measure_entry *m)
{
    for (int k = 0; k < 3; k++) {
        unsigned bit = 1u << k;
        int named = strcmp(m->role_names[k], (char[]){"xyz"[k], 0}) != 0;
        if ((m->required & bit) && !(r->roles & bit))
            return cs_error_set(CS_EINVAL, "%s needs --%c%s%s%s (at least one row and one column)", m->name, "xyz"[k],
                                named ? " (the " : "", named ? m->role_names[k] : "", named ? ")" : "");
        if (!(m->allowed & bit) && (r->roles & bit))
            return cs_error_set(CS_EINVAL, "%s takes no --%c", m->name, "xyz"[k]);
    }
    return CS_OK;
}

/* Variables typed discrete: the discrete estimator serves every measure; the
 * continuous ones only mi and cmi through the mixed estimators (ksg1, not ksg2). */
static cs_status check_types(const cs_measure_request *r, const cs_measure_entry *m)
{
    if ((r->options & CS_OPT_BINS) && (r->options & CS_OPT_ALPHABET))
        return cs_error_set(CS_EINVAL, "--bins (bin continuous data) and --alphabet (data already symbols) "
                                       "exclude each other");
    int typed = 0;
    for (int k = 0; k < 3; k++) {
        if (r->types[k] != CS_VAR_CONTINUOUS && r->types[k] != CS_VAR_DISCRETE)
            return cs_error_set(CS_EINVAL, "type %d of variable %c is neither continuous nor discrete",
                                (int)r->types[k], "xyz"[k]);
        typed |= (r->roles & (1u << k)) && r->types[k] == CS_VAR_DISCRETE;
    }
    if (!typed || r->estimator == CS_EST_DISCRETE)
        return CS_OK;
    if (r->measure == CS_INFO_OMEGA) {
        if ((r->roles & CS_ROLE_BIT_X) && r->types[CS_ROLE_X] == CS_VAR_DISCRETE)
            return cs_error_set(CS_EINVAL, "omega: the layer units (x) are continuous; only y may be discrete");
        return CS_OK;
    }
    if (r->measure != CS_INFO_MI && r->measure != CS_INFO_CMI)
        return cs_error_set(CS_EINVAL,
                            "%s with a discrete variable needs the discrete estimator (the %s estimator "
                            "handles discrete variables in mi and cmi only)",
                            m->name, cs_info_estimator_name(r->estimator));
    if (r->estimator == CS_EST_KSG2)
        return cs_error_set(CS_EINVAL, "ksg2 has no form for a discrete variable: use ksg1 (Ross 2014)");
    return CS_OK;
}

cs_status cs_measure_validate(const cs_measure_request *r)
{
    const cs_measure_entry *m = cs_measure_lookup(r->measure);
    const cs_estimator_entry *e = cs_estimator_lookup(r->estimator);
    if (!m)
        return cs_error_set(CS_EINVAL, "unknown measure %d", (int)r->measure);
    if (!e)
        return cs_error_set(CS_EINVAL, "unknown estimator %d", (int)r->estimator);
    char list[96];
    if (!((m->estimators >> r->estimator) & 1)) {
        estimator_list(m->estimators, list, sizeof list);
        return cs_error_set(CS_EINVAL,
                            "%s is not available with the %s estimator (it estimates dependence, "
                            "not entropy): use %s",
                            m->name, e->name, list);
    }
    for (unsigned bit = 1; bit && bit <= CS_OPT_SOURCE_HISTORY; bit <<= 1) {
        if (!(r->options & bit))
            continue;
        const char *opt = cs_estimator_option_name(bit);
        if (!(m->options & bit)) {
            if (bit == CS_OPT_SURROGATES || bit == CS_OPT_ANALYTIC)
                return cs_error_set(CS_EINVAL,
                                    "--%s tests dependence: use it with mi, cmi, te or ais, "
                                    "not %s",
                                    opt, m->name);
            return cs_error_set(CS_EINVAL, "--%s is not an option of %s", opt, m->name);
        }
        /* histories: the measure's; discrete variables: check_types says more */
        if (bit != CS_OPT_HISTORY && bit != CS_OPT_SOURCE_HISTORY && bit != CS_OPT_DISCRETE_VARS &&
            !(e->options & bit)) {
            unsigned serve = 0;
            for (int k = 0; k < CS_EST_COUNT; k++)
                if (cs_estimator_lookup((cs_info_estimator)k)->options & bit)
                    serve |= 1u << k;
            estimator_list(serve, list, sizeof list);
            return cs_error_set(CS_EINVAL, "--%s is not an option of the %s estimator (it is for %s)", opt, e->name,
                                list);
        }
    }
    int typed = 0;
    for (int k = 0; k < 3; k++)
        typed |= r->types[k] == CS_VAR_DISCRETE && (!r->roles || (r->roles & (1u << k)));
    if ((r->options & CS_OPT_GC_FORM) && !typed)
        return cs_error_set(CS_EINVAL, "--gc-form is for a variable typed discrete (--x/--y/--z-discrete)");
    if ((r->options & CS_OPT_COVARIANCE) && typed)
        return cs_error_set(CS_EINVAL, "--x/--y/--z-discrete need samples, not --cov");
    if ((r->options & CS_OPT_COVARIANCE) && (r->options & (CS_OPT_SURROGATES | CS_OPT_LOCAL)))
        return cs_error_set(CS_EINVAL, "--surrogates and --local need samples, not --cov");
    if ((r->options & CS_OPT_COVARIANCE) && (r->options & CS_OPT_BIAS) && r->measure >= CS_INFO_TC &&
        r->measure <= CS_INFO_TSE)
        return cs_error_set(CS_EINVAL, "--cov gives exact values: there is no sample to bias-correct");
    cs_status st = r->roles ? check_roles(r, m) : CS_OK;
    return st ? st : check_types(r, m);
}
