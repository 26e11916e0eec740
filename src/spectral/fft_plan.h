/* Process-wide set-up of FFTW and GSL, and FFTW planning, for src/spectral.
 * FFTW's planner keeps global state and is
 * not thread-safe (executing a finished plan is). spectral_fftw_setup()
 * has FFTW lock its own planner (fftw_make_planner_thread_safe, FFTW >=
 * 3.3.5): every fftw_plan_* and fftw_destroy_plan in the process is then
 * serialised by FFTW, so cogscope calls may plan spectra from several
 * threads at once, and so may any other code in the process that uses FFTW
 * (a lock of our own would not protect against that code). Internal. */
#ifndef COGSCOPE_SPECTRAL_FFT_PLAN_H
#define COGSCOPE_SPECTRAL_FFT_PLAN_H

#include <stddef.h>

#include <fftw3.h>

/* Make FFTW's planner thread-safe, once per process; call before planning. */
void spectral_fftw_setup(void);

/* Switch GSL's abort-on-error handler off, once per process, before the
 * first GSL call of an entry point: GSL errors then come back as status
 * codes, which become cs_status (the library never aborts). */
void spectral_gsl_setup(void);

/* An FFTW_ESTIMATE real-to-complex plan of n points, made on scratch arrays
 * and executed with fftw_execute_dft_r2c on fftw_malloc'd arrays (same
 * alignment): NULL if FFTW cannot plan it. FFTW_ESTIMATE picks the algorithm
 * without timing runs, so the plan (and the last bits of every result) are
 * the same on every run. Free with fftw_destroy_plan. */
fftw_plan spectral_plan_r2c(size_t n);

#endif
