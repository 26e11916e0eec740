/* Spectra of a run (cogscope/spectral.h, cogscope/aperiodic.h): Welch PSD and
 * aperiodic fit of per-step series, PSD of relaxation trajectories, coherence
 * between layers' mean activity. Results go straight into the metrics. */
#include "metric_table.h"
#include "observe_spectra.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cogscope/aperiodic.h"
#include "cogscope/spectral.h"

/* A one-thread Welch plan of segment nperseg over n points, fs samples per
 * step (1: one per step or relaxation iteration): frequencies in cycles per
 * step. */
static cs_status welch_plan(size_t n, size_t nperseg, double fs, cs_welch_plan **plan)
{
    cs_welch_params wp;
    cs_welch_params_default(&wp);
    wp.fs = fs;
    wp.nperseg = nperseg;
    wp.threads = 1;
    return cs_welch_plan_create(&wp, n, plan);
}

/* The significant peaks (keep[i] != 0 of r's) as [peaks, 3]: centre,
 * power, width. */
static cs_status put_peaks(cs_metrics *m, const char *name, const cs_aperiodic_result *r, const int *keep)
{
    size_t kept = 0;
    for (size_t i = 0; i < r->n_peaks; i++)
        kept += keep[i] != 0;
    size_t dims[2] = {kept, 3};
    double *pk = malloc((kept ? kept : 1) * 3 * sizeof *pk);
    if (!pk)
        return cs_error_set(CS_ENOMEM, "out of memory for peaks");
    for (size_t i = 0, q = 0; i < r->n_peaks; i++) {
        if (!keep[i])
            continue;
        pk[3 * q] = r->peaks[i].center;
        pk[3 * q + 1] = r->peaks[i].power;
        pk[3 * q + 2] = r->peaks[i].width;
        q++;
    }
    cs_status st = obs_put_named(m, "spectra.{series}.peaks", name, 2, dims, pk);
    free(pk);
    return st;
}

/* Aperiodic fit of the Welch PSD (f, psd: nf values from nseg segments,
 * sampling rate fs) over every positive frequency, the peak test, and their
 * metrics. */
static cs_status series_fit(cs_metrics *m, const char *name, const double *f, const double *psd, size_t nf,
                            double nseg, double fs)
{
    /* Peak widths: at least two frequency bins, at most half the band. */
    cs_aperiodic_params ap;
    cs_aperiodic_params_default(&ap);
    double df = nf > 1 ? f[1] - f[0] : 0.5 * fs;
    ap.fmin = df * 0.5;
    ap.fmax = 0.5 * fs;
    ap.peak_width_min = 2 * df;
    ap.peak_width_max = 0.25 * fs;
    ap.max_n_peaks = 4;
    cs_aperiodic_result r;
    if (cs_aperiodic_fit(f, psd, nf, &ap, &r) != CS_OK)
        return cs_metrics_add_note(m, "aperiodic fit of %s: %s", name, cs_last_error());
    /* Honesty: a power law only where the fit explains the log spectrum
     * (R^2 >= CS_APERIODIC_R2_MIN); peaks only where the PSD exceeds the
     * aperiodic power beyond the chi^2 spread of the Welch estimate. */
    double no_power_law = !(r.r_squared >= CS_APERIODIC_R2_MIN), dof = cs_welch_hann50_dof((size_t)nseg),
           alpha = 0.05, thr = NAN, range[2] = {r.nfit ? r.freqs[0] : NAN, r.nfit ? r.freqs[r.nfit - 1] : NAN};
    int *keep = malloc((r.n_peaks ? r.n_peaks : 1) * sizeof *keep);
    cs_status st = CS_OK;
    if (!keep)
        st = cs_error_set(CS_ENOMEM, "out of memory for peaks");
    else if ((st = cs_aperiodic_peak_test(&r, dof, alpha, keep, &thr)) == CS_OK && no_power_law)
        for (size_t i = 0; i < r.n_peaks; i++)
            keep[i] = 0; /* no aperiodic law to stand out from */
    double candidates = (double)r.n_peaks;
    /* the metric table's "spectra.{series}." entries: units and meanings */
    struct {
        const char *key;
        size_t n;
        const double *v;
    } out[] = {
        {"spectra.{series}.fit_range", 2, range},
        {"spectra.{series}.offset", 1, &r.offset},
        {"spectra.{series}.exponent", 1, &r.exponent},
        {"spectra.{series}.r_squared", 1, &r.r_squared},
        {"spectra.{series}.no_power_law", 1, &no_power_law},
        {"spectra.{series}.fit_error", 1, &r.error},
        {"spectra.{series}.dof", 1, &dof},
        {"spectra.{series}.peak_alpha", 1, &alpha},
        {"spectra.{series}.peak_threshold", 1, &thr},
        {"spectra.{series}.peak_candidates", 1, &candidates},
        {"spectra.{series}.fit_freq", r.nfit, r.freqs},
        {"spectra.{series}.fit_log_power", r.nfit, r.log_power},
        {"spectra.{series}.fit_model", r.nfit, r.model},
        {"spectra.{series}.fit_aperiodic", r.nfit, r.aperiodic},
    };
    for (size_t i = 0; i < sizeof out / sizeof out[0] && st == CS_OK; i++)
        st = obs_put1(m, out[i].key, name, out[i].n, out[i].v);
    if (st == CS_OK)
        st = put_peaks(m, name, &r, keep);
    free(keep);
    cs_aperiodic_result_free(&r);
    return st;
}

cs_status obs_series_spectrum(cs_metrics *m, const char *name, const double *x, size_t n, size_t nperseg)
{
    return obs_series_spectrum_fs(m, name, x, n, nperseg, 1.0);
}

cs_status obs_series_spectrum_fs(cs_metrics *m, const char *name, const double *x, size_t n, size_t nperseg,
                                 double fs)
{
    for (size_t i = 0; i < n; i++)
        if (!isfinite(x[i]))
            return cs_metrics_add_note(m, "spectrum of %s: step %zu is %s; spectrum skipped", name, i,
                                       isnan(x[i]) ? "NaN" : "Inf");
    if (n < 8)
        return cs_metrics_add_note(m, "spectrum of %s: %zu steps; needs at least 8", name, n);
    cs_welch_plan *plan = NULL;
    cs_status st = welch_plan(n, nperseg ? (nperseg < n ? nperseg : n) : (n < 256 ? n : 256), fs, &plan);
    if (st != CS_OK)
        return st;
    size_t nf = cs_welch_plan_nfreq(plan);
    double *f = malloc(nf * sizeof *f), *psd = malloc(nf * sizeof *psd);
    if (!f || !psd)
        st = cs_error_set(CS_ENOMEM, "out of memory for the spectrum of %s", name);
    else {
        cs_welch_plan_freqs(plan, f);
        st = cs_welch_psd(plan, cs_matrix_view((double *)x, n, 1), psd);
    }
    double seg = (double)cs_welch_plan_nperseg(plan), nseg = (double)cs_welch_plan_nsegments(plan);
    if (st == CS_OK && (st = obs_put1(m, "spectra.{series}.freq", name, nf, f)) == CS_OK &&
        (st = obs_put1(m, "spectra.{series}.psd", name, nf, psd)) == CS_OK &&
        (st = obs_put1(m, "spectra.{series}.nperseg", name, 1, &seg)) == CS_OK &&
        (st = obs_put1(m, "spectra.{series}.nsegments", name, 1, &nseg)) == CS_OK)
        st = series_fit(m, name, f, psd, nf, nseg, fs);
    cs_welch_plan_destroy(plan);
    free(f);
    free(psd);
    return st;
}

cs_status obs_channel_psd(const double *x, size_t n, size_t channels, double *f, double *mean_psd, size_t *nf_out)
{
    cs_welch_plan *plan = NULL;
    cs_status st = welch_plan(n, n, 1.0, &plan);
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

double obs_coherence_threshold(size_t nseg, double alpha, size_t ntests)
{
    /* Under independence the magnitude-squared coherence of K independent
     * segments has P(C >= c) = (1 - c)^(K - 1) (Carter, Knapp & Nuttall
     * 1973). Hann segments overlapping by half are not independent: K is
     * replaced by half the equivalent degrees of freedom of the Welch
     * average, nu / 2 (the same nu as the PSD peak test). */
    double k = cs_welch_hann50_dof(nseg) / 2.0;
    if (!(k > 1.0) || ntests == 0 || !(alpha > 0.0 && alpha < 1.0))
        return NAN;
    return 1.0 - pow(alpha / (double)ntests, 1.0 / (k - 1.0));
}
