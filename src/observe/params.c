/* Names, parsing, defaults and checks of the analysis parameters. */
#include "cogscope/observe.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

static const char *const pi_names[] = {"sigmapi", "ipwt", "ars"};

const char *cs_pi_variant_name(cs_pi_variant v)
{
    return (unsigned)v < sizeof pi_names / sizeof pi_names[0] ? pi_names[v] : NULL;
}

cs_status cs_pi_variant_parse(const char *name, cs_pi_variant *out)
{
    for (size_t i = 0; name && i < sizeof pi_names / sizeof pi_names[0]; i++)
        if (!strcmp(name, pi_names[i])) {
            *out = (cs_pi_variant)i;
            return CS_OK;
        }
    return cs_error_set(CS_EINVAL, "unknown PI variant '%s' (expected sigmapi, ipwt or ars)", name ? name : "(null)");
}

static const struct {
    const char *name;
    unsigned flags;
} metric_names[] = {
    {"infoplane", CS_OBS_INFOPLANE},
    {"integration", CS_OBS_INTEGRATION},
    {"oinfo", CS_OBS_OINFO},
    {"pid", CS_OBS_PID},
    {"phiid", CS_OBS_PHIID},
    {"spectra", CS_OBS_SPECTRA},
    {"sigmapi", CS_OBS_SIGMAPI},
    {"teaching", CS_OBS_TEACHING},
    {"synergy", CS_OBS_OINFO | CS_OBS_PID},
    {"default", CS_OBS_DEFAULT},
    {"all", CS_OBS_ALL},
};

const char *cs_obs_metric_name(unsigned flag)
{
    for (size_t i = 0; i < 8; i++) /* the single groups */
        if (metric_names[i].flags == flag)
            return metric_names[i].name;
    return NULL;
}

cs_status cs_obs_metrics_parse(const char *list, unsigned *mask)
{
    if (!list || !mask)
        return cs_error_set(CS_EINVAL, "cs_obs_metrics_parse: list and mask must be given");
    unsigned m = 0;
    const char *p = list;
    while (1) {
        const char *end = strchr(p, ',');
        size_t len = end ? (size_t)(end - p) : strlen(p);
        int found = 0;
        for (size_t i = 0; i < sizeof metric_names / sizeof metric_names[0]; i++)
            if (strlen(metric_names[i].name) == len && !strncmp(p, metric_names[i].name, len)) {
                m |= metric_names[i].flags;
                found = 1;
            }
        if (!found)
            return cs_error_set(CS_EINVAL,
                                "unknown metric '%.*s' in --metrics (known: infoplane, integration, oinfo, pid, "
                                "phiid, spectra, sigmapi, teaching, synergy, default, all)",
                                (int)len, p);
        if (!end)
            break;
        p = end + 1;
    }
    *mask = m;
    return CS_OK;
}

void cs_obs_params_default(cs_obs_params *p)
{
    memset(p, 0, sizeof *p);
    p->metrics = CS_OBS_DEFAULT;
    p->estimator = CS_EST_GCOPULA;
    p->seed = 1;
    p->threads = 0;
    p->surrogates = 0;
    p->bins = 0;
    p->ip_dims = 10;
    p->max_units = 64;
    p->tse_units = 12;
    p->multiplets = 200;
    p->pid_pairs = 8;
    p->pid_redundancy = CS_PID_MMI;
    p->ksg_k = 4;
    p->gc_mixture = 1;
    p->pi_variant = CS_PI_SIGMAPI;
    p->pi_alpha = NAN;
    p->pi_gamma = NAN;
    p->pi_delta = 1.0;
    p->pi_window = 0;
    p->pi_ema = 0.0;
    p->nperseg = 0;
}

size_t cs_obs_adaptive_bins(size_t n, size_t dims, size_t partner_states)
{
    double cells = (double)n / 5.0 / (double)(partner_states ? partner_states : 1);
    if (dims == 0 || cells < 4)
        return 2;
    size_t b = (size_t)floor(pow(cells, 1.0 / (double)dims) + 1e-9);
    return b < 2 ? 2 : b;
}

cs_status cs_obs_params_check(const cs_obs_params *p)
{
    if (!p)
        return cs_error_set(CS_EINVAL, "analysis parameters must be given");
    if (!p->metrics || (p->metrics & ~(unsigned)CS_OBS_ALL))
        return cs_error_set(CS_EINVAL, "--metrics selects no known metric");
    if (!cs_info_estimator_name(p->estimator) || p->estimator == CS_EST_KSG2)
        return cs_error_set(CS_EINVAL,
                            "--estimator: the analysis takes gcopula, gaussian, ksg1 (ksg) "
                            "or discrete (binned), not %s",
                            cs_info_estimator_name(p->estimator) ? cs_info_estimator_name(p->estimator) : "?");
    if (p->bins == 1 || p->bins > 100000)
        return cs_error_set(CS_EINVAL, "--bins %zu must be 0 (adaptive) or in 2..100000", p->bins);
    if (p->ip_dims < 1 || p->ip_dims > 256)
        return cs_error_set(CS_EINVAL, "--ip-dims %zu must be in 1..256", p->ip_dims);
    if (p->max_units < 3)
        return cs_error_set(CS_EINVAL, "--max-units %zu must be >= 3", p->max_units);
    if (p->tse_units < 2 || p->tse_units > 24)
        return cs_error_set(CS_EINVAL, "--tse-units %zu must be in 2..24 (TSE needs all 2^k subsets)", p->tse_units);
    if (p->multiplets > 1000000)
        return cs_error_set(CS_EINVAL, "--multiplets %zu must be at most 1000000", p->multiplets);
    if (p->pid_pairs < 1 || p->pid_pairs > 10000)
        return cs_error_set(CS_EINVAL, "--pid-pairs %zu must be in 1..10000", p->pid_pairs);
    if (!cs_pid_redundancy_name(p->pid_redundancy))
        return cs_error_set(CS_EINVAL, "--pid-redundancy: unknown redundancy %d", (int)p->pid_redundancy);
    if (p->estimator != CS_EST_DISCRETE && (p->pid_redundancy == CS_PID_WB || p->pid_redundancy == CS_PID_BROJA))
        return cs_error_set(CS_EINVAL,
                            "--pid-redundancy %s is discrete only; with --estimator %s use mmi "
                            "(or --estimator binned)",
                            cs_pid_redundancy_name(p->pid_redundancy), cs_info_estimator_label(p->estimator));
    if (p->estimator != CS_EST_DISCRETE && p->pid_redundancy == CS_PID_CCS)
        return cs_error_set(CS_EINVAL,
                            "--pid-redundancy ccs needs --estimator binned: the PID target is the class label, "
                            "and the Gaussian CCS would treat it as a Gaussian variable (with %s use mmi)",
                            cs_info_estimator_label(p->estimator));
    if (p->ksg_k < 1 || p->ksg_k > 100)
        return cs_error_set(CS_EINVAL, "--ksg-k %d must be in 1..100", p->ksg_k);
    if (p->surrogates > 100000)
        return cs_error_set(CS_EINVAL, "--surrogates %zu must be at most 100000", p->surrogates);
    if (!cs_pi_variant_name(p->pi_variant))
        return cs_error_set(CS_EINVAL, "--pi-variant: unknown variant %d", (int)p->pi_variant);
    if (!isnan(p->pi_alpha) && !(isfinite(p->pi_alpha) && p->pi_alpha > 0))
        return cs_error_set(CS_EINVAL, "--pi-alpha %g must be finite and > 0", p->pi_alpha);
    if (!isnan(p->pi_gamma) && !(p->pi_gamma >= 0 && p->pi_gamma <= 1))
        return cs_error_set(CS_EINVAL, "--pi-gamma %g must be in [0, 1]", p->pi_gamma);
    if (!(isfinite(p->pi_delta) && p->pi_delta >= 0))
        return cs_error_set(CS_EINVAL, "--pi-delta %g must be finite and >= 0", p->pi_delta);
    if (!(p->pi_ema >= 0 && p->pi_ema < 1))
        return cs_error_set(CS_EINVAL, "--pi-ema %g must be in [0, 1)", p->pi_ema);
    if (p->pi_window == 1)
        return cs_error_set(CS_EINVAL, "--pi-window 1: a window needs at least 2 steps for a variance");
    if (p->nperseg == 1)
        return cs_error_set(CS_EINVAL, "--nperseg 1: a Welch segment needs at least 2 samples");
    return CS_OK;
}

cs_status cs_obs_default_metrics_path(const char *run_path, char *out, size_t n)
{
    if (!run_path || !out)
        return cs_error_set(CS_EINVAL, "cs_obs_default_metrics_path: run path and output must be given");
    size_t len = strlen(run_path);
    int w;
    if (len > 3 && !strcmp(run_path + len - 3, ".h5"))
        w = snprintf(out, n, "%.*s.metrics.h5", (int)(len - 3), run_path);
    else
        w = snprintf(out, n, "%s.metrics.h5", run_path);
    if (w < 0 || (size_t)w >= n)
        return cs_error_set(CS_EINVAL, "%s: path too long for its metrics file name", run_path);
    return CS_OK;
}
