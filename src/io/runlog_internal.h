/* Private pieces shared by the run-log writer (runlog.c, runlog_create.c)
 * and reader (runlog_read.c, runlog_scan.c): dataset names, limits, HDF5
 * error text. */
#ifndef COGSCOPE_RUNLOG_INTERNAL_H
#define COGSCOPE_RUNLOG_INTERNAL_H

#include <hdf5.h>
#include <stddef.h>

/* /committed: int64[RL_N_COMMITTED], rewritten after every flush. */
enum { RL_C_STEPS, RL_C_SNAPSHOTS, RL_C_EVALS, RL_C_RELAX, RL_C_FLUSH_MS, RL_N_COMMITTED };

/* Rows per chunk of the 1-D series (and of the writer's row buffer). */
#define RL_SERIES_CHUNK 1024

/* Names of /config attributes with a conventional meaning (the reader fills
 * cs_runlog_info from them); every other numeric scalar is reported as a
 * parameter (cs_runlog_config_param_*). NULL-terminated. */
extern const char *const rl_config_reserved[];

/* The most specific message on this thread's HDF5 error stack, e.g.
 * "truncated file: eof = 3000, ...", into buf; "unknown HDF5 error" if empty.
 * Clears the stack. */
const char *rl_h5_reason(char *buf, size_t n);

/* 1 if `name` may be the name of a metadata attribute, layer, series or
 * dataset: 1..CS_RUNLOG_NAME_MAX bytes, printable (bytes >= 0x20 other than
 * DEL, UTF-8 allowed), no '/', not "." or "..". */
int rl_valid_name(const char *name);

#endif
