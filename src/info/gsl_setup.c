/* GSL's error handler off for src/info (gsl_setup.h). */
#include "gsl_setup.h"

#include <threads.h>

#include <gsl/gsl_errno.h>

static once_flag gsl_once = ONCE_FLAG_INIT;

static void handler_off(void) { gsl_set_error_handler_off(); }

void info_gsl_setup(void) { call_once(&gsl_once, handler_off); }
