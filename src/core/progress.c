/* Terminal-only progress lines, thread counts and a monotonic clock. */
#define _GNU_SOURCE /* sched_getaffinity, CPU_COUNT */
#include "cogscope/core.h"

#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

struct cs_progress {
    char label[64];
    uint64_t total;
    double last_draw;
    int drawn;
};

double cs_time_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

cs_progress *cs_progress_create(const char *label, uint64_t total)
{
    if (!isatty(STDERR_FILENO))
        return NULL;
    cs_progress *p = calloc(1, sizeof *p);
    if (!p)
        return NULL;
    snprintf(p->label, sizeof p->label, "%s", label);
    p->total = total;
    return p;
}

void cs_progress_update(cs_progress *p, uint64_t done)
{
    if (!p)
        return;
    double now = cs_time_now();
    if (p->drawn && now - p->last_draw < 0.1 && done < p->total)
        return;
    p->last_draw = now;
    p->drawn = 1;
    if (p->total)
        fprintf(stderr, "\r%s %llu/%llu (%3.0f%%)", p->label, (unsigned long long)done, (unsigned long long)p->total,
                100.0 * (double)done / (double)p->total);
    else
        fprintf(stderr, "\r%s %llu", p->label, (unsigned long long)done);
    fflush(stderr);
}

void cs_progress_destroy(cs_progress *p)
{
    if (!p)
        return;
    if (p->drawn)
        fputs("\r\033[K", stderr);
    free(p);
}

int cs_threads_resolve(int requested)
{
    if (requested > 0)
        return requested;
    /* The processors this thread may run on, as OpenMP's omp_get_num_procs
     * counts them (libgomp: the affinity mask, else the online processors). */
    cpu_set_t set;
    if (sched_getaffinity(0, sizeof set, &set) == 0 && CPU_COUNT(&set) > 0)
        return CPU_COUNT(&set);
    long n = sysconf(_SC_NPROCESSORS_ONLN);
    return n > 0 ? (int)n : 1;
}
