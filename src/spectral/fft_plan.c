/* FFTW and GSL set-up and FFTW planning for src/spectral (see fft_plan.h). */
#include "fft_plan.h"

#include <pthread.h>

#include <gsl/gsl_errno.h>

/* FFTW's planner lock comes from libfftw3_threads, the pthreads build: in
 * the OpenMP build (libfftw3_omp) fftw_make_planner_thread_safe installs no
 * lock at all, so the library must link fftw3_threads (CMakeLists.txt). The
 * once-flags are the only process-wide state here; they exist because FFTW's
 * planner is global. */
static pthread_once_t planner_once = PTHREAD_ONCE_INIT;

void spectral_fftw_setup(void) { pthread_once(&planner_once, fftw_make_planner_thread_safe); }

static pthread_once_t gsl_once = PTHREAD_ONCE_INIT;

static void gsl_handler_off(void) { gsl_set_error_handler_off(); }

void spectral_gsl_setup(void) { pthread_once(&gsl_once, gsl_handler_off); }

fftw_plan spectral_plan_r2c(size_t n)
{
    spectral_fftw_setup();
    fftw_plan plan = NULL;
    double *in = fftw_malloc(n * sizeof *in);
    fftw_complex *out = fftw_malloc((n / 2 + 1) * sizeof *out);
    if (in && out)
        plan = fftw_plan_dft_r2c_1d((int)n, in, out, FFTW_ESTIMATE);
    fftw_free(in);
    fftw_free(out);
    return plan;
}
