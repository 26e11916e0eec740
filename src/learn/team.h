/* A fork-join team of threads for the training step (internal to learn).
 *
 * Why not OpenMP's own: a step forks several times and meets at a barrier
 * per layer, a few microseconds apart. libgomp's waiting threads spin
 * without yielding (its default wait policy, fixed when the library loads),
 * so on a machine busy with other jobs a waiting thread burns the time
 * slice its partner needs: measured 2 threads 9x slower than 1 on a 2-core
 * machine at load 11 (docs/training.md, Threads). These threads spin
 * briefly, then yield the core (sched_yield) while they wait, then sleep
 * when the team stays idle; on a quiet machine they answer within a
 * microsecond, on a busy one they give way.
 *
 * The loop creates a team for the run (learn_team_create) and makes it the
 * calling thread's current team (learn_team_enter .. learn_team_leave, as
 * omp_set_num_threads sets a per-thread count); bp's passes and the
 * optimizer's pass run on the current team, or alone when there is none.
 * The split of the work never depends on the thread count for the values
 * (each user documents how). */
#ifndef COGSCOPE_LEARN_TEAM_H
#define COGSCOPE_LEARN_TEAM_H

#include "cogscope/core.h"

typedef struct learn_team learn_team;

/* A team of `threads` threads: the caller of learn_team_run and
 * threads - 1 workers. threads <= 1 gives *out = NULL (no team). */
cs_status learn_team_create(int threads, learn_team **out);
void learn_team_destroy(learn_team *t);

/* Runs fn(arg, tid, nt) on every thread of the team (the caller is tid 0)
 * and returns when all have returned. A NULL team: fn(arg, 0, 1). */
void learn_team_run(learn_team *t, void (*fn)(void *arg, int tid, int nt), void *arg);

/* Inside fn: waits until every thread of the team has arrived. */
void learn_team_barrier(learn_team *t);

/* The team's size (1 for NULL). */
int learn_team_size(const learn_team *t);

/* The calling thread's current team (NULL: none); enter returns the one it
 * replaces, for leave. */
learn_team *learn_team_enter(learn_team *t);
void learn_team_leave(learn_team *previous);
learn_team *learn_team_current(void);

#endif
