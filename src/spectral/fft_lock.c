/* The one process-wide lock around FFTW's planner (see fft_lock.h). It is the
 * only shared mutable state in src/spectral and exists because FFTW's planner
 * is global. */
#include "fft_lock.h"

#include <pthread.h>

static pthread_mutex_t planner_lock = PTHREAD_MUTEX_INITIALIZER;

void cs_spectral_fftw_lock(void) { pthread_mutex_lock(&planner_lock); }
void cs_spectral_fftw_unlock(void) { pthread_mutex_unlock(&planner_lock); }
