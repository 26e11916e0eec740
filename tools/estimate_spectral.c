/* cogscope estimate psd|csd|coherence|periodogram|spectrogram|multitaper|aperiodic
 *
 * Spectra of the columns of a table (text or FILE.h5:/dataset, samples x
 * columns) with scipy.signal's options and defaults (Welch family), MNE's
 * (multitaper) and FOOOF's (aperiodic). --json prints one object; otherwise a
 * table with one row per frequency. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "commands.h"
#include "estimate_common.h"
#include "cogscope/aperiodic.h"
#include "cogscope/json.h"
#include "cogscope/multitaper.h"
#include "cogscope/spectral.h"
#include "cogscope/table.h"

enum measure { M_PSD, M_CSD, M_COH, M_PERIODOGRAM, M_SPECGRAM, M_MULTITAPER, M_APERIODIC };
static const char *const measure_names[] = {"psd", "csd", "coherence", "periodogram",
                                            "spectrogram", "multitaper", "aperiodic"};

enum {
    O_INPUT = 256, O_COLS, O_X, O_Y, O_FS, O_NPERSEG, O_NOVERLAP, O_NFFT, O_WINDOW, O_WINDOW_FILE,
    O_DETREND, O_SCALING, O_AVERAGE, O_ONESIDED, O_TWOSIDED, O_THREADS, O_JSON, O_BANDS, O_NW,
    O_BANDWIDTH, O_K, O_ADAPTIVE, O_NO_LOW_BIAS, O_NORMALIZATION, O_FMIN, O_FMAX, O_MODE,
    O_MAX_PEAKS, O_PEAK_THRESHOLD, O_MIN_PEAK_HEIGHT, O_PEAK_WIDTH, O_FREQ_COL, O_HELP, O_END
};

static const struct option long_opts[] = {
    {"input", required_argument, 0, O_INPUT},
    {"cols", required_argument, 0, O_COLS},
    {"x", required_argument, 0, O_X},
    {"y", required_argument, 0, O_Y},
    {"fs", required_argument, 0, O_FS},
    {"nperseg", required_argument, 0, O_NPERSEG},
    {"noverlap", required_argument, 0, O_NOVERLAP},
    {"nfft", required_argument, 0, O_NFFT},
    {"window", required_argument, 0, O_WINDOW},
    {"window-file", required_argument, 0, O_WINDOW_FILE},
    {"detrend", required_argument, 0, O_DETREND},
    {"scaling", required_argument, 0, O_SCALING},
    {"average", required_argument, 0, O_AVERAGE},
    {"onesided", no_argument, 0, O_ONESIDED},
    {"twosided", no_argument, 0, O_TWOSIDED},
    {"threads", required_argument, 0, O_THREADS},
    {"json", no_argument, 0, O_JSON},
    {"bands", required_argument, 0, O_BANDS},
    {"nw", required_argument, 0, O_NW},
    {"bandwidth", required_argument, 0, O_BANDWIDTH},
    {"k", required_argument, 0, O_K},
    {"adaptive", no_argument, 0, O_ADAPTIVE},
    {"no-low-bias", no_argument, 0, O_NO_LOW_BIAS},
    {"normalization", required_argument, 0, O_NORMALIZATION},
    {"fmin", required_argument, 0, O_FMIN},
    {"fmax", required_argument, 0, O_FMAX},
    {"mode", required_argument, 0, O_MODE},
    {"max-peaks", required_argument, 0, O_MAX_PEAKS},
    {"peak-threshold", required_argument, 0, O_PEAK_THRESHOLD},
    {"min-peak-height", required_argument, 0, O_MIN_PEAK_HEIGHT},
    {"peak-width-limits", required_argument, 0, O_PEAK_WIDTH},
    {"freq-col", required_argument, 0, O_FREQ_COL},
    {"help", no_argument, 0, O_HELP},
    {0, 0, 0, 0},
};

/* Which options each measure takes (bit per measure). */
#define B(m) (1u << (m))
#define WELCHISH (B(M_PSD) | B(M_CSD) | B(M_COH) | B(M_SPECGRAM) | B(M_APERIODIC))
#define ALLM 0x7Fu
static unsigned allowed(int opt)
{
    switch (opt) {
    case O_INPUT: case O_FS: case O_THREADS: case O_JSON: case O_HELP: return ALLM;
    case O_COLS: return ALLM;
    case O_X: case O_Y: return B(M_CSD) | B(M_COH);
    case O_NPERSEG: case O_NOVERLAP: return WELCHISH;
    case O_NFFT: case O_WINDOW: case O_WINDOW_FILE: case O_DETREND:
        return WELCHISH | B(M_PERIODOGRAM);
    case O_SCALING: case O_ONESIDED: case O_TWOSIDED:
        return B(M_PSD) | B(M_CSD) | B(M_PERIODOGRAM) | B(M_SPECGRAM);
    case O_AVERAGE: return B(M_PSD) | B(M_CSD) | B(M_APERIODIC);
    case O_BANDS: return B(M_PSD) | B(M_PERIODOGRAM) | B(M_MULTITAPER);
    case O_NW: case O_BANDWIDTH: case O_K: case O_ADAPTIVE: case O_NO_LOW_BIAS:
    case O_NORMALIZATION: return B(M_MULTITAPER);
    case O_FMIN: case O_FMAX: return B(M_MULTITAPER) | B(M_APERIODIC);
    case O_MODE: case O_MAX_PEAKS: case O_PEAK_THRESHOLD: case O_MIN_PEAK_HEIGHT:
    case O_PEAK_WIDTH: case O_FREQ_COL: return B(M_APERIODIC);
    }
    return 0;
}

static void usage(FILE *out, const char *m)
{
    fprintf(out,
            "usage: cogscope estimate %s --input FILE [OPTIONS]\n\n"
            "Spectra of table columns (text, or FILE.h5:/dataset; samples x columns).\n"
            "Defaults and semantics are scipy.signal's (psd = welch, csd, coherence,\n"
            "periodogram, spectrogram), MNE's psd_array_multitaper (multitaper) and\n"
            "FOOOF's (aperiodic). See docs/spectral.md.\n\n"
            "  --input FILE          the table (required)\n"
            "  --cols LIST           0-based columns, e.g. 0,2 or 0-3 (default: all)\n"
            "  --x LIST --y LIST     csd/coherence: pairs (x[j], y[j]); or --cols A,B\n"
            "  --fs HZ               sampling frequency (default 1)\n"
            "  --nperseg N           segment length (default 256, capped at the series\n"
            "                        length with a warning; an explicit N > length is an error)\n"
            "  --noverlap N          overlap (default nperseg/2; spectrogram nperseg/8)\n"
            "  --nfft N              FFT length >= nperseg, zero padding (default nperseg)\n"
            "  --window NAME         hann (default), hamming, blackman, boxcar, bartlett,\n"
            "                        flattop, tukey[:alpha] (spectrogram: tukey:0.25;\n"
            "                        periodogram: boxcar)\n"
            "  --window-file FILE    a user window: one value per line (nperseg values)\n"
            "  --detrend D           none | constant (default) | linear, per segment\n"
            "  --scaling S           density (units^2/Hz, default) | spectrum (units^2)\n"
            "  --average A           mean (default) | median (bias-corrected)\n"
            "  --onesided | --twosided   frequency layout (default one-sided)\n"
            "  --bands LIST          psd/periodogram/multitaper: band powers, e.g. 4-8,8-13\n"
            "                        (trapezoidal integral of the PSD over each band)\n"
            "  --threads N           OpenMP threads over columns (0, the default: all cores)\n"
            "  --json                one JSON object on stdout\n\n"
            "multitaper:\n"
            "  --nw X                time-half-bandwidth NW (default 4)\n"
            "  --bandwidth HZ        MNE's bandwidth: NW = HZ * n / (2 fs)\n"
            "  --k K                 tapers computed (default floor(2 NW))\n"
            "  --no-low-bias         keep tapers with concentration <= 0.9 too\n"
            "  --adaptive            Thomson's adaptive weights\n"
            "  --normalization N     length (MNE's default) | full (divided by fs: units^2/Hz)\n"
            "  --fmin HZ --fmax HZ   frequencies kept\n\n"
            "aperiodic (Welch PSD of each column, then a FOOOF fit):\n"
            "  --fmin HZ --fmax HZ   fitting range (default: all frequencies > 0)\n"
            "  --mode fixed|knee     aperiodic model (default fixed)\n"
            "  --max-peaks N         at most N Gaussian peaks (default unlimited)\n"
            "  --peak-threshold X    relative threshold in SDs (default 2)\n"
            "  --min-peak-height X   absolute threshold, log10 power (default 0)\n"
            "  --peak-width-limits LO,HI   peak widths in Hz (default 0.5,12)\n"
            "  --freq-col C          the input is already a spectrum: frequencies in\n"
            "                        column C, powers in --cols (default: the others)\n",
            m);
}

typedef struct {
    enum measure m;
    const char *name; /* the measure as typed, for messages */
    char **argv;      /* for naming an option that does not apply */
    double fs;
    long threads;
    int onesided;
    const char *input;
    const char *cols, *xs, *ys, *window, *window_file, *bands;
    cs_welch_params wp;
    int window_kind_set, json, nw_set;
    long nperseg, noverlap, nfft;
    cs_multitaper_params mp;
    double bandwidth;
    cs_aperiodic_params ap;
    long freq_col;
} opts;

/* Parse "lo-hi,lo-hi" into pairs. */
static int parse_bands(const char *cmd, const char *text, double **out, size_t *count)
{
    size_t cap = 8, n = 0;
    double *b = malloc(2 * cap * sizeof *b);
    if (!b)
        return cli_fail(cmd, cs_error_set(CS_ENOMEM, "out of memory"));
    const char *p = text;
    while (*p) {
        char *end;
        double lo = strtod(p, &end);
        if (end == p || *end != '-')
            goto bad;
        p = end + 1;
        double hi = strtod(p, &end);
        if (end == p || (*end && *end != ','))
            goto bad;
        if (!(isfinite(lo) && isfinite(hi) && lo < hi && lo >= 0)) {
            free(b);
            return cli_usage_error(cmd, "--bands: band %g-%g must have 0 <= low < high", lo, hi);
        }
        if (n == cap) {
            double *grown = realloc(b, 2 * (cap *= 2) * sizeof *b);
            if (!grown) {
                free(b);
                return cli_fail(cmd, cs_error_set(CS_ENOMEM, "out of memory"));
            }
            b = grown;
        }
        b[2 * n] = lo;
        b[2 * n + 1] = hi;
        n++;
        p = *end ? end + 1 : end;
    }
    if (n == 0)
        goto bad;
    *out = b;
    *count = n;
    return 0;
bad:
    free(b);
    return cli_usage_error(cmd, "--bands: '%s' is not a list like 4-8,8-13", text);
}

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

static void print_table(FILE *out, const double *f, size_t nf, const double *const *cols,
                        size_t ncols)
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

static void emit_bands(cs_json *j, FILE *out, int json, const double *bands, size_t nb,
                       const double *bp, size_t nch)
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

#define COH_UNDEFINED_NOTE                                                                         \
    "coherence is undefined where x or y has no power (Pxx or Pyy is 0)"

/* Coherence is 0/0 where a signal has no power. A pair with no power at any
 * frequency (a constant column) has no coherence at all: exit 1 naming it.
 * Otherwise *undefined counts the NaN values, which are printed flagged. */
static int check_coherence(const char *cmd, const char *input, const double *coh, size_t nch,
                           size_t nf, const size_t *cx, const size_t *cy, size_t *undefined)
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
            const double v[] = {r[c].exponent, r[c].offset, r[c].knee, r[c].knee_freq,
                                r[c].r_squared, r[c].error};
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

static int on_option(const char *cmd, int code, const char *arg, void *ctx)
{
    opts *o = ctx;
    if (!(allowed(code) & B(o->m)))
        return cli_usage_error(cmd, "option '%s' does not apply to %s", o->argv[optind - 1], o->name);
    double d;
    long l;
    switch (code) {
    case O_INPUT: o->input = arg; break;
    case O_COLS: o->cols = arg; break;
    case O_X: o->xs = arg; break;
    case O_Y: o->ys = arg; break;
    case O_FS:
        if (cli_parse_double(cmd, "--fs", arg, &o->fs))
            return CLI_USAGE;
        if (!(o->fs > 0))
            return cli_usage_error(cmd, "--fs: %g must be > 0", o->fs);
        break;
    case O_NPERSEG: return cli_parse_int(cmd, "--nperseg", arg, 1, 1L << 30, &o->nperseg);
    case O_NOVERLAP: return cli_parse_int(cmd, "--noverlap", arg, 0, 1L << 30, &o->noverlap);
    case O_NFFT: return cli_parse_int(cmd, "--nfft", arg, 1, 1L << 30, &o->nfft);
    case O_WINDOW:
        if (cs_window_parse(arg, &o->wp.window, &o->wp.window_param))
            return cli_usage_error(cmd, "--window: %s", cs_last_error());
        o->window_kind_set = 1;
        break;
    case O_WINDOW_FILE: o->window_file = arg; break;
    case O_DETREND:
        if (!strcmp(arg, "none") || !strcmp(arg, "false"))
            o->wp.detrend = CS_DETREND_NONE;
        else if (!strcmp(arg, "constant"))
            o->wp.detrend = CS_DETREND_CONSTANT;
        else if (!strcmp(arg, "linear"))
            o->wp.detrend = CS_DETREND_LINEAR;
        else
            return cli_usage_error(cmd, "--detrend: '%s' is not none, constant or linear", arg);
        break;
    case O_SCALING:
        if (!strcmp(arg, "density"))
            o->wp.scaling = CS_SCALING_DENSITY;
        else if (!strcmp(arg, "spectrum"))
            o->wp.scaling = CS_SCALING_SPECTRUM;
        else
            return cli_usage_error(cmd, "--scaling: '%s' is not density or spectrum", arg);
        break;
    case O_AVERAGE:
        if (!strcmp(arg, "mean"))
            o->wp.average = CS_AVERAGE_MEAN;
        else if (!strcmp(arg, "median"))
            o->wp.average = CS_AVERAGE_MEDIAN;
        else
            return cli_usage_error(cmd, "--average: '%s' is not mean or median", arg);
        break;
    case O_ONESIDED: o->onesided = 1; break;
    case O_TWOSIDED: o->onesided = 0; break;
    case O_THREADS: return cli_parse_threads(cmd, arg, &o->threads);
    case O_JSON: o->json = 1; break;
    case O_BANDS: o->bands = arg; break;
    case O_NW:
        if (cli_parse_double(cmd, "--nw", arg, &o->mp.nw))
            return CLI_USAGE;
        o->nw_set = 1;
        break;
    case O_BANDWIDTH:
        if (cli_parse_double(cmd, "--bandwidth", arg, &o->bandwidth))
            return CLI_USAGE;
        if (!(o->bandwidth > 0))
            return cli_usage_error(cmd, "--bandwidth: %g must be > 0", o->bandwidth);
        break;
    case O_K:
        if (cli_parse_int(cmd, "--k", arg, 1, 1L << 20, &l))
            return CLI_USAGE;
        o->mp.k = (size_t)l;
        break;
    case O_ADAPTIVE: o->mp.adaptive = 1; break;
    case O_NO_LOW_BIAS: o->mp.low_bias = 0; break;
    case O_NORMALIZATION:
        if (!strcmp(arg, "length"))
            o->mp.normalization = CS_MT_NORM_LENGTH;
        else if (!strcmp(arg, "full"))
            o->mp.normalization = CS_MT_NORM_FULL;
        else
            return cli_usage_error(cmd, "--normalization: '%s' is not length or full", arg);
        break;
    case O_FMIN:
    case O_FMAX:
        if (cli_parse_double(cmd, code == O_FMIN ? "--fmin" : "--fmax", arg, &d))
            return CLI_USAGE;
        if (code == O_FMIN)
            o->mp.fmin = o->ap.fmin = d;
        else
            o->mp.fmax = o->ap.fmax = d;
        break;
    case O_MODE:
        if (!strcmp(arg, "fixed"))
            o->ap.mode = CS_APERIODIC_FIXED;
        else if (!strcmp(arg, "knee"))
            o->ap.mode = CS_APERIODIC_KNEE;
        else
            return cli_usage_error(cmd, "--mode: '%s' is not fixed or knee", arg);
        break;
    case O_MAX_PEAKS:
        if (cli_parse_int(cmd, "--max-peaks", arg, 0, 64, &l))
            return CLI_USAGE;
        o->ap.max_n_peaks = (size_t)l;
        break;
    case O_PEAK_THRESHOLD:
        return cli_parse_double(cmd, "--peak-threshold", arg, &o->ap.peak_threshold);
    case O_MIN_PEAK_HEIGHT:
        return cli_parse_double(cmd, "--min-peak-height", arg, &o->ap.min_peak_height);
    case O_PEAK_WIDTH: {
        char *end;
        double lo = strtod(arg, &end), hi;
        if (end == arg || *end != ',')
            return cli_usage_error(cmd, "--peak-width-limits: '%s' is not LO,HI", arg);
        char *p2 = end + 1;
        hi = strtod(p2, &end);
        if (end == p2 || *end || !(lo > 0 && lo <= hi && isfinite(hi)))
            return cli_usage_error(cmd, "--peak-width-limits: '%s' needs 0 < LO <= HI", arg);
        o->ap.peak_width_min = lo;
        o->ap.peak_width_max = hi;
        break;
    }
    case O_FREQ_COL: return cli_parse_int(cmd, "--freq-col", arg, 0, 1L << 30, &o->freq_col);
    }
    return 0;
}

int cmd_estimate_spectral(int argc, char **argv)
{
    const char *cmd_m = argv[0];
    char cmd[64];
    snprintf(cmd, sizeof cmd, "estimate %s", cmd_m);
    enum measure m = M_PSD;
    for (int i = 0; i < 7; i++)
        if (!strcmp(cmd_m, measure_names[i]))
            m = (enum measure)i;
    if (cli_wants_help(argc, argv)) {
        usage(stdout, cmd_m);
        return CLI_OK;
    }

    opts o;
    memset(&o, 0, sizeof o);
    o.m = m;
    if (m == M_PERIODOGRAM)
        cs_periodogram_params_default(&o.wp);
    else if (m == M_SPECGRAM)
        cs_spectrogram_params_default(&o.wp);
    else
        cs_welch_params_default(&o.wp);
    cs_multitaper_params_default(&o.mp);
    cs_aperiodic_params_default(&o.ap);
    o.nperseg = o.noverlap = o.nfft = -1;
    o.freq_col = -1;
    o.name = cmd_m;
    o.argv = argv;
    o.fs = 1.0;
    o.onesided = 1;

    int rc = cli_getopt(cmd, argc, argv, long_opts, on_option, &o);
    if (rc)
        return rc;
    if (!o.input)
        return cli_usage_error(cmd, "--input FILE is required");
    if (o.window_file && o.window_kind_set)
        return cli_usage_error(cmd, "give --window or --window-file, not both");
    if (o.bandwidth > 0 && o.nw_set)
        return cli_usage_error(cmd, "give --nw or --bandwidth, not both");
    if ((o.xs != NULL) != (o.ys != NULL))
        return cli_usage_error(cmd, "--x and --y go together");
    if (o.xs && o.cols)
        return cli_usage_error(cmd, "give --cols A,B or --x/--y, not both");
    if (m == M_APERIODIC && o.freq_col >= 0 &&
        (o.nperseg >= 0 || o.noverlap >= 0 || o.nfft >= 0 || o.window_kind_set || o.window_file))
        return cli_usage_error(cmd, "--freq-col takes a ready spectrum: Welch options do not apply");

    double *bands = NULL;
    size_t nbands = 0;
    if (o.bands && (rc = parse_bands(cmd, o.bands, &bands, &nbands)))
        return rc;

    cs_status st;
    cs_matrix data = {0}, win = {0};
    est_var vx = {0}, vy = {0};
    double *buf = NULL, *buf2 = NULL, *f = NULL, *t = NULL, *bp = NULL;
    cs_welch_plan *plan = NULL;
    cs_multitaper_plan *mplan = NULL;
    cs_aperiodic_result *ares = NULL;
    size_t nres = 0;

    if ((st = est_table_read(o.input, &data))) {
        rc = cli_fail(cmd, st);
        goto done;
    }
    if (o.window_file) {
        if ((st = est_table_read(o.window_file, &win))) {
            rc = cli_fail(cmd, st);
            goto done;
        }
        if (win.cols != 1) {
            rc = cli_usage_error(cmd, "--window-file %s: expected one column, found %zu",
                                 o.window_file, win.cols);
            goto done;
        }
        o.wp.window = CS_WINDOW_USER;
        o.wp.window_values = win.data;
        o.wp.window_len = win.rows;
    }

    /* Columns: pairs (x[j], y[j]) from --x/--y or a --cols pair (default the
     * two columns of a two-column table), else --cols (default every column
     * but --freq-col). A column the table does not have is found only once the
     * table is read: exit 1, as in every estimate command. */
    int pair = m == M_CSD || m == M_COH;
    vx.file = vy.file = o.input;
    if (pair && o.xs) {
        vx.flag = "--x", vx.text = o.xs;
        vy.flag = "--y", vy.text = o.ys;
        if ((rc = est_var_parse(cmd, &vx)) || (rc = est_var_parse(cmd, &vy)))
            goto done;
        if (vx.ncols != vy.ncols) {
            rc = cli_usage_error(cmd, "--x has %zu columns but --y has %zu (pairs x[j], y[j])",
                                 vx.ncols, vy.ncols);
            goto done;
        }
    } else {
        vx.flag = vy.flag = "--cols", vx.text = o.cols;
        if ((rc = est_var_parse(cmd, &vx)))
            goto done;
        size_t skip = !pair && m == M_APERIODIC && o.freq_col >= 0 && !o.cols ? 1 : 0;
        if (!pair && data.cols <= skip) {
            rc = cli_usage_error(cmd, "%s has no power column besides --freq-col", o.input);
            goto done;
        }
        if (!vx.cols && (st = est_var_default(&vx, data.cols))) {
            rc = cli_fail(cmd, st);
            goto done;
        }
        if (skip) { /* drop the frequency column */
            size_t k = 0;
            for (size_t i = 0; i < vx.ncols; i++)
                if ((long)vx.cols[i] != o.freq_col)
                    vx.cols[k++] = vx.cols[i];
            vx.ncols = k;
        }
        if (pair) { /* the pair (A, B) of --cols A,B: x = A, y = B */
            if (vx.ncols != 2) {
                rc = cli_usage_error(cmd, "%s needs a pair: --cols A,B or --x LIST --y LIST (%s has "
                                          "%zu columns)",
                                     cmd_m, o.input, data.cols);
                goto done;
            }
            if ((st = est_var_default(&vy, 1))) {
                rc = cli_fail(cmd, st);
                goto done;
            }
            vy.cols[0] = vx.cols[1];
            vx.ncols = 1;
        }
    }
    if (o.freq_col >= 0 && (size_t)o.freq_col >= data.cols) {
        cs_error_set(CS_EINVAL, "--freq-col %ld is out of range (%s has %zu columns)", o.freq_col, o.input,
                     data.cols);
        rc = cli_fail(cmd, CS_EINVAL);
        goto done;
    }
    if ((st = est_var_select(&vx, data, 0, 0)) || (pair && (st = est_var_select(&vy, data, 0, 0)))) {
        rc = cli_fail(cmd, st);
        goto done;
    }
    const size_t *cx = vx.cols, *cy = vy.cols;
    size_t ncx = vx.ncols, ncy = vy.ncols;
    cs_matrix X = vx.data, Y = vy.data;
    size_t n = X.rows, nch = X.cols;

    FILE *out = stdout;
    cs_json j;
    cs_json_init(&j, out);

    /* ---- multitaper ---- */
    if (m == M_MULTITAPER) {
        o.mp.fs = o.fs;
        o.mp.threads = (int)o.threads;
        if (o.bandwidth > 0)
            o.mp.nw = o.bandwidth * (double)n / (2.0 * o.fs);
        if ((st = cs_multitaper_plan_create(&o.mp, n, &mplan))) {
            rc = cli_fail(cmd, st);
            goto done;
        }
        size_t nf = cs_multitaper_plan_nfreq(mplan), nt = cs_multitaper_plan_ntapers(mplan), bad = 0;
        f = malloc(nf * sizeof *f);
        buf = malloc(nch * nf * sizeof *buf);
        buf2 = malloc(nt * sizeof *buf2);
        if (!f || !buf || !buf2) {
            rc = cli_fail(cmd, cs_error_set(CS_ENOMEM, "out of memory for %zu x %zu values", nch, nf));
            goto done;
        }
        cs_multitaper_plan_freqs(mplan, f);
        cs_multitaper_plan_eigenvalues(mplan, buf2);
        if ((st = cs_multitaper_psd(mplan, X, buf, &bad))) {
            rc = cli_fail(cmd, st);
            goto done;
        }
        if (o.mp.adaptive && !cs_multitaper_plan_adaptive(mplan))
            fprintf(stderr, "cogscope %s: warning: not combining adaptively: only %zu tapers (< 3)\n",
                    cmd, nt);
        if (bad)
            fprintf(stderr, "cogscope %s: warning: adaptive weights did not converge for %zu column(s)\n",
                    cmd, bad);
        if (nbands) {
            if (!(bp = malloc(nch * nbands * sizeof *bp))) {
                rc = cli_fail(cmd, cs_error_set(CS_ENOMEM, "out of memory"));
                goto done;
            }
            if ((rc = band_powers(cmd, f, buf, nf, nch, bands, nbands, 1, bp)))
                goto done;
        }
        const char *units = o.mp.normalization == CS_MT_NORM_FULL ? "input^2/Hz"
                                                                    : "input^2 per cycle/sample";
        if (o.json) {
            cs_json_begin_object(&j);
            cs_json_kv_string(&j, "measure", "multitaper");
            cs_json_kv_string(&j, "units", units);
            est_json_list(&j, "columns", cx, ncx);
            cs_json_kv_number(&j, "fs", o.fs);
            cs_json_kv_number(&j, "nw", o.mp.nw);
            cs_json_kv_int(&j, "ntapers", (long long)nt);
            cs_json_key(&j, "eigenvalues");
            cs_json_numbers(&j, buf2, nt);
            cs_json_kv_string(&j, "normalization",
                              o.mp.normalization == CS_MT_NORM_FULL ? "full" : "length");
            cs_json_key(&j, "adaptive");
            cs_json_bool(&j, cs_multitaper_plan_adaptive(mplan));
            cs_json_kv_int(&j, "not_converged", (long long)bad);
            cs_json_key(&j, "f");
            cs_json_numbers(&j, f, nf);
            json_per_channel(&j, "psd", buf, nch, nf);
            emit_bands(&j, out, 1, bands, nbands, bp, nch);
            cs_json_end_object(&j);
        } else {
            fprintf(out, "# multitaper PSD (%s), fs %g, NW %g, %zu tapers%s\n# f", units, o.fs, o.mp.nw,
                    nt, cs_multitaper_plan_adaptive(mplan) ? ", adaptive" : "");
            const double **colp = malloc(nch * sizeof *colp);
            if (!colp) {
                rc = cli_fail(cmd, cs_error_set(CS_ENOMEM, "out of memory"));
                goto done;
            }
            for (size_t i = 0; i < nch; i++) {
                fprintf(out, " psd[%zu]", cx[i]);
                colp[i] = buf + i * nf;
            }
            fputc('\n', out);
            print_table(out, f, nf, colp, nch);
            free(colp);
            emit_bands(&j, out, 0, bands, nbands, bp, nch);
        }
        goto done;
    }

    /* ---- aperiodic from a ready spectrum ---- */
    if (m == M_APERIODIC && o.freq_col >= 0) {
        f = malloc(n * sizeof *f);
        buf = malloc(n * sizeof *buf);
        ares = calloc(nch, sizeof *ares);
        if (!f || !buf || !ares) {
            rc = cli_fail(cmd, cs_error_set(CS_ENOMEM, "out of memory"));
            goto done;
        }
        for (size_t i = 0; i < n; i++)
            f[i] = cs_matrix_get(data, i, (size_t)o.freq_col);
        for (size_t c2 = 0; c2 < nch; c2++) {
            for (size_t i = 0; i < n; i++)
                buf[i] = cs_matrix_get(X, i, c2);
            if ((rc = run_aperiodic_one(cmd, f, buf, n, &o.ap, cx[c2], &ares[c2])))
                goto done;
            nres++;
        }
    }

    /* ---- Welch family ---- */
    if (!(m == M_APERIODIC && o.freq_col >= 0)) {
        o.wp.fs = o.fs;
        o.wp.threads = (int)o.threads;
        o.wp.onesided = m == M_APERIODIC || m == M_COH ? 1 : o.onesided;
        o.wp.nperseg = o.nperseg >= 0 ? (size_t)o.nperseg : 0;
        o.wp.noverlap = o.noverlap;
        o.wp.nfft = o.nfft >= 0 ? (size_t)o.nfft : 0;
        st = m == M_PERIODOGRAM ? cs_periodogram_plan_create(&o.wp, n, &plan)
             : m == M_SPECGRAM  ? cs_spectrogram_plan_create(&o.wp, n, &plan)
                                : cs_welch_plan_create(&o.wp, n, &plan);
        if (st) {
            cs_error_prefix("%s: ", o.input);
            rc = cli_fail(cmd, st);
            goto done;
        }
        if (cs_welch_plan_capped(plan))
            fprintf(stderr,
                    "cogscope %s: warning: nperseg = 256 is greater than input length = %zu, using "
                    "nperseg = %zu\n",
                    cmd, n, n);
        size_t nf = cs_welch_plan_nfreq(plan), ns = cs_welch_plan_nsegments(plan);
        f = malloc(nf * sizeof *f);
        cs_welch_plan_freqs(plan, f);
        size_t per = m == M_SPECGRAM ? nf * ns : nf;
        buf = malloc(nch * per * sizeof *buf);
        if (m == M_CSD)
            buf2 = malloc(nch * per * sizeof *buf2);
        if (!f || !buf || (m == M_CSD && !buf2)) {
            rc = cli_fail(cmd, cs_error_set(CS_ENOMEM, "out of memory for %zu x %zu values", nch, per));
            goto done;
        }
        switch (m) {
        case M_CSD: st = cs_welch_csd(plan, X, Y, buf, buf2); break;
        case M_COH: st = cs_welch_coherence(plan, X, Y, buf); break;
        case M_SPECGRAM: st = cs_welch_spectrogram(plan, X, buf); break;
        default: st = cs_welch_psd(plan, X, buf); break;
        }
        if (st) {
            cs_error_prefix("%s: ", o.input);
            rc = cli_fail(cmd, st);
            goto done;
        }
        size_t coh_undefined = 0; /* NaN values of the coherence: no power in x or y there */
        if (m == M_COH && (rc = check_coherence(cmd, o.input, buf, nch, nf, cx, cy, &coh_undefined)))
            goto done;
        if (m == M_APERIODIC) {
            if (!(ares = calloc(nch, sizeof *ares))) {
                rc = cli_fail(cmd, cs_error_set(CS_ENOMEM, "out of memory"));
                goto done;
            }
            for (size_t c2 = 0; c2 < nch; c2++) {
                if ((rc = run_aperiodic_one(cmd, f, buf + c2 * nf, nf, &o.ap, cx[c2], &ares[c2])))
                    goto done;
                nres++;
            }
        } else {
            if (nbands) {
                if (!(bp = malloc(nch * nbands * sizeof *bp))) {
                    rc = cli_fail(cmd, cs_error_set(CS_ENOMEM, "out of memory"));
                    goto done;
                }
                if ((rc = band_powers(cmd, f, buf, nf, nch, bands, nbands, o.wp.onesided, bp)))
                    goto done;
            }
            const char *units = m == M_COH ? "dimensionless"
                                : o.wp.scaling == CS_SCALING_DENSITY ? "input^2/Hz"
                                                                     : "input^2";
            if (o.json) {
                cs_json_begin_object(&j);
                cs_json_kv_string(&j, "measure", cmd_m);
                cs_json_kv_string(&j, "units", units);
                if (pair) {
                    est_json_list(&j, "x", cx, ncx);
                    est_json_list(&j, "y", cy, ncy);
                } else {
                    est_json_list(&j, "columns", cx, ncx);
                }
                json_welch_params(&j, plan, &o.wp);
                if (m != M_COH) {
                    cs_json_kv_string(&j, "scaling",
                                      o.wp.scaling == CS_SCALING_DENSITY ? "density" : "spectrum");
                    cs_json_key(&j, "onesided");
                    cs_json_bool(&j, o.wp.onesided);
                }
                if (m == M_PSD || m == M_CSD)
                    cs_json_kv_string(&j, "average",
                                      o.wp.average == CS_AVERAGE_MEAN ? "mean" : "median");
                if (cs_welch_plan_capped(plan) || coh_undefined) {
                    cs_json_key(&j, "warnings");
                    cs_json_begin_array(&j);
                    if (cs_welch_plan_capped(plan))
                        cs_json_string(&j, "nperseg = 256 is greater than input length; using the "
                                           "input length");
                    if (coh_undefined)
                        cs_json_string(&j, COH_UNDEFINED_NOTE);
                    cs_json_end_array(&j);
                }
                cs_json_key(&j, "f");
                cs_json_numbers(&j, f, nf);
                if (m == M_SPECGRAM) {
                    if (!(t = malloc(ns * sizeof *t))) {
                        rc = cli_fail(cmd, cs_error_set(CS_ENOMEM, "out of memory"));
                        goto done;
                    }
                    cs_welch_plan_times(plan, t);
                    cs_json_key(&j, "t");
                    cs_json_numbers(&j, t, ns);
                    cs_json_key(&j, "spectrogram");
                    if (nch > 1)
                        cs_json_begin_array(&j);
                    for (size_t c2 = 0; c2 < nch; c2++) {
                        cs_json_begin_array(&j);
                        for (size_t k = 0; k < nf; k++)
                            cs_json_numbers(&j, buf + (c2 * nf + k) * ns, ns);
                        cs_json_end_array(&j);
                    }
                    if (nch > 1)
                        cs_json_end_array(&j);
                } else if (m == M_CSD) {
                    json_per_channel(&j, "re", buf, nch, nf);
                    json_per_channel(&j, "im", buf2, nch, nf);
                } else {
                    json_per_channel(&j, m == M_COH ? "coherence" : "psd", buf, nch, nf);
                }
                emit_bands(&j, out, 1, bands, nbands, bp, nch);
                cs_json_end_object(&j);
            } else {
                fprintf(out, "# %s (%s), fs %g, %s window, nperseg %zu, noverlap %zu, nfft %zu, %zu "
                             "segments\n",
                        cmd_m, units, o.fs, cs_window_name(o.wp.window), cs_welch_plan_nperseg(plan),
                        cs_welch_plan_noverlap(plan), cs_welch_plan_nfft(plan), ns);
                if (m == M_SPECGRAM) {
                    if (!(t = malloc(ns * sizeof *t))) {
                        rc = cli_fail(cmd, cs_error_set(CS_ENOMEM, "out of memory"));
                        goto done;
                    }
                    cs_welch_plan_times(plan, t);
                    for (size_t c2 = 0; c2 < nch; c2++) {
                        fprintf(out, "%s# column %zu; rows: f, then the power at t =", c2 ? "\n" : "",
                                cx[c2]);
                        for (size_t s = 0; s < ns; s++)
                            fprintf(out, " %.10g", t[s]);
                        fputc('\n', out);
                        for (size_t k = 0; k < nf; k++) {
                            fprintf(out, "%.10g", f[k]);
                            for (size_t s = 0; s < ns; s++)
                                fprintf(out, " %.10g", buf[(c2 * nf + k) * ns + s]);
                            fputc('\n', out);
                        }
                    }
                } else {
                    if (coh_undefined)
                        fprintf(out, "# warning: %zu value%s undefined (nan): %s\n", coh_undefined,
                                coh_undefined == 1 ? "" : "s", COH_UNDEFINED_NOTE);
                    fprintf(out, "# f");
                    for (size_t c2 = 0; c2 < nch; c2++) {
                        if (m == M_CSD)
                            fprintf(out, " re[%zu,%zu] im[%zu,%zu]", cx[c2], cy[c2], cx[c2], cy[c2]);
                        else if (m == M_COH)
                            fprintf(out, " coh[%zu,%zu]", cx[c2], cy[c2]);
                        else
                            fprintf(out, " psd[%zu]", cx[c2]);
                    }
                    fputc('\n', out);
                    for (size_t k = 0; k < nf; k++) {
                        fprintf(out, "%.10g", f[k]);
                        for (size_t c2 = 0; c2 < nch; c2++) {
                            if (isnan(buf[c2 * nf + k]))
                                fputs(" nan", out); /* not "-nan": the sign of a NaN means nothing */
                            else
                                fprintf(out, " %.10g", buf[c2 * nf + k]);
                            if (m == M_CSD)
                                fprintf(out, " %.10g", buf2[c2 * nf + k]);
                        }
                        fputc('\n', out);
                    }
                    emit_bands(&j, out, 0, bands, nbands, bp, nch);
                }
            }
            goto done;
        }
    }

    /* ---- aperiodic output ---- */
    if (o.json) {
        cs_json_begin_object(&j);
        cs_json_kv_string(&j, "measure", "aperiodic");
        cs_json_kv_string(&j, "units", "log10(power)");
        est_json_list(&j, "columns", cx, ncx);
        cs_json_kv_string(&j, "mode", o.ap.mode == CS_APERIODIC_KNEE ? "knee" : "fixed");
        cs_json_kv_number(&j, "fmin", ares[0].freqs[0]);
        cs_json_kv_number(&j, "fmax", ares[0].freqs[ares[0].nfit - 1]);
        if (plan) {
            cs_json_key(&j, "welch");
            cs_json_begin_object(&j);
            json_welch_params(&j, plan, &o.wp);
            cs_json_end_object(&j);
        }
        json_aperiodic(&j, ares, nch);
        cs_json_end_object(&j);
    } else {
        for (size_t c2 = 0; c2 < nch; c2++) {
            const cs_aperiodic_result *r = &ares[c2];
            fprintf(out, "column %zu (%s fit over %g-%g Hz, %zu frequencies)\n", cx[c2],
                    o.ap.mode == CS_APERIODIC_KNEE ? "knee" : "fixed", r->freqs[0],
                    r->freqs[r->nfit - 1], r->nfit);
            fprintf(out, "  exponent  %.6g\n  offset    %.6g\n", r->exponent, r->offset);
            if (o.ap.mode == CS_APERIODIC_KNEE)
                fprintf(out, "  knee      %.6g (knee frequency %.6g Hz)\n", r->knee, r->knee_freq);
            fprintf(out, "  r_squared %.6g\n  error     %.6g (mean absolute, log10 power)\n",
                    r->r_squared, r->error);
            fprintf(out, "  peaks     %zu%s\n", r->n_peaks, r->n_peaks ? " (center Hz, power, width Hz)" : "");
            for (size_t p = 0; p < r->n_peaks; p++)
                fprintf(out, "    %.6g %.6g %.6g\n", r->peaks[p].center, r->peaks[p].power,
                        r->peaks[p].width);
        }
    }

done:
    cs_welch_plan_destroy(plan);
    cs_multitaper_plan_destroy(mplan);
    for (size_t i = 0; i < nres; i++)
        cs_aperiodic_result_free(&ares[i]);
    free(ares);
    cs_matrix_free(&data);
    cs_matrix_free(&win);
    est_var_free(&vx);
    est_var_free(&vy);
    free(buf), free(buf2), free(f), free(t), free(bp), free(bands);
    return rc;
}
