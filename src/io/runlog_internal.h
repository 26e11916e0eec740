/* Private pieces shared by the run-log writer (runlog.c) and reader
 * (runlog_read.c): dataset names, limits, HDF5 error text. */
#ifndef COGSCOPE_RUNLOG_INTERNAL_H
#define COGSCOPE_RUNLOG_INTERNAL_H

#include <hdf5.h>
#include <stddef.h>

/* /steps/NAME, in column order of the writer's step table. */
#define RL_N_STEP 8
extern const char *const rl_step_names[RL_N_STEP];
/* /eval/NAME. */
#define RL_N_EVAL 7
extern const char *const rl_eval_names[RL_N_EVAL];
/* /layers/L/NAME series every run has; extra series follow them. */
#define RL_N_LAYER_STD 3
extern const char *const rl_layer_names[RL_N_LAYER_STD];

/* The reader's info struct holds at most this many layers / extra series. */
#define RL_MAX_LAYERS 16
#define RL_MAX_LAYER_SERIES 16
#define RL_NAME_MAX 32

/* /committed: int64[RL_N_COMMITTED], rewritten after every flush. */
enum { RL_C_STEPS, RL_C_SNAPSHOTS, RL_C_EVALS, RL_C_RELAX, RL_C_FLUSH_MS, RL_N_COMMITTED };

/* Rows per chunk of the 1-D series (and of the writer's row buffer). */
#define RL_SERIES_CHUNK 1024

/* Names of /config attributes with a fixed meaning; anything else numeric is a
 * rule hyper-parameter. NULL-terminated. */
extern const char *const rl_config_reserved[];

/* The most specific message on this thread's HDF5 error stack, e.g.
 * "truncated file: eof = 3000, ...", into buf; "unknown HDF5 error" if empty.
 * Clears the stack. */
const char *rl_h5_reason(char *buf, size_t n);


/* 1 if `name` may be a dataset or attribute name of ours: non-empty, shorter
 * than RL_NAME_MAX, letters/digits/underscore/dash/dot only. */
int rl_valid_name(const char *name);

#endif
