/* The serial build's dist.h: one process, rank 0 of 1. */
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "dist.h"

void dist_init(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
}

int dist_finish(int rc) { return rc; }
int dist_rank(void) { return 0; }
int dist_size(void) { return 1; }
int dist_agree(int rc) { return rc; }
int dist_fail(const char *cmd, cs_status st) { return cli_fail(cmd, st); }

void dist_block(uint64_t total, uint64_t *first, uint64_t *count)
{
    *first = 0;
    *count = total;
}

cs_status dist_gather(const double *mine, size_t n, double *all)
{
    if (n && all != mine)
        memmove(all, mine, n * sizeof *all);
    return CS_OK;
}

cs_status dist_bcast(double *v, size_t n)
{
    (void)v;
    (void)n;
    return CS_OK;
}

cs_status dist_bcast_bytes(void *v, size_t n)
{
    (void)v;
    (void)n;
    return CS_OK;
}

struct dist_counter {
    uint64_t next;
};

cs_status dist_counter_create(dist_counter **c)
{
    *c = calloc(1, sizeof **c);
    return *c ? CS_OK : cs_error_set(CS_ENOMEM, "out of memory for the job counter");
}

uint64_t dist_counter_next(dist_counter *c) { return c->next++; }
void dist_counter_destroy(dist_counter *c) { free(c); }
