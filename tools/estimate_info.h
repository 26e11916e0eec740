/* cogscope estimate entropy|mi|cmi|te|ais: what the option parsing and
 * checks (estimate_info.c) hand to the computation and output
 * (estimate_info_run.c). */
#ifndef COGSCOPE_ESTIMATE_INFO_H
#define COGSCOPE_ESTIMATE_INFO_H

#include "estimate_common.h"
#include "cogscope/info.h"

/* One run: the options, then what was read and computed. */
typedef struct {
    const char *name; /* the measure as typed */
    cs_info_measure measure;
    est_opts eo;
    est_var vx, vy, vz; /* --x, --y, --z (and their --*-input files) */
    const char *past_text, *local_path, *pairs_text;
    long knn, theiler, hist, shist, delay, htau, stau, chist, cdelay;
    uint64_t nsurr, seed, n_cov;
    double noise; /* -1: the library's default */
    int normalize, analytic, force, gc_mixture;
    int discrete[3]; /* --x/--y/--z-discrete */
    cli_args args;
    /* the run */
    cs_info_params p;
    cs_info *calc;
    size_t *past, npast, *zrows; /* --cov te: the destination-past rows; past + --z */
    est_tables tables;
    cs_matrix cov;
    double *local;
    double value;
    cs_info_significance sig;
    cs_info_chi2 chi2;
} info_job;

/* Set up J->calc from --cov or from the samples, after the checks of
 * estimate_info.c; then compute (average, --local, --surrogates,
 * --analytic) and print. Each returns the exit code. */
int info_setup(info_job *J);
int info_run(info_job *J);
void info_job_free(info_job *J);

#endif
