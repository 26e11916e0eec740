/* cogscope estimate psd|csd|coherence|periodogram|spectrogram|multitaper|
 * aperiodic: what the option parsing and column selection
 * (estimate_spectral.c) hand to the computations and writers
 * (estimate_spectral_run.c). */
#ifndef COGSCOPE_ESTIMATE_SPECTRAL_H
#define COGSCOPE_ESTIMATE_SPECTRAL_H

#include <stdio.h>

#include "estimate_common.h"
#include "cogscope/aperiodic.h"
#include "cogscope/json.h"
#include "cogscope/multitaper.h"
#include "cogscope/spectral.h"

enum spectral_measure { M_PSD, M_CSD, M_COH, M_PERIODOGRAM, M_SPECGRAM, M_MULTITAPER, M_APERIODIC };

/* The options (estimate_spectral.c's table fills them). */
typedef struct {
    double fs;
    long threads;
    int onesided, json;
    const char *input, *cols, *xs, *ys, *window_file, *bands;
    long nperseg, noverlap, nfft; /* -1: not given */
    cs_welch_params wp;
    cs_multitaper_params mp;
    double bandwidth; /* 0: not given */
    cs_aperiodic_params ap;
    long freq_col; /* -1: not given */
} spectral_opts;

/* One run of the command: options, inputs, and the results to free. */
typedef struct {
    enum spectral_measure m;
    const char *name; /* the measure as typed ("psd") */
    const char *cmd;  /* "estimate psd", for messages */
    spectral_opts o;
    double *bands; /* --bands pairs (lo, hi) */
    size_t nbands;
    cs_matrix data, win; /* the input table; the --window-file values */
    est_var vx, vy;      /* the columns (x) and, for csd/coherence, their partners (y) */
    int pair;            /* csd or coherence */
    FILE *out;
    cs_json j;
    double *buf, *buf2, *f, *t, *bp; /* spectra, frequencies, times, band powers */
    cs_welch_plan *plan;
    cs_multitaper_plan *mplan;
    cs_aperiodic_result *ares;
    size_t nres; /* ares filled */
} spectral_job;

/* The computations and writers (estimate_spectral_run.c); each returns the
 * exit code. */
int spectral_multitaper(spectral_job *J);
int spectral_welch(spectral_job *J);
/* Fit every column's spectrum: the Welch PSD in J->buf (nf values per
 * column, J->plan set), or with --freq-col (no plan) the table itself. */
int spectral_aperiodic_fit(spectral_job *J, size_t nf);
void spectral_aperiodic_write(spectral_job *J);

#endif
