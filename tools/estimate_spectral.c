/* cogscope estimate psd|csd|coherence|periodogram|spectrogram|multitaper|aperiodic
 *
 * Spectra of the columns of a table (text or FILE.h5:/dataset, samples x
 * columns) with scipy.signal's options and defaults (Welch family), MNE's
 * (multitaper) and FOOOF's (aperiodic). This file holds the option table and
 * picks the columns; estimate_spectral_run.c computes and writes. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "commands.h"
#include "estimate_spectral.h"

static const char *const measure_names[] = {"psd",         "csd",        "coherence", "periodogram",
                                            "spectrogram", "multitaper", "aperiodic"};

/* Which measures an option applies to (bit per measure). */
#define B(m) (1u << (m))
#define WELCHISH (B(M_PSD) | B(M_CSD) | B(M_COH) | B(M_SPECGRAM) | B(M_APERIODIC))
#define PAIRS (B(M_CSD) | B(M_COH))
#define SIDED (B(M_PSD) | B(M_CSD) | B(M_PERIODOGRAM) | B(M_SPECGRAM))
#define MT B(M_MULTITAPER)
#define AP B(M_APERIODIC)

#define O(member) offsetof(spectral_opts, member)

static int parse_window(const char *cmd, const cli_opt *o, const char *arg, void *f, void *all)
{
    spectral_opts *so = all;
    (void)o, (void)f;
    if (cs_window_parse(arg, &so->wp.window, &so->wp.window_param))
        return cli_usage_error(cmd, "--window: %s", cs_last_error());
    return 0;
}

/* --fmin/--fmax: the frequencies multitaper keeps and aperiodic fits. */
static int parse_frange(const char *cmd, const cli_opt *o, const char *arg, void *f, void *all)
{
    spectral_opts *so = all;
    double d;
    (void)f;
    char flag[16];
    snprintf(flag, sizeof flag, "--%s", o->name);
    if (cli_parse_double(cmd, flag, arg, &d))
        return CLI_USAGE;
    if (!strcmp(o->name, "fmin"))
        so->mp.fmin = so->ap.fmin = d;
    else
        so->mp.fmax = so->ap.fmax = d;
    return 0;
}

static int parse_peak_width(const char *cmd, const cli_opt *o, const char *arg, void *f, void *all)
{
    spectral_opts *so = all;
    (void)o, (void)f;
    char *end;
    double lo = strtod(arg, &end), hi;
    if (end == arg || *end != ',')
        return cli_usage_error(cmd, "--peak-width-limits: '%s' is not LO,HI", arg);
    char *p2 = end + 1;
    hi = strtod(p2, &end);
    if (end == p2 || *end || !(lo > 0 && lo <= hi && isfinite(hi)))
        return cli_usage_error(cmd, "--peak-width-limits: '%s' needs 0 < LO <= HI", arg);
    so->ap.peak_width_min = lo;
    so->ap.peak_width_max = hi;
    return 0;
}

static const cli_choice detrends[] = {{"none", CS_DETREND_NONE},
                                      {"false", CS_DETREND_NONE},
                                      {"constant", CS_DETREND_CONSTANT},
                                      {"linear", CS_DETREND_LINEAR},
                                      {NULL, 0}};
static const cli_choice scalings[] = {{"density", CS_SCALING_DENSITY}, {"spectrum", CS_SCALING_SPECTRUM}, {NULL, 0}};
static const cli_choice averages[] = {{"mean", CS_AVERAGE_MEAN}, {"median", CS_AVERAGE_MEDIAN}, {NULL, 0}};
static const cli_choice norms[] = {{"length", CS_MT_NORM_LENGTH}, {"full", CS_MT_NORM_FULL}, {NULL, 0}};
static const cli_choice modes[] = {{"fixed", CS_APERIODIC_FIXED}, {"knee", CS_APERIODIC_KNEE}, {NULL, 0}};

static const cli_opt opts[] = {
    {"input", CLI_FILE, O(input), "FILE", .help = "the table (required)"},
    {"cols", CLI_COLS, O(cols), "LIST", .help = "0-based columns, e.g. 0,2 or 0-3 (default: all)"},
    {"x", CLI_COLS, O(xs), "LIST", .only = PAIRS,
     .help = "csd/coherence: pairs (x[j], y[j]) with --y; or --cols A,B"},
    {"y", CLI_COLS, O(ys), "LIST", .only = PAIRS, .help = "csd/coherence: the partners of --x"},
    {"fs", CLI_DOUBLE, O(fs), "HZ", .min = 0, .range = CLI_MIN | CLI_MIN_OPEN,
     .help = "sampling frequency (default 1)"},
    {"nperseg", CLI_INT, O(nperseg), "N", .min = 1, .max = 1L << 30, .only = WELCHISH,
     .help = "segment length (default 256, capped at the series\n"
             "length with a warning; an explicit N > length is an error)"},
    {"noverlap", CLI_INT, O(noverlap), "N", .min = 0, .max = 1L << 30, .only = WELCHISH,
     .help = "overlap (default nperseg/2; spectrogram nperseg/8)"},
    {"nfft", CLI_INT, O(nfft), "N", .min = 1, .max = 1L << 30, .only = WELCHISH | B(M_PERIODOGRAM),
     .help = "FFT length >= nperseg, zero padding (default nperseg)"},
    {"window", CLI_CUSTOM, 0, "NAME", .parse = parse_window, .only = WELCHISH | B(M_PERIODOGRAM),
     .help = "hann (default), hamming, blackman, boxcar, bartlett,\n"
             "flattop, tukey[:alpha] (spectrogram: tukey:0.25;\n"
             "periodogram: boxcar)"},
    {"window-file", CLI_FILE, O(window_file), "FILE", .only = WELCHISH | B(M_PERIODOGRAM),
     .help = "a user window: one value per line (nperseg values)"},
    {"detrend", CLI_ENUM, O(wp.detrend), "D", .choices = detrends, .only = WELCHISH | B(M_PERIODOGRAM),
     .help = "none | constant (default) | linear, per segment"},
    {"scaling", CLI_ENUM, O(wp.scaling), "S", .choices = scalings, .only = SIDED,
     .help = "density (units^2/Hz, default) | spectrum (units^2)"},
    {"average", CLI_ENUM, O(wp.average), "A", .choices = averages, .only = B(M_PSD) | B(M_CSD) | AP,
     .help = "mean (default) | median (bias-corrected)"},
    {"onesided", CLI_FLAG, O(onesided), NULL, .only = SIDED, .help = "one-sided frequency layout (the default)"},
    {"twosided", CLI_CLEAR, O(onesided), NULL, .only = SIDED, .help = "two-sided frequency layout"},
    {"bands", CLI_STRING, O(bands), "LIST", .only = B(M_PSD) | B(M_PERIODOGRAM) | MT,
     .help = "psd/periodogram/multitaper: band powers, e.g. 4-8,8-13\n"
             "(trapezoidal integral of the PSD over each band)"},
    {"threads", CLI_INT, O(threads), "N", .min = 0, .max = CLI_MAX_THREADS,
     .help = "OpenMP threads over columns (0, the default: all cores)"},
    {"json", CLI_FLAG, O(json), NULL, .help = "one JSON object on stdout"},
    {.name = "\nmultitaper:", .type = CLI_SECTION},
    {"nw", CLI_DOUBLE, O(mp.nw), "X", .only = MT, .help = "time-half-bandwidth NW (default 4)"},
    {"bandwidth", CLI_DOUBLE, O(bandwidth), "HZ", .min = 0, .range = CLI_MIN | CLI_MIN_OPEN, .only = MT,
     .help = "MNE's bandwidth: NW = HZ * n / (2 fs)"},
    {"k", CLI_SIZE, O(mp.k), "K", .min = 1, .max = 1L << 20, .only = MT,
     .help = "tapers computed (default floor(2 NW))"},
    {"no-low-bias", CLI_CLEAR, O(mp.low_bias), NULL, .only = MT, .help = "keep tapers with concentration <= 0.9 too"},
    {"adaptive", CLI_FLAG, O(mp.adaptive), NULL, .only = MT, .help = "Thomson's adaptive weights"},
    {"normalization", CLI_ENUM, O(mp.normalization), "N", .choices = norms, .only = MT,
     .help = "length (MNE's default) | full (divided by fs: units^2/Hz)"},
    {"fmin", CLI_CUSTOM, 0, "HZ", .parse = parse_frange, .only = MT | AP,
     .help = "lowest frequency kept (multitaper) or fitted (aperiodic;\n"
             "default: all frequencies > 0)"},
    {"fmax", CLI_CUSTOM, 0, "HZ", .parse = parse_frange, .only = MT | AP, .help = "highest frequency kept or fitted"},
    {.name = "\naperiodic (Welch PSD of each column, then a FOOOF fit):", .type = CLI_SECTION},
    {"mode", CLI_ENUM, O(ap.mode), "fixed|knee", .choices = modes, .only = AP,
     .help = "aperiodic model (default fixed)"},
    {"max-peaks", CLI_SIZE, O(ap.max_n_peaks), "N", .min = 0, .max = 64, .only = AP,
     .help = "at most N Gaussian peaks (default unlimited)"},
    {"peak-threshold", CLI_DOUBLE, O(ap.peak_threshold), "X", .only = AP,
     .help = "relative threshold in SDs (default 2)"},
    {"min-peak-height", CLI_DOUBLE, O(ap.min_peak_height), "X", .only = AP,
     .help = "absolute threshold, log10 power (default 0)"},
    {"peak-width-limits", CLI_CUSTOM, 0, "LO,HI", .parse = parse_peak_width, .only = AP,
     .help = "peak widths in Hz (default 0.5,12)"},
    {"freq-col", CLI_INT, O(freq_col), "C", .min = 0, .max = 1L << 30, .only = AP,
     .help = "the input is already a spectrum: frequencies in\n"
             "column C, powers in --cols (default: the others)"},
    {0},
};

static const cli_command spec_template = {
    .usage = "usage: cogscope estimate %s --input FILE [OPTIONS]\n\n"
             "Spectra of table columns (text, or FILE.h5:/dataset; samples x columns).\n"
             "Defaults and semantics are scipy.signal's (psd = welch, csd, coherence,\n"
             "periodogram, spectrogram), MNE's psd_array_multitaper (multitaper) and\n"
             "FOOOF's (aperiodic). See docs/spectral.md.\n\n",
    .opts = opts,
};

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

/* The options of measure J->m into J->o, with the checks between them.
 * Returns -1 to go on, else the exit code. */
static int spectral_parse(spectral_job *J, int argc, char **argv)
{
    spectral_opts *o = &J->o;
    if (J->m == M_PERIODOGRAM)
        cs_periodogram_params_default(&o->wp);
    else if (J->m == M_SPECGRAM)
        cs_spectrogram_params_default(&o->wp);
    else
        cs_welch_params_default(&o->wp);
    cs_multitaper_params_default(&o->mp);
    cs_aperiodic_params_default(&o->ap);
    o->nperseg = o->noverlap = o->nfft = -1;
    o->freq_col = -1;
    o->fs = 1.0;
    o->onesided = 1;
    cli_command spec = spec_template;
    spec.cmd = J->cmd;
    spec.variant = B(J->m);
    spec.variant_name = J->name;
    cli_args a;
    int rc = cli_parse(&spec, argc, argv, o, &a);
    if (rc >= 0)
        return rc;
    const char *cmd = J->cmd;
    if (!o->input)
        return cli_usage_error(cmd, "--input FILE is required");
    if (o->window_file && cli_given(&a, "window"))
        return cli_usage_error(cmd, "give --window or --window-file, not both");
    if (o->bandwidth > 0 && cli_given(&a, "nw"))
        return cli_usage_error(cmd, "give --nw or --bandwidth, not both");
    if ((o->xs != NULL) != (o->ys != NULL))
        return cli_usage_error(cmd, "--x and --y go together");
    if (o->xs && o->cols)
        return cli_usage_error(cmd, "give --cols A,B or --x/--y, not both");
    if (J->m == M_APERIODIC && o->freq_col >= 0 &&
        (o->nperseg >= 0 || o->noverlap >= 0 || o->nfft >= 0 || cli_given(&a, "window") || o->window_file))
        return cli_usage_error(cmd, "--freq-col takes a ready spectrum: Welch options do not apply");
    if (o->bands && (rc = parse_bands(cmd, o->bands, &J->bands, &J->nbands)))
        return rc;
    return -1;
}

/* The table and the --window-file values. */
static int read_inputs(spectral_job *J)
{
    cs_status st;
    if ((st = est_table_read(J->o.input, &J->data)))
        return cli_fail(J->cmd, st);
    if (!J->o.window_file)
        return 0;
    if ((st = est_table_read(J->o.window_file, &J->win)))
        return cli_fail(J->cmd, st);
    if (J->win.cols != 1)
        return cli_usage_error(J->cmd, "--window-file %s: expected one column, found %zu", J->o.window_file,
                               J->win.cols);
    J->o.wp.window = CS_WINDOW_USER;
    J->o.wp.window_values = J->win.data;
    J->o.wp.window_len = J->win.rows;
    return 0;
}

/* csd/coherence pairs from --x/--y. */
static int pairs_from_lists(spectral_job *J)
{
    est_var *vx = &J->vx, *vy = &J->vy;
    int rc;
    vx->flag = "--x", vx->text = J->o.xs;
    vy->flag = "--y", vy->text = J->o.ys;
    if ((rc = est_var_parse(J->cmd, vx)) || (rc = est_var_parse(J->cmd, vy)))
        return rc;
    if (vx->ncols != vy->ncols)
        return cli_usage_error(J->cmd, "--x has %zu columns but --y has %zu (pairs x[j], y[j])", vx->ncols,
                               vy->ncols);
    return 0;
}

/* --cols (default every column but --freq-col); for a pair measure the pair
 * (A, B) of --cols A,B, by default the two columns of a two-column table. */
static int columns_from_cols(spectral_job *J)
{
    est_var *vx = &J->vx, *vy = &J->vy;
    const spectral_opts *o = &J->o;
    cs_status st;
    int rc;
    vx->flag = vy->flag = "--cols", vx->text = o->cols;
    if ((rc = est_var_parse(J->cmd, vx)))
        return rc;
    size_t skip = !J->pair && J->m == M_APERIODIC && o->freq_col >= 0 && !o->cols ? 1 : 0;
    if (!J->pair && J->data.cols <= skip)
        return cli_usage_error(J->cmd, "%s has no power column besides --freq-col", o->input);
    if (!vx->cols && (st = est_var_default(vx, J->data.cols)))
        return cli_fail(J->cmd, st);
    if (skip) { /* drop the frequency column */
        size_t k = 0;
        for (size_t i = 0; i < vx->ncols; i++)
            if ((long)vx->cols[i] != o->freq_col)
                vx->cols[k++] = vx->cols[i];
        vx->ncols = k;
    }
    if (!J->pair)
        return 0;
    if (vx->ncols != 2)
        return cli_usage_error(J->cmd, "%s needs a pair: --cols A,B or --x LIST --y LIST (%s has %zu columns)",
                               J->name, o->input, J->data.cols);
    if ((st = est_var_default(vy, 1)))
        return cli_fail(J->cmd, st);
    vy->cols[0] = vx->cols[1];
    vx->ncols = 1;
    return 0;
}

/* The columns into J->vx (and J->vy). A column the table does not have is
 * found only once the table is read: exit 1, as in every estimate command. */
static int select_columns(spectral_job *J)
{
    J->pair = J->m == M_CSD || J->m == M_COH;
    J->vx.file = J->vy.file = J->o.input;
    int rc = J->pair && J->o.xs ? pairs_from_lists(J) : columns_from_cols(J);
    if (rc)
        return rc;
    if (J->o.freq_col >= 0 && (size_t)J->o.freq_col >= J->data.cols) {
        cs_error_set(CS_EINVAL, "--freq-col %ld is out of range (%s has %zu columns)", J->o.freq_col, J->o.input,
                     J->data.cols);
        return cli_fail(J->cmd, CS_EINVAL);
    }
    cs_status st;
    if ((st = est_var_select(&J->vx, J->data, 0, 0)) || (J->pair && (st = est_var_select(&J->vy, J->data, 0, 0))))
        return cli_fail(J->cmd, st);
    return 0;
}

static void job_free(spectral_job *J)
{
    cs_welch_plan_destroy(J->plan);
    cs_multitaper_plan_destroy(J->mplan);
    for (size_t i = 0; i < J->nres; i++)
        cs_aperiodic_result_free(&J->ares[i]);
    free(J->ares);
    cs_matrix_free(&J->data);
    cs_matrix_free(&J->win);
    est_var_free(&J->vx);
    est_var_free(&J->vy);
    free(J->buf), free(J->buf2), free(J->f), free(J->t), free(J->bp), free(J->bands);
}

int cmd_estimate_spectral(int argc, char **argv)
{
    spectral_job J;
    memset(&J, 0, sizeof J);
    char cmd[64];
    snprintf(cmd, sizeof cmd, "estimate %s", argv[0]);
    J.cmd = cmd;
    J.name = argv[0];
    J.m = M_PSD;
    for (int i = 0; i < 7; i++)
        if (!strcmp(J.name, measure_names[i]))
            J.m = (enum spectral_measure)i;
    int rc = spectral_parse(&J, argc, argv);
    if (rc < 0 && !(rc = read_inputs(&J)) && !(rc = select_columns(&J))) {
        J.out = stdout;
        cs_json_init(&J.j, J.out);
        if (J.m == M_MULTITAPER)
            rc = spectral_multitaper(&J);
        else if (J.m == M_APERIODIC && J.o.freq_col >= 0) {
            if (!(rc = spectral_aperiodic_fit(&J, 0)))
                spectral_aperiodic_write(&J);
        } else
            rc = spectral_welch(&J);
    }
    job_free(&J);
    return rc;
}
