/* The work split of the distributed commands across processes (MPI ranks).
 *
 * Two implementations with one interface: tools/dist_serial.c (the default
 * build: one process, rank 0 of 1, every call trivial) and tools/mpi_dist.c
 * (-DCOGSCOPE_MPI=ON, OpenMPI). Commands are written once against this
 * header, so the serial build has no MPI dependency and `mpirun -n 1` runs
 * exactly the serial code path.
 *
 * Every rank runs the whole command: parses the options, reads the input and
 * builds the plans (deterministic, so every rank reaches the same state),
 * computes its share, and rank 0 alone prints and writes files (the other
 * ranks' stdout and stderr go to /dev/null; see dist_init).
 *
 * Failures (docs/distributed.md, "Failures"):
 *   - before a data exchange, every rank calls dist_agree(rc): a rank that
 *     failed on its own (its input differs, a file vanished) is caught there,
 *     and every rank returns a non-zero code instead of waiting for it;
 *   - a failure inside a rank's share of the work (a singular block in one
 *     multiplet, a corrupt snapshot in one job) ends the whole job at once
 *     with dist_fail: the rank prints its message and calls MPI_Abort(1). */
#ifndef COGSCOPE_DIST_H
#define COGSCOPE_DIST_H

#include <stddef.h>
#include <stdint.h>

#include "cogscope/core.h"

/* Start (MPI_Init) and stop. dist_finish is called once by main with the
 * command's exit code and returns the code the process exits with. */
void dist_init(int *argc, char ***argv);
int dist_finish(int rc);

int dist_rank(void);
int dist_size(void);

/* Collective: the largest rc over the ranks (0 when every rank is fine). A
 * rank whose own rc is the only failure prints its message (cs_last_error)
 * on the real stderr, naming the rank. */
int dist_agree(int rc);

/* A failure inside this rank's share: with several ranks, print
 * "cogscope CMD: message (rank r of K; ending the job)" and abort every rank
 * with exit code 1; with one, cli_fail (returns 1). */
int dist_fail(const char *cmd, cs_status st);

/* This rank's contiguous block [*first, *first + *count) of `total` items:
 * block r of K covers [r*total/K, (r+1)*total/K). */
void dist_block(uint64_t total, uint64_t *first, uint64_t *count);

/* Collective: concatenate every rank's `n` doubles, in rank order, into
 * `all` on rank 0 (`all` is ignored elsewhere; rank 0 must give room for the
 * sum of the n). */
cs_status dist_gather(const double *mine, size_t n, double *all);

/* Collective: rank 0's n doubles (or bytes) to every rank. */
cs_status dist_bcast(double *v, size_t n);
cs_status dist_bcast_bytes(void *v, size_t n);

/* Dynamic load balancing: a job counter shared by every rank. Collective
 * create/destroy; dist_counter_next returns the next unclaimed index (0, 1,
 * 2, ...) to whichever rank asks first, so fast ranks take more jobs. */
typedef struct dist_counter dist_counter;
cs_status dist_counter_create(dist_counter **c);
uint64_t dist_counter_next(dist_counter *c);
void dist_counter_destroy(dist_counter *c);

#endif
