/* The estimator registry: one entry per estimator (name, alias, options it
 * takes, whether it has entropy) and the one parse function of estimator
 * names (cogscope/estimator.h). */
#include "cogscope/estimator.h"

#include <math.h>
#include <string.h>

#include "estimator_impl.h"

#define DISCRETE_OPTS                                                                                                \
    (CS_OPT_BINS | CS_OPT_ALPHABET | CS_OPT_MILLER_MADOW | CS_OPT_ANALYTIC | CS_OPT_DISCRETE_VARS | CS_OPT_LOCAL |   \
     CS_OPT_SURROGATES)
#define GAUSS_OPTS (CS_OPT_BIAS | CS_OPT_GC_FORM | CS_OPT_DISCRETE_VARS | CS_OPT_LOCAL | CS_OPT_SURROGATES)
#define KSG_OPTS (CS_OPT_KNN | CS_OPT_THEILER | CS_OPT_NORMALIZE | CS_OPT_NOISE | CS_OPT_LOCAL | CS_OPT_SURROGATES)

static const cs_estimator_entry registry[CS_EST_COUNT] = {
    {CS_EST_DISCRETE, "discrete", "binned", "plug-in entropies of joint symbols (binned or integer data)",
     DISCRETE_OPTS, 1},
    {CS_EST_GAUSSIAN, "gaussian", NULL, "Gaussian entropies from the maximum-likelihood covariance",
     GAUSS_OPTS | CS_OPT_ANALYTIC | CS_OPT_COVARIANCE, 1},
    {CS_EST_GCOPULA, "gcopula", NULL, "Gaussian copula of every column, then gaussian", GAUSS_OPTS, 0},
    {CS_EST_KSG1, "ksg1", "ksg", "Kraskov-Stoegbauer-Grassberger nearest neighbours, algorithm 1",
     KSG_OPTS | CS_OPT_DISCRETE_VARS, 0},
    {CS_EST_KSG2, "ksg2", NULL, "Kraskov-Stoegbauer-Grassberger nearest neighbours, algorithm 2", KSG_OPTS, 0},
};

static const struct {
    unsigned bit;
    const char *name;
} option_names[] = {
    {CS_OPT_BINS, "bins"},
    {CS_OPT_ALPHABET, "alphabet"},
    {CS_OPT_MILLER_MADOW, "miller-madow"},
    {CS_OPT_BIAS, "bias-correct"},
    {CS_OPT_GC_FORM, "gc-form"},
    {CS_OPT_KNN, "k"},
    {CS_OPT_THEILER, "theiler"},
    {CS_OPT_NORMALIZE, "no-normalize"},
    {CS_OPT_NOISE, "noise"},
    {CS_OPT_ANALYTIC, "analytic"},
    {CS_OPT_COVARIANCE, "cov"},
    {CS_OPT_DISCRETE_VARS, "x/y/z-discrete"},
    {CS_OPT_LOCAL, "local"},
    {CS_OPT_SURROGATES, "surrogates"},
    {CS_OPT_HISTORY, "history"},
    {CS_OPT_SOURCE_HISTORY, "source-history"},
};

const char *cs_estimator_option_name(unsigned option)
{
    for (size_t i = 0; i < sizeof option_names / sizeof option_names[0]; i++)
        if (option_names[i].bit == option)
            return option_names[i].name;
    return NULL;
}

const cs_estimator_entry *cs_estimator_lookup(cs_info_estimator e)
{
    return (unsigned)e < CS_EST_COUNT ? &registry[e] : NULL;
}

const char *cs_info_estimator_name(cs_info_estimator e)
{
    return (unsigned)e < CS_EST_COUNT ? registry[e].name : NULL;
}

const char *cs_info_estimator_label(cs_info_estimator e)
{
    const cs_estimator_entry *r = cs_estimator_lookup(e);
    return !r ? NULL : r->alias ? r->alias : r->name;
}

cs_status cs_info_estimator_parse(const char *name, cs_info_estimator *out)
{
    for (int i = 0; name && i < CS_EST_COUNT; i++)
        if (!strcmp(name, registry[i].name) || (registry[i].alias && !strcmp(name, registry[i].alias))) {
            *out = registry[i].id;
            return CS_OK;
        }
    return cs_error_set(CS_EINVAL,
                        "unknown estimator '%s' (discrete, gaussian, gcopula, ksg1 or ksg2; "
                        "binned = discrete, ksg = ksg1)",
                        name ? name : "(null)");
}

void cs_estimator_params_default(cs_info_estimator e, cs_estimator_params *p)
{
    memset(p, 0, sizeof *p);
    p->estimator = e;
    p->binning = CS_BIN_EQUAL_WIDTH;
    p->bias_correct = -1;
    p->knn = 4;
    p->normalize = 1;
    /* JIDT's default noise level: ties (ReLU zeros, saturated units, rounded
     * data) otherwise make the strict KSG counts ill-defined and inflate the
     * estimate. */
    p->noise_sd = e == CS_EST_KSG1 || e == CS_EST_KSG2 ? 1e-8 : 0;
}

static int is_gauss(cs_info_estimator e) { return e == CS_EST_GAUSSIAN || e == CS_EST_GCOPULA; }

cs_status est_check_params(const cs_estimator_params *p)
{
    if (!cs_estimator_lookup(p->estimator))
        return cs_error_set(CS_EINVAL, "unknown estimator %d", (int)p->estimator);
    if (p->miller_madow && p->estimator != CS_EST_DISCRETE)
        return cs_error_set(CS_EINVAL, "Miller-Madow correction is for the discrete estimator");
    if ((p->bins || p->alphabet) && p->estimator != CS_EST_DISCRETE)
        return cs_error_set(CS_EINVAL, "bins and alphabet are for the discrete estimator");
    if (p->bins && p->alphabet)
        return cs_error_set(CS_EINVAL, "give either bins (to bin continuous data) or an alphabet, "
                                       "not both");
    if (p->alphabet < 0)
        return cs_error_set(CS_EINVAL, "alphabet %d must be >= 1 (0 = infer)", p->alphabet);
    if (p->bias_correct > 0 && !is_gauss(p->estimator))
        return cs_error_set(CS_EINVAL, "the analytic bias correction is for the gaussian and "
                                       "gcopula estimators");
    if ((p->estimator == CS_EST_KSG1 || p->estimator == CS_EST_KSG2) && p->knn < 1)
        return cs_error_set(CS_EINVAL, "KSG neighbour count k = %d must be >= 1", p->knn);
    if (p->noise_sd < 0 || !isfinite(p->noise_sd))
        return cs_error_set(CS_EINVAL, "noise standard deviation %g must be >= 0", p->noise_sd);
    if (p->gc_mixture && !is_gauss(p->estimator))
        return cs_error_set(CS_EINVAL, "the Gaussian mixture model is for the gaussian and gcopula estimators");
    return CS_OK;
}
