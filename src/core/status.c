/* Status codes and the thread-local last-error message. */
#include "cogscope/core.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#define CS_ERROR_MAX 1024

static _Thread_local char last_error[CS_ERROR_MAX];
static _Thread_local cs_status last_status;

static const char *const status_text[CS_STATUS_COUNT] = {
    [CS_OK] = "success",
    [CS_EINVAL] = "invalid argument",
    [CS_ENOMEM] = "out of memory",
    [CS_EIO] = "input/output error",
    [CS_EFORMAT] = "malformed input",
    [CS_ESCHEMA] = "not a cogscope run log of a known schema",
    [CS_ENONFINITE] = "NaN or Inf in input",
    [CS_ESINGULAR] = "singular or non-positive-definite matrix",
    [CS_ESHAPE] = "shape mismatch",
    [CS_ELIMIT] = "exceeds a limit",
    [CS_ENOCONV] = "did not converge",
    [CS_EINTERNAL] = "internal library failure",
};

const char *cs_strerror(cs_status status)
{
    if ((int)status < 0 || status >= CS_STATUS_COUNT)
        return "unknown status";
    return status_text[status];
}

const char *cs_last_error(void) { return last_error; }

cs_status cs_error_set(cs_status status, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(last_error, sizeof last_error, fmt, ap);
    va_end(ap);
    last_status = status;
    return status;
}

cs_status cs_error_prefix(const char *fmt, ...)
{
    char prefix[CS_ERROR_MAX];
    char old[CS_ERROR_MAX];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(prefix, sizeof prefix, fmt, ap);
    va_end(ap);
    memcpy(old, last_error, sizeof old);
    size_t plen = strlen(prefix);
    memcpy(last_error, prefix, plen + 1);
    snprintf(last_error + plen, sizeof last_error - plen, "%.*s", (int)(sizeof last_error - plen - 1), old);
    return last_status;
}

void cs_error_clear(void)
{
    last_error[0] = '\0';
    last_status = CS_OK;
}
