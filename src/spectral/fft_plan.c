/* FFTW planning for src/spectral (see fft_plan.h). */
#include "fft_plan.h"

#include <pthread.h>

/* FFTW's planner lock comes from libfftw3_threads, the pthreads build: in
 * the OpenMP build (libfftw3_omp) fftw_make_planner_thread_safe installs no
 * lock at all, so the library must link fftw3_threads (CMakeLists.txt). The
 * once-flag is the only process-wide state here; it exists because FFTW's
 * planner is global. */
static pthread_once_t planner_once = PTHREAD_ONCE_INIT;

void cs_spectral_fftw_init(void) { pthread_once(&planner_once, fftw_make_planner_thread_safe); }

fftw_plan cs_spectral_plan_r2c(size_t n)
{
    cs_spectral_fftw_init();
    fftw_plan plan = NULL;
    double *in = fftw_malloc(n * sizeof *in);
    fftw_complex *out = fftw_malloc((n / 2 + 1) * sizeof *out);
    if (in && out)
        plan = fftw_plan_dft_r2c_1d((int)n, in, out, FFTW_ESTIMATE);
    fftw_free(in);
    fftw_free(out);
    return plan;
}
