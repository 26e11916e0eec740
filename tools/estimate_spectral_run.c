/* The computations and writers of `cogscope estimate` psd, csd, coherence,
 * periodogram, spectrogram, multitaper and aperiodic (estimate_spectral.h):
 * each takes the parsed options and selected columns of a spectral_job and
 * prints one JSON object (--json) or a table with one row per frequency. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "estimate_spectral.h"

static int out_of_memory(const char *cmd) { return cli_fail(cmd, cs_error_set(CS_ENOMEM, "out of memory")); }

/* "key": an array for one channel, an array of arrays for several. */
static void json_per_channel(cs_json *j, const char *key, const double *v, size_t nch, size_t len)
{
    cs_json_key(j, key);
    if (nch == 1) {
        cs_json_numbers(j, v, len);
        return;
    }
    cs_json_begin_array(j);
    for (size_t c = 0; c < nch; c++)
        cs_json_numbers(j, v + c * len, len);
    cs_json_end_array(j);
}

static const char *detrend_name(cs_detrend d)
{
    return d == CS_DETREND_NONE ? "none" : d == CS_DETREND_LINEAR ? "linear" : "constant";
}

static void json_welch_params(cs_json *j, const cs_welch_plan *plan, const cs_welch_params *p)
{
    cs_json_kv_number(j, "fs", p->fs);
    cs_json_kv_string(j, "window", cs_window_name(p->window));
    if (p->window == CS_WINDOW_TUKEY)
        cs_json_kv_number(j, "tukey_alpha", p->window_param);
    cs_json_kv_int(j, "nperseg", (long long)cs_welch_plan_nperseg(plan));
    cs_json_kv_int(j, "noverlap", (long long)cs_welch_plan_noverlap(plan));
    cs_json_kv_int(j, "nfft", (long long)cs_welch_plan_nfft(plan));
    cs_json_kv_int(j, "nsegments", (long long)cs_welch_plan_nsegments(plan));
    cs_json_kv_string(j, "detrend", detrend_name(p->detrend));
}

static void print_table(FILE *out, const double *f, size_t nf, const double *const *cols, size_t ncols)
{
    for (size_t k = 0; k < nf; k++) {
        fprintf(out, "%.10g", f[k]);
        for (size_t c = 0; c < ncols; c++)
            fprintf(out, " %.10g", cols[c][k]);
        fputc('\n', out);
    }
}

static int band_powers(const char *cmd, const double *f, const double *psd, size_t nf, size_t nch,
                       const double *bands, size_t nb, int onesided, double *out)
{
    if (!onesided)
        return cli_usage_error(cmd, "--bands needs a one-sided spectrum (drop --twosided)");
    for (size_t c = 0; c < nch; c++)
        for (size_t b = 0; b < nb; b++) {
            cs_status st = cs_spectral_band_power(f, psd + c * nf, nf, bands[2 * b], bands[2 * b + 1],
                                                  &out[c * nb + b]);
            if (st)
                return cli_fail(cmd, st);
        }
    return 0;
}

static void emit_bands(cs_json *j, FILE *out, int json, const double *bands, size_t nb, const double *bp, size_t nch)
{
    if (!nb)
        return;
    if (json) {
        cs_json_key(j, "bands");
        cs_json_begin_array(j);
        for (size_t b = 0; b < nb; b++)
            cs_json_numbers(j, bands + 2 * b, 2);
        cs_json_end_array(j);
        json_per_channel(j, "band_power", bp, nch, nb);
        return;
    }
    for (size_t b = 0; b < nb; b++) {
        fprintf(out, "# band_power %g-%g", bands[2 * b], bands[2 * b + 1]);
        for (size_t c = 0; c < nch; c++)
            fprintf(out, " %.10g", bp[c * nb + b]);
        fputc('\n', out);
    }
}

#define COH_UNDEFINED_NOTE "coherence is undefined where x or y has no power (Pxx or Pyy is 0)"

/* Coherence is 0/0 where a signal has no power. A pair with no power at any
 * frequency (a constant column) has no coherence at all: exit 1 naming it.
 * Otherwise *undefined counts the NaN values, which are printed flagged. */
static int check_coherence(const char *cmd, const char *input, const double *coh, size_t nch, size_t nf,
                           const size_t *cx, const size_t *cy, size_t *undefined)
{
    *undefined = 0;
    for (size_t c = 0; c < nch; c++) {
        size_t nan = 0;
        for (size_t k = 0; k < nf; k++)
            nan += isnan(coh[c * nf + k]) != 0;
        if (nan == nf && nf > 0)
            return cli_fail(cmd, cs_error_set(CS_EINVAL,
                                              "%s: coherence of columns %zu and %zu is undefined: one "
                                              "of them has no power at any frequency (constant?)",
                                              input, cx[c], cy[c]));
        *undefined += nan;
    }
    return 0;
}

static int run_aperiodic_one(const char *cmd, const double *f, const double *pw, size_t nf,
                             const cs_aperiodic_params *ap, size_t col, cs_aperiodic_result *r)
{
    cs_status st = cs_aperiodic_fit(f, pw, nf, ap, r);
    if (st) {
        cs_error_prefix("column %zu: ", col);
        return cli_fail(cmd, st);
    }
    return 0;
}

static void json_aperiodic(cs_json *j, const cs_aperiodic_result *r, size_t nch)
{
    const char *keys[] = {"exponent", "offset", "knee", "knee_freq", "r_squared", "error"};
    for (size_t q = 0; q < 6; q++) {
        cs_json_key(j, keys[q]);
        if (nch > 1)
            cs_json_begin_array(j);
        for (size_t c = 0; c < nch; c++) {
            const double v[] = {r[c].exponent, r[c].offset, r[c].knee, r[c].knee_freq, r[c].r_squared, r[c].error};
            cs_json_number(j, v[q]); /* NaN (fixed-mode knee) is written as null */
        }
        if (nch > 1)
            cs_json_end_array(j);
    }
    cs_json_key(j, "peaks");
    if (nch > 1)
        cs_json_begin_array(j);
    for (size_t c = 0; c < nch; c++) {
        cs_json_begin_array(j);
        for (size_t p = 0; p < r[c].n_peaks; p++) {
            cs_json_begin_object(j);
            cs_json_kv_number(j, "center", r[c].peaks[p].center);
            cs_json_kv_number(j, "power", r[c].peaks[p].power);
            cs_json_kv_number(j, "width", r[c].peaks[p].width);
            cs_json_kv_number(j, "height", r[c].peaks[p].height);
            cs_json_kv_number(j, "sd", r[c].peaks[p].sd);
            cs_json_end_object(j);
        }
        cs_json_end_array(j);
    }
    if (nch > 1)
        cs_json_end_array(j);
}

/* ---- multitaper ---------------------------------------------------------------- */

static void multitaper_json(spectral_job *J, const char *units, size_t nf, size_t nt, size_t bad)
{
    cs_json *j = &J->j;
    cs_json_begin_object(j);
    cs_json_kv_string(j, "measure", "multitaper");
    cs_json_kv_string(j, "units", units);
    est_json_list(j, "columns", J->vx.cols, J->vx.ncols);
    cs_json_kv_number(j, "fs", J->o.fs);
    cs_json_kv_number(j, "nw", J->o.mp.nw);
    cs_json_kv_int(j, "ntapers", (long long)nt);
    cs_json_key(j, "eigenvalues");
    cs_json_numbers(j, J->buf2, nt);
    cs_json_kv_string(j, "normalization", J->o.mp.normalization == CS_MT_NORM_FULL ? "full" : "length");
    cs_json_key(j, "adaptive");
    cs_json_bool(j, cs_multitaper_plan_adaptive(J->mplan));
    cs_json_kv_int(j, "not_converged", (long long)bad);
    cs_json_key(j, "f");
    cs_json_numbers(j, J->f, nf);
    json_per_channel(j, "psd", J->buf, J->vx.data.cols, nf);
    emit_bands(j, J->out, 1, J->bands, J->nbands, J->bp, J->vx.data.cols);
    cs_json_end_object(j);
}

static int multitaper_text(spectral_job *J, const char *units, size_t nf, size_t nt)
{
    size_t nch = J->vx.data.cols;
    fprintf(J->out, "# multitaper PSD (%s), fs %g, NW %g, %zu tapers%s\n# f", units, J->o.fs, J->o.mp.nw, nt,
            cs_multitaper_plan_adaptive(J->mplan) ? ", adaptive" : "");
    const double **colp = malloc(nch * sizeof *colp);
    if (!colp)
        return out_of_memory(J->cmd);
    for (size_t i = 0; i < nch; i++) {
        fprintf(J->out, " psd[%zu]", J->vx.cols[i]);
        colp[i] = J->buf + i * nf;
    }
    fputc('\n', J->out);
    print_table(J->out, J->f, nf, colp, nch);
    free(colp);
    emit_bands(&J->j, J->out, 0, J->bands, J->nbands, J->bp, nch);
    return 0;
}

int spectral_multitaper(spectral_job *J)
{
    const char *cmd = J->cmd;
    spectral_opts *o = &J->o;
    size_t n = J->vx.data.rows, nch = J->vx.data.cols;
    o->mp.fs = o->fs;
    o->mp.threads = (int)o->threads;
    if (o->bandwidth > 0)
        o->mp.nw = o->bandwidth * (double)n / (2.0 * o->fs);
    cs_status st;
    if ((st = cs_multitaper_plan_create(&o->mp, n, &J->mplan)))
        return cli_fail(cmd, st);
    size_t nf = cs_multitaper_plan_nfreq(J->mplan), nt = cs_multitaper_plan_ntapers(J->mplan), bad = 0;
    J->f = malloc(nf * sizeof *J->f);
    J->buf = malloc(nch * nf * sizeof *J->buf);
    J->buf2 = malloc(nt * sizeof *J->buf2);
    if (!J->f || !J->buf || !J->buf2)
        return cli_fail(cmd, cs_error_set(CS_ENOMEM, "out of memory for %zu x %zu values", nch, nf));
    cs_multitaper_plan_freqs(J->mplan, J->f);
    cs_multitaper_plan_eigenvalues(J->mplan, J->buf2);
    if ((st = cs_multitaper_psd(J->mplan, J->vx.data, J->buf, &bad)))
        return cli_fail(cmd, st);
    if (o->mp.adaptive && !cs_multitaper_plan_adaptive(J->mplan))
        fprintf(stderr, "cogscope %s: warning: not combining adaptively: only %zu tapers (< 3)\n", cmd, nt);
    if (bad)
        fprintf(stderr, "cogscope %s: warning: adaptive weights did not converge for %zu column(s)\n", cmd, bad);
    int rc;
    if (J->nbands) {
        if (!(J->bp = malloc(nch * J->nbands * sizeof *J->bp)))
            return out_of_memory(cmd);
        if ((rc = band_powers(cmd, J->f, J->buf, nf, nch, J->bands, J->nbands, 1, J->bp)))
            return rc;
    }
    const char *units = o->mp.normalization == CS_MT_NORM_FULL ? "input^2/Hz" : "input^2 per cycle/sample";
    if (!o->json)
        return multitaper_text(J, units, nf, nt);
    multitaper_json(J, units, nf, nt, bad);
    return 0;
}

/* ---- Welch family ---------------------------------------------------------------- */

static const char *welch_units(const spectral_job *J)
{
    return J->m == M_COH ? "dimensionless" : J->o.wp.scaling == CS_SCALING_DENSITY ? "input^2/Hz" : "input^2";
}

/* The time of every spectrogram segment into J->t. */
static int spectrogram_times(spectral_job *J, size_t ns)
{
    if (!(J->t = malloc(ns * sizeof *J->t)))
        return out_of_memory(J->cmd);
    cs_welch_plan_times(J->plan, J->t);
    return 0;
}

/* "spectrogram": [f][t] per column. */
static void spectrogram_json(spectral_job *J, size_t nf, size_t ns)
{
    cs_json *j = &J->j;
    size_t nch = J->vx.data.cols;
    cs_json_key(j, "t");
    cs_json_numbers(j, J->t, ns);
    cs_json_key(j, "spectrogram");
    if (nch > 1)
        cs_json_begin_array(j);
    for (size_t c2 = 0; c2 < nch; c2++) {
        cs_json_begin_array(j);
        for (size_t k = 0; k < nf; k++)
            cs_json_numbers(j, J->buf + (c2 * nf + k) * ns, ns);
        cs_json_end_array(j);
    }
    if (nch > 1)
        cs_json_end_array(j);
}

static void welch_json_params(spectral_job *J, size_t coh_undefined)
{
    cs_json *j = &J->j;
    cs_json_kv_string(j, "measure", J->name);
    cs_json_kv_string(j, "units", welch_units(J));
    if (J->pair) {
        est_json_list(j, "x", J->vx.cols, J->vx.ncols);
        est_json_list(j, "y", J->vy.cols, J->vy.ncols);
    } else {
        est_json_list(j, "columns", J->vx.cols, J->vx.ncols);
    }
    json_welch_params(j, J->plan, &J->o.wp);
    if (J->m != M_COH) {
        cs_json_kv_string(j, "scaling", J->o.wp.scaling == CS_SCALING_DENSITY ? "density" : "spectrum");
        cs_json_key(j, "onesided");
        cs_json_bool(j, J->o.wp.onesided);
    }
    if (J->m == M_PSD || J->m == M_CSD)
        cs_json_kv_string(j, "average", J->o.wp.average == CS_AVERAGE_MEAN ? "mean" : "median");
    if (cs_welch_plan_capped(J->plan) || coh_undefined) {
        cs_json_key(j, "warnings");
        cs_json_begin_array(j);
        if (cs_welch_plan_capped(J->plan))
            cs_json_string(j, "nperseg = 256 is greater than input length; using the input length");
        if (coh_undefined)
            cs_json_string(j, COH_UNDEFINED_NOTE);
        cs_json_end_array(j);
    }
}

static int welch_json(spectral_job *J, size_t nf, size_t ns, size_t coh_undefined)
{
    cs_json *j = &J->j;
    size_t nch = J->vx.data.cols;
    cs_json_begin_object(j);
    welch_json_params(J, coh_undefined);
    cs_json_key(j, "f");
    cs_json_numbers(j, J->f, nf);
    if (J->m == M_SPECGRAM) {
        int rc = spectrogram_times(J, ns);
        if (rc)
            return rc;
        spectrogram_json(J, nf, ns);
    } else if (J->m == M_CSD) {
        json_per_channel(j, "re", J->buf, nch, nf);
        json_per_channel(j, "im", J->buf2, nch, nf);
    } else {
        json_per_channel(j, J->m == M_COH ? "coherence" : "psd", J->buf, nch, nf);
    }
    emit_bands(j, J->out, 1, J->bands, J->nbands, J->bp, nch);
    cs_json_end_object(j);
    return 0;
}

/* Per column: a header with the segment times, then f and the power at each time. */
static void spectrogram_text(spectral_job *J, size_t nf, size_t ns)
{
    FILE *out = J->out;
    for (size_t c2 = 0; c2 < J->vx.data.cols; c2++) {
        fprintf(out, "%s# column %zu; rows: f, then the power at t =", c2 ? "\n" : "", J->vx.cols[c2]);
        for (size_t s = 0; s < ns; s++)
            fprintf(out, " %.10g", J->t[s]);
        fputc('\n', out);
        for (size_t k = 0; k < nf; k++) {
            fprintf(out, "%.10g", J->f[k]);
            for (size_t s = 0; s < ns; s++)
                fprintf(out, " %.10g", J->buf[(c2 * nf + k) * ns + s]);
            fputc('\n', out);
        }
    }
}

/* One row per frequency: psd, coherence (nan where undefined) or re/im of the csd. */
static void spectrum_text(spectral_job *J, size_t nf, size_t coh_undefined)
{
    FILE *out = J->out;
    size_t nch = J->vx.data.cols;
    const size_t *cx = J->vx.cols, *cy = J->vy.cols;
    if (coh_undefined)
        fprintf(out, "# warning: %zu value%s undefined (nan): %s\n", coh_undefined, coh_undefined == 1 ? "" : "s",
                COH_UNDEFINED_NOTE);
    fprintf(out, "# f");
    for (size_t c2 = 0; c2 < nch; c2++) {
        if (J->m == M_CSD)
            fprintf(out, " re[%zu,%zu] im[%zu,%zu]", cx[c2], cy[c2], cx[c2], cy[c2]);
        else if (J->m == M_COH)
            fprintf(out, " coh[%zu,%zu]", cx[c2], cy[c2]);
        else
            fprintf(out, " psd[%zu]", cx[c2]);
    }
    fputc('\n', out);
    for (size_t k = 0; k < nf; k++) {
        fprintf(out, "%.10g", J->f[k]);
        for (size_t c2 = 0; c2 < nch; c2++) {
            if (isnan(J->buf[c2 * nf + k]))
                fputs(" nan", out); /* not "-nan": the sign of a NaN means nothing */
            else
                fprintf(out, " %.10g", J->buf[c2 * nf + k]);
            if (J->m == M_CSD)
                fprintf(out, " %.10g", J->buf2[c2 * nf + k]);
        }
        fputc('\n', out);
    }
    emit_bands(&J->j, out, 0, J->bands, J->nbands, J->bp, nch);
}

static int welch_text(spectral_job *J, size_t nf, size_t ns, size_t coh_undefined)
{
    fprintf(J->out, "# %s (%s), fs %g, %s window, nperseg %zu, noverlap %zu, nfft %zu, %zu segments\n", J->name,
            welch_units(J), J->o.fs, cs_window_name(J->o.wp.window), cs_welch_plan_nperseg(J->plan),
            cs_welch_plan_noverlap(J->plan), cs_welch_plan_nfft(J->plan), ns);
    if (J->m != M_SPECGRAM) {
        spectrum_text(J, nf, coh_undefined);
        return 0;
    }
    int rc = spectrogram_times(J, ns);
    if (!rc)
        spectrogram_text(J, nf, ns);
    return rc;
}

/* The plan of the measure (welch, periodogram or spectrogram) for n samples. */
static int welch_plan(spectral_job *J, size_t n)
{
    spectral_opts *o = &J->o;
    o->wp.fs = o->fs;
    o->wp.threads = (int)o->threads;
    o->wp.onesided = J->m == M_APERIODIC || J->m == M_COH ? 1 : o->onesided;
    o->wp.nperseg = o->nperseg >= 0 ? (size_t)o->nperseg : 0;
    o->wp.noverlap = o->noverlap;
    o->wp.nfft = o->nfft >= 0 ? (size_t)o->nfft : 0;
    cs_status st = J->m == M_PERIODOGRAM ? cs_periodogram_plan_create(&o->wp, n, &J->plan)
                   : J->m == M_SPECGRAM  ? cs_spectrogram_plan_create(&o->wp, n, &J->plan)
                                         : cs_welch_plan_create(&o->wp, n, &J->plan);
    if (st) {
        cs_error_prefix("%s: ", o->input);
        return cli_fail(J->cmd, st);
    }
    if (cs_welch_plan_capped(J->plan))
        fprintf(stderr,
                "cogscope %s: warning: nperseg = 256 is greater than input length = %zu, using nperseg = "
                "%zu\n",
                J->cmd, n, n);
    return 0;
}

/* The spectra of the Welch family into J->f, J->buf (and J->buf2: csd's imaginary part). */
static int welch_compute(spectral_job *J, size_t nf, size_t ns)
{
    size_t nch = J->vx.data.cols, per = J->m == M_SPECGRAM ? nf * ns : nf;
    J->f = malloc(nf * sizeof *J->f);
    if (J->f)
        cs_welch_plan_freqs(J->plan, J->f);
    J->buf = malloc(nch * per * sizeof *J->buf);
    if (J->m == M_CSD)
        J->buf2 = malloc(nch * per * sizeof *J->buf2);
    if (!J->f || !J->buf || (J->m == M_CSD && !J->buf2))
        return cli_fail(J->cmd, cs_error_set(CS_ENOMEM, "out of memory for %zu x %zu values", nch, per));
    cs_status st;
    switch (J->m) {
    case M_CSD: st = cs_welch_csd(J->plan, J->vx.data, J->vy.data, J->buf, J->buf2); break;
    case M_COH: st = cs_welch_coherence(J->plan, J->vx.data, J->vy.data, J->buf); break;
    case M_SPECGRAM: st = cs_welch_spectrogram(J->plan, J->vx.data, J->buf); break;
    default: st = cs_welch_psd(J->plan, J->vx.data, J->buf); break;
    }
    if (st) {
        cs_error_prefix("%s: ", J->o.input);
        return cli_fail(J->cmd, st);
    }
    return 0;
}

int spectral_welch(spectral_job *J)
{
    int rc = welch_plan(J, J->vx.data.rows);
    if (rc)
        return rc;
    size_t nf = cs_welch_plan_nfreq(J->plan), ns = cs_welch_plan_nsegments(J->plan);
    size_t nch = J->vx.data.cols;
    if ((rc = welch_compute(J, nf, ns)))
        return rc;
    size_t coh_undefined = 0; /* NaN values of the coherence: no power in x or y there */
    if (J->m == M_COH &&
        (rc = check_coherence(J->cmd, J->o.input, J->buf, nch, nf, J->vx.cols, J->vy.cols, &coh_undefined)))
        return rc;
    if (J->m == M_APERIODIC) {
        if ((rc = spectral_aperiodic_fit(J, nf)))
            return rc;
        spectral_aperiodic_write(J);
        return 0;
    }
    if (J->nbands) {
        if (!(J->bp = malloc(nch * J->nbands * sizeof *J->bp)))
            return out_of_memory(J->cmd);
        if ((rc = band_powers(J->cmd, J->f, J->buf, nf, nch, J->bands, J->nbands, J->o.wp.onesided, J->bp)))
            return rc;
    }
    return J->o.json ? welch_json(J, nf, ns, coh_undefined) : welch_text(J, nf, ns, coh_undefined);
}

/* ---- aperiodic ---------------------------------------------------------------- */

int spectral_aperiodic_fit(spectral_job *J, size_t nf)
{
    size_t nch = J->vx.data.cols, n = J->vx.data.rows;
    if (!(J->ares = calloc(nch, sizeof *J->ares)))
        return out_of_memory(J->cmd);
    int ready = !J->plan; /* --freq-col: the table holds the spectrum, one column at a time */
    if (ready) {
        J->f = malloc(n * sizeof *J->f);
        J->buf = malloc(n * sizeof *J->buf);
        if (!J->f || !J->buf)
            return out_of_memory(J->cmd);
        for (size_t i = 0; i < n; i++)
            J->f[i] = cs_matrix_get(J->data, i, (size_t)J->o.freq_col);
        nf = n;
    }
    for (size_t c2 = 0; c2 < nch; c2++) {
        const double *pw = J->buf + c2 * nf;
        if (ready) {
            for (size_t i = 0; i < n; i++)
                J->buf[i] = cs_matrix_get(J->vx.data, i, c2);
            pw = J->buf;
        }
        int rc = run_aperiodic_one(J->cmd, J->f, pw, nf, &J->o.ap, J->vx.cols[c2], &J->ares[c2]);
        if (rc)
            return rc;
        J->nres++;
    }
    return 0;
}

static void aperiodic_text(const spectral_job *J)
{
    FILE *out = J->out;
    int knee = J->o.ap.mode == CS_APERIODIC_KNEE;
    for (size_t c2 = 0; c2 < J->vx.data.cols; c2++) {
        const cs_aperiodic_result *r = &J->ares[c2];
        fprintf(out, "column %zu (%s fit over %g-%g Hz, %zu frequencies)\n", J->vx.cols[c2], knee ? "knee" : "fixed",
                r->freqs[0], r->freqs[r->nfit - 1], r->nfit);
        fprintf(out, "  exponent  %.6g\n  offset    %.6g\n", r->exponent, r->offset);
        if (knee)
            fprintf(out, "  knee      %.6g (knee frequency %.6g Hz)\n", r->knee, r->knee_freq);
        fprintf(out, "  r_squared %.6g\n  error     %.6g (mean absolute, log10 power)\n", r->r_squared, r->error);
        fprintf(out, "  peaks     %zu%s\n", r->n_peaks, r->n_peaks ? " (center Hz, power, width Hz)" : "");
        for (size_t p = 0; p < r->n_peaks; p++)
            fprintf(out, "    %.6g %.6g %.6g\n", r->peaks[p].center, r->peaks[p].power, r->peaks[p].width);
    }
}

void spectral_aperiodic_write(spectral_job *J)
{
    if (!J->o.json) {
        aperiodic_text(J);
        return;
    }
    cs_json *j = &J->j;
    cs_json_begin_object(j);
    cs_json_kv_string(j, "measure", "aperiodic");
    cs_json_kv_string(j, "units", "log10(power)");
    est_json_list(j, "columns", J->vx.cols, J->vx.ncols);
    cs_json_kv_string(j, "mode", J->o.ap.mode == CS_APERIODIC_KNEE ? "knee" : "fixed");
    cs_json_kv_number(j, "fmin", J->ares[0].freqs[0]);
    cs_json_kv_number(j, "fmax", J->ares[0].freqs[J->ares[0].nfit - 1]);
    if (J->plan) {
        cs_json_key(j, "welch");
        cs_json_begin_object(j);
        json_welch_params(j, J->plan, &J->o.wp);
        cs_json_end_object(j);
    }
    json_aperiodic(j, J->ares, J->vx.data.cols);
    cs_json_end_object(j);
}
