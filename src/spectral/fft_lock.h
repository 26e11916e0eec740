/* FFTW's planner keeps global state and is not thread-safe; execution of a
 * finished plan is. Every cogscope call that creates or destroys an FFTW plan
 * holds this lock, so two threads may plan spectra at the same time. Internal
 * to src/spectral. */
#ifndef COGSCOPE_SPECTRAL_FFT_LOCK_H
#define COGSCOPE_SPECTRAL_FFT_LOCK_H

void cs_spectral_fftw_lock(void);
void cs_spectral_fftw_unlock(void);

#endif
