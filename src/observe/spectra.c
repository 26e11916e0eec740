/* Spectra of a run (cogscope/spectral.h, cogscope/aperiodic.h): Welch PSD and
 * aperiodic fit of per-step series, PSD of relaxation trajectories, coherence
 * between layers' mean activity. Results go straight into the metrics. */
#include "observe_spectra.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cogscope/aperiodic.h"
#include "cogscope/spectral.h"

cs_status obs_series_spectrum(cs_metrics *m, const char *name, const double *x, size_t n, size_t nperseg)
{
    char path[128];
    for (size_t i = 0; i < n; i++)
        if (!isfinite(x[i]))
            return cs_metrics_add_note(m, "spectrum of %s: step %zu is %s; spectrum skipped", name, i,
                                       isnan(x[i]) ? "NaN" : "Inf");
    if (n < 8)
        return cs_metrics_add_note(m, "spectrum of %s: %zu steps; needs at least 8", name, n);
    cs_welch_params wp;
    cs_welch_params_default(&wp);
    wp.fs = 1.0; /* cycles per step */
    wp.nperseg = nperseg ? (nperseg < n ? nperseg : n) : (n < 256 ? n : 256);
    wp.threads = 1;
    cs_welch_plan *plan = NULL;
    cs_status st = cs_welch_plan_create(&wp, n, &plan);
    if (st != CS_OK)
        return st;
    size_t nf = cs_welch_plan_nfreq(plan);
    double *f = malloc(nf * sizeof *f), *psd = malloc(nf * sizeof *psd);
    if (!f || !psd) {
        st = cs_error_set(CS_ENOMEM, "out of memory for the spectrum of %s", name);
        goto done;
    }
    cs_welch_plan_freqs(plan, f);
    if ((st = cs_welch_psd(plan, cs_matrix_view((double *)x, n, 1), psd)) != CS_OK)
        goto done;
    snprintf(path, sizeof path, "/analysis/spectra/%s/freq", name);
    if ((st = cs_metrics_put1(m, path, nf, f, "cycles/step", "Welch frequencies (fs = 1 per step)")) != CS_OK)
        goto done;
    snprintf(path, sizeof path, "/analysis/spectra/%s/psd", name);
    if ((st = cs_metrics_put1(m, path, nf, psd, "units^2 step",
                              "Welch power spectral density (hann, 50% overlap, constant detrend)")) != CS_OK)
        goto done;
    double seg = (double)cs_welch_plan_nperseg(plan), nseg = (double)cs_welch_plan_nsegments(plan);
    snprintf(path, sizeof path, "/analysis/spectra/%s/nperseg", name);
    if ((st = cs_metrics_put1(m, path, 1, &seg, "steps", "Welch segment length")) != CS_OK)
        goto done;
    snprintf(path, sizeof path, "/analysis/spectra/%s/nsegments", name);
    if ((st = cs_metrics_put1(m, path, 1, &nseg, "1", "Welch segments averaged")) != CS_OK)
        goto done;

    /* Aperiodic fit over every positive frequency. Peak widths in cycles per
     * step: at least two frequency bins, at most half the band. */
    cs_aperiodic_params ap;
    cs_aperiodic_params_default(&ap);
    double df = nf > 1 ? f[1] - f[0] : 0.5;
    ap.fmin = df * 0.5;
    ap.fmax = 0.5;
    ap.peak_width_min = 2 * df;
    ap.peak_width_max = 0.25;
    ap.max_n_peaks = 4;
    cs_aperiodic_result r;
    if (cs_aperiodic_fit(f, psd, nf, &ap, &r) != CS_OK) {
        st = cs_metrics_add_note(m, "aperiodic fit of %s: %s", name, cs_last_error());
        goto done;
    }
    /* Honesty: a power law only where the fit explains the log spectrum
     * (R^2 >= CS_APERIODIC_R2_MIN); peaks only where the PSD exceeds the
     * aperiodic power beyond the chi^2 spread of the Welch estimate. */
    double no_power_law = !(r.r_squared >= CS_APERIODIC_R2_MIN), dof = cs_welch_hann50_dof((size_t)nseg),
           alpha = 0.05, thr = NAN, range[2] = {r.nfit ? r.freqs[0] : NAN, r.nfit ? r.freqs[r.nfit - 1] : NAN};
    int *keep = malloc((r.n_peaks ? r.n_peaks : 1) * sizeof *keep);
    if (!keep)
        st = cs_error_set(CS_ENOMEM, "out of memory for peaks");
    else if ((st = cs_aperiodic_peak_test(&r, dof, alpha, keep, &thr)) == CS_OK && no_power_law)
        for (size_t i = 0; i < r.n_peaks; i++)
            keep[i] = 0; /* no aperiodic law to stand out from */
    double candidates = (double)r.n_peaks;
    struct {
        const char *key;
        double v;
        const char *units, *desc;
    } sc[] = {
        {"offset", r.offset, "log10 power", "aperiodic offset b of log10 P = b - chi log10 f"},
        {"exponent", r.exponent, "1", "aperiodic exponent chi (1/f^chi) of the fit; a power law only where no_power_law is 0"},
        {"r_squared", r.r_squared, "1", "R^2 of the fit (log10 power)"},
        {"no_power_law", no_power_law, "flag",
         "1: R^2 < 0.8 (CS_APERIODIC_R2_MIN): the exponent does not describe the spectrum, no peaks listed"},
        {"fit_error", r.error, "log10 power", "mean absolute error of the fit"},
        {"dof", dof, "1", "equivalent degrees of freedom of the Welch PSD (Hann, 50% overlap)"},
        {"peak_alpha", alpha, "1", "family-wise level of the peak test (Bonferroni over the fitted frequencies)"},
        {"peak_threshold", thr, "1", "PSD / aperiodic power a peak had to exceed (chi^2 quantile / dof)"},
        {"peak_candidates", candidates, "peaks", "peaks the fit found before the significance test"},
    };
    if (st == CS_OK) {
        snprintf(path, sizeof path, "/analysis/spectra/%s/fit_range", name);
        st = cs_metrics_put1(m, path, 2, range, "cycles/step", "lowest and highest frequency of the fit");
    }
    for (size_t i = 0; i < sizeof sc / sizeof sc[0] && st == CS_OK; i++) {
        snprintf(path, sizeof path, "/analysis/spectra/%s/%s", name, sc[i].key);
        st = cs_metrics_put1(m, path, 1, &sc[i].v, sc[i].units, sc[i].desc);
    }
    struct {
        const char *key;
        const double *v;
        const char *units, *desc;
    } ar[] = {
        {"fit_freq", r.freqs, "cycles/step", "frequencies of the aperiodic fit"},
        {"fit_log_power", r.log_power, "log10 power", "log10 PSD over the fit range"},
        {"fit_model", r.model, "log10 power", "full model (aperiodic + peaks)"},
        {"fit_aperiodic", r.aperiodic, "log10 power", "aperiodic component"},
    };
    for (size_t i = 0; i < sizeof ar / sizeof ar[0] && st == CS_OK; i++) {
        snprintf(path, sizeof path, "/analysis/spectra/%s/%s", name, ar[i].key);
        st = cs_metrics_put1(m, path, r.nfit, ar[i].v, ar[i].units, ar[i].desc);
    }
    if (st == CS_OK) {
        size_t kept = 0;
        for (size_t i = 0; i < r.n_peaks; i++)
            kept += keep[i] != 0;
        size_t dims[2] = {kept, 3};
        double *pk = malloc((kept ? kept : 1) * 3 * sizeof *pk);
        if (!pk)
            st = cs_error_set(CS_ENOMEM, "out of memory for peaks");
        for (size_t i = 0, q = 0; pk && i < r.n_peaks; i++) {
            if (!keep[i])
                continue;
            pk[3 * q] = r.peaks[i].center;
            pk[3 * q + 1] = r.peaks[i].power;
            pk[3 * q + 2] = r.peaks[i].width;
            q++;
        }
        snprintf(path, sizeof path, "/analysis/spectra/%s/peaks", name);
        if (pk)
            st = cs_metrics_put(m, path, 2, dims, pk, "mixed",
                                "significant peaks (chi^2 test, see peak_alpha): centre (cycles/step), power "
                                "(log10 above aperiodic), width (cycles/step)");
        free(pk);
    }
    free(keep);
    cs_aperiodic_result_free(&r);
done:
    cs_welch_plan_destroy(plan);
    free(f);
    free(psd);
    return st;
}

cs_status obs_channel_psd(const double *x, size_t n, size_t channels, double *f, double *mean_psd, size_t *nf_out)
{
    cs_welch_params wp;
    cs_welch_params_default(&wp);
    wp.fs = 1.0;
    wp.nperseg = n;
    wp.threads = 1;
    cs_welch_plan *plan = NULL;
    cs_status st = cs_welch_plan_create(&wp, n, &plan);
    if (st != CS_OK)
        return st;
    size_t nf = cs_welch_plan_nfreq(plan);
    double *psd = malloc(channels * nf * sizeof *psd);
    if (!psd) {
        cs_welch_plan_destroy(plan);
        return cs_error_set(CS_ENOMEM, "out of memory for a relaxation spectrum");
    }
    cs_welch_plan_freqs(plan, f);
    if ((st = cs_welch_psd(plan, cs_matrix_view((double *)x, n, channels), psd)) == CS_OK)
        for (size_t k = 0; k < nf; k++) {
            double s = 0;
            for (size_t c = 0; c < channels; c++)
                s += psd[c * nf + k];
            mean_psd[k] = s / (double)channels;
        }
    *nf_out = nf;
    free(psd);
    cs_welch_plan_destroy(plan);
    return st;
}

size_t obs_coherence_nperseg(size_t n) { return n >= 32 ? 16 : n >= 16 ? 8 : n >= 8 ? 4 : 0; }

cs_status obs_mean_coherence(const double *x, const double *y, size_t n, size_t channels, double fs, double *f,
                             double *coh, size_t *nf_out, size_t *nseg_out)
{
    cs_welch_params wp;
    cs_welch_params_default(&wp);
    wp.fs = fs;
    wp.nperseg = obs_coherence_nperseg(n);
    wp.detrend = CS_DETREND_LINEAR; /* learning drifts; relaxation converges */
    wp.threads = 1;
    if (!wp.nperseg)
        return cs_error_set(CS_EINVAL, "coherence needs at least 8 time points (got %zu)", n);
    cs_welch_plan *plan = NULL;
    cs_status st = cs_welch_plan_create(&wp, n, &plan);
    if (st != CS_OK)
        return st;
    size_t nf = cs_welch_plan_nfreq(plan);
    double *c = malloc(channels * nf * sizeof *c);
    if (!c) {
        cs_welch_plan_destroy(plan);
        return cs_error_set(CS_ENOMEM, "out of memory for coherence");
    }
    cs_welch_plan_freqs(plan, f);
    st = cs_welch_coherence(plan, cs_matrix_view((double *)x, n, channels), cs_matrix_view((double *)y, n, channels),
                            c);
    if (st == CS_OK)
        for (size_t k = 0; k < nf; k++) {
            /* A channel with no variation has undefined coherence (NaN, as
             * scipy): averaged over the channels that have one. */
            double s = 0;
            size_t used = 0;
            for (size_t ch = 0; ch < channels; ch++)
                if (isfinite(c[ch * nf + k])) {
                    s += c[ch * nf + k];
                    used++;
                }
            coh[k] = used ? s / (double)used : NAN;
        }
    *nf_out = nf;
    *nseg_out = cs_welch_plan_nsegments(plan);
    free(c);
    cs_welch_plan_destroy(plan);
    return st;
}
