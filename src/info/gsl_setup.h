/* GSL's process-wide error handler, for src/info. Private. */
#ifndef COGSCOPE_INFO_GSL_SETUP_H
#define COGSCOPE_INFO_GSL_SETUP_H

/* Switch GSL's abort-on-error handler off, once per process, before the
 * first GSL call of an entry point: errors then come back as GSL status
 * codes, which the caller turns into cs_status (the library never aborts).
 * Idempotent and cheap. */
void info_gsl_setup(void);

#endif
