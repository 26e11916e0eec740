/* A fork-join team of threads that yields while it waits (team.h). */
#include "team.h"

#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdlib.h>

/* Waiting: this many pause instructions (a few microseconds), then
 * sched_yield (the core goes to any other runnable thread; on an idle core
 * it returns at once); a worker idle for this many yields (milliseconds)
 * sleeps until the next run. */
#define SPIN_PAUSES 256
#define YIELDS_BEFORE_SLEEP 20000L

struct learn_team {
    int n; /* threads, the caller included */
    pthread_t *workers;
    struct team_worker *args;
    void (*fn)(void *, int, int);
    void *arg;
    atomic_uint go; /* run generation: workers start when it moves */
    atomic_int done;
    atomic_int quit;
    atomic_uint bar_gen; /* barrier generation */
    atomic_int bar_count;
    atomic_int sleepers;
    pthread_mutex_t mu;
    pthread_cond_t cv;
};

struct team_worker {
    learn_team *t;
    int tid;
};

static _Thread_local learn_team *current_team;

static void relax(void)
{
#if defined(__x86_64__) || defined(__i386__)
    __builtin_ia32_pause();
#endif
}

/* Until *word != old: spin, yield, then (may_sleep) sleep on the team's
 * condition variable. Sequentially consistent atomics: a worker counts
 * itself a sleeper before its last look at `word`, the runner moves `word`
 * before it looks for sleepers, so one of them sees the other. */
static void wait_change(learn_team *t, atomic_uint *word, unsigned old, int may_sleep)
{
    for (int i = 0; i < SPIN_PAUSES; i++) {
        if (atomic_load(word) != old)
            return;
        relax();
    }
    for (long i = 0; !may_sleep || i < YIELDS_BEFORE_SLEEP; i++) {
        if (atomic_load(word) != old)
            return;
        sched_yield();
    }
    pthread_mutex_lock(&t->mu);
    atomic_fetch_add(&t->sleepers, 1);
    while (atomic_load(word) == old)
        pthread_cond_wait(&t->cv, &t->mu);
    atomic_fetch_sub(&t->sleepers, 1);
    pthread_mutex_unlock(&t->mu);
}

static void *worker_main(void *p)
{
    struct team_worker *w = p;
    learn_team *t = w->t;
    unsigned seen = 0;
    for (;;) {
        wait_change(t, &t->go, seen, 1);
        seen = atomic_load(&t->go);
        if (atomic_load(&t->quit))
            return NULL;
        t->fn(t->arg, w->tid, t->n);
        atomic_fetch_add(&t->done, 1);
    }
}

/* Moves the run generation and wakes sleeping workers. */
static void team_go(learn_team *t)
{
    atomic_fetch_add(&t->go, 1);
    if (atomic_load(&t->sleepers)) {
        pthread_mutex_lock(&t->mu);
        pthread_cond_broadcast(&t->cv);
        pthread_mutex_unlock(&t->mu);
    }
}

static void team_stop(learn_team *t, int started)
{
    atomic_store(&t->quit, 1);
    team_go(t);
    for (int i = 0; i < started; i++)
        pthread_join(t->workers[i], NULL);
}

cs_status learn_team_create(int threads, learn_team **out)
{
    *out = NULL;
    if (threads <= 1)
        return CS_OK;
    learn_team *t = calloc(1, sizeof *t);
    if (!t)
        return cs_error_set(CS_ENOMEM, "cannot allocate a team of %d threads", threads);
    t->n = threads;
    t->workers = calloc((size_t)threads - 1, sizeof *t->workers);
    t->args = calloc((size_t)threads - 1, sizeof *t->args);
    if (!t->workers || !t->args || pthread_mutex_init(&t->mu, NULL)) {
        free(t->workers);
        free(t->args);
        free(t);
        return cs_error_set(CS_ENOMEM, "cannot allocate a team of %d threads", threads);
    }
    pthread_cond_init(&t->cv, NULL);
    for (int i = 0; i < threads - 1; i++) {
        t->args[i] = (struct team_worker){t, i + 1};
        if (pthread_create(&t->workers[i], NULL, worker_main, &t->args[i])) {
            team_stop(t, i);
            t->n = 0;
            learn_team_destroy(t);
            return cs_error_set(CS_ENOMEM, "cannot start thread %d of %d", i + 2, threads);
        }
    }
    *out = t;
    return CS_OK;
}

void learn_team_destroy(learn_team *t)
{
    if (!t)
        return;
    if (t->n > 1)
        team_stop(t, t->n - 1);
    pthread_cond_destroy(&t->cv);
    pthread_mutex_destroy(&t->mu);
    free(t->workers);
    free(t->args);
    free(t);
}

void learn_team_run(learn_team *t, void (*fn)(void *arg, int tid, int nt), void *arg)
{
    if (!t) {
        fn(arg, 0, 1);
        return;
    }
    t->fn = fn;
    t->arg = arg;
    atomic_store(&t->done, 0);
    team_go(t);
    fn(arg, 0, t->n);
    for (long i = 0; atomic_load(&t->done) < t->n - 1; i++)
        if (i < SPIN_PAUSES)
            relax();
        else
            sched_yield();
}

void learn_team_barrier(learn_team *t)
{
    if (!t)
        return;
    unsigned gen = atomic_load(&t->bar_gen);
    if (atomic_fetch_add(&t->bar_count, 1) == t->n - 1) {
        atomic_store(&t->bar_count, 0);
        atomic_fetch_add(&t->bar_gen, 1);
    } else {
        wait_change(t, &t->bar_gen, gen, 0);
    }
}

int learn_team_size(const learn_team *t) { return t ? t->n : 1; }

learn_team *learn_team_enter(learn_team *t)
{
    learn_team *old = current_team;
    current_team = t;
    return old;
}

void learn_team_leave(learn_team *previous) { current_team = previous; }

learn_team *learn_team_current(void) { return current_team; }
