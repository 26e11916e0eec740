/* dist.h over MPI (built with -DCOGSCOPE_MPI=ON). See dist.h for the
 * protocol; docs/distributed.md for the design and the cost model. */
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <mpi.h>

#include "cli.h"
#include "dist.h"

/* The one piece of process state: MPI is process-wide by nature. */
static struct {
    int rank, size;
    int err_fd; /* the real stderr (dup'ed on ranks whose stderr is /dev/null) */
    int agreed; /* a failure was agreed on: the final agreement is skipped */
} g = {0, 1, 2, 0};

void dist_init(int *argc, char ***argv)
{
    int provided;
    /* FUNNELED: only the main thread calls MPI; OpenMP threads compute. */
    MPI_Init_thread(argc, argv, MPI_THREAD_FUNNELED, &provided);
    MPI_Comm_rank(MPI_COMM_WORLD, &g.rank);
    MPI_Comm_size(MPI_COMM_WORLD, &g.size);
    /* MPI errors come back as codes (turned into messages), not aborts. */
    MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_RETURN);
    if (g.rank > 0) {
        /* Every rank runs the whole command; rank 0 alone speaks. */
        fflush(stdout);
        fflush(stderr);
        g.err_fd = dup(2);
        int null = open("/dev/null", O_WRONLY);
        if (null >= 0) {
            dup2(null, 1);
            dup2(null, 2);
            close(null);
        }
    }
}

int dist_rank(void) { return g.rank; }
int dist_size(void) { return g.size; }

/* A line on the real stderr of this rank. */
static void say(const char *cmd, const char *msg, const char *tail)
{
    char line[2048];
    int len = snprintf(line, sizeof line, "cogscope%s%s: %s (rank %d of %d%s)\n", cmd ? " " : "", cmd ? cmd : "",
                       msg && *msg ? msg : "failed", g.rank, g.size, tail);
    if (len > (int)sizeof line - 1)
        len = (int)sizeof line - 1;
    if (len > 0 && write(g.err_fd, line, (size_t)len) < 0)
        return; /* nothing left to tell it with */
}

/* {largest rc, rank 0's rc} over the ranks; a rank that alone failed says so. */
static int agree(int rc)
{
    int in[2] = {rc, g.rank == 0 ? rc : 0}, out[2];
    if (MPI_Allreduce(in, out, 2, MPI_INT, MPI_MAX, MPI_COMM_WORLD) != MPI_SUCCESS)
        MPI_Abort(MPI_COMM_WORLD, 1);
    if (rc && !out[1] && g.rank > 0)
        say(NULL, cs_last_error(), "");
    return out[0];
}

int dist_agree(int rc)
{
    if (g.size == 1)
        return rc;
    int all = agree(rc);
    if (all) {
        g.agreed = 1;
        if (!rc)
            cs_error_set(CS_EINTERNAL, "another rank failed (see the message naming its rank)");
    }
    return all;
}

int dist_finish(int rc)
{
    /* A rank that failed before an exchange meets the others' dist_agree
     * here (the same collective), so no rank waits for it. */
    if (g.size > 1 && !g.agreed)
        rc = agree(rc);
    fflush(stdout);
    MPI_Finalize();
    return rc;
}

int dist_fail(const char *cmd, cs_status st)
{
    if (g.size == 1)
        return cli_fail(cmd, st);
    const char *msg = cs_last_error();
    say(cmd, *msg ? msg : cs_strerror(st), "; ending the job");
    MPI_Abort(MPI_COMM_WORLD, CLI_FAIL);
    return CLI_FAIL; /* not reached */
}

void dist_block(uint64_t total, uint64_t *first, uint64_t *count)
{
    unsigned __int128 r = (unsigned)g.rank, k = (unsigned)g.size;
    uint64_t a = (uint64_t)(r * total / k), b = (uint64_t)((r + 1) * total / k);
    *first = a;
    *count = b - a;
}

static cs_status mpi_status(int err, const char *what)
{
    if (err == MPI_SUCCESS)
        return CS_OK;
    char msg[MPI_MAX_ERROR_STRING];
    int len = 0;
    MPI_Error_string(err, msg, &len);
    return cs_error_set(CS_EINTERNAL, "MPI %s failed: %s", what, msg);
}

cs_status dist_gather(const double *mine, size_t n, double *all)
{
    if (g.size == 1) {
        if (n && all != mine)
            memmove(all, mine, n * sizeof *all);
        return CS_OK;
    }
    if (n > INT_MAX)
        return cs_error_set(CS_ELIMIT, "a rank's share of %zu values exceeds MPI's int counts", n);
    int cnt = (int)n, *counts = NULL, *displs = NULL;
    if (g.rank == 0) {
        counts = malloc((size_t)g.size * sizeof *counts);
        displs = malloc((size_t)g.size * sizeof *displs);
        if (!counts || !displs) {
            free(counts);
            free(displs);
            MPI_Abort(MPI_COMM_WORLD, CLI_FAIL); /* the others wait in the gather */
        }
    }
    int err = MPI_Gather(&cnt, 1, MPI_INT, counts, 1, MPI_INT, 0, MPI_COMM_WORLD);
    cs_status st = mpi_status(err, "gather of counts");
    if (!st && g.rank == 0) {
        long long off = 0;
        for (int r = 0; r < g.size; r++) {
            displs[r] = (int)off;
            off += counts[r];
        }
        if (off > INT_MAX)
            MPI_Abort(MPI_COMM_WORLD, CLI_FAIL); /* documented limit: 2^31 values */
    }
    if (!st)
        st = mpi_status(MPI_Gatherv(mine, cnt, MPI_DOUBLE, all, counts, displs, MPI_DOUBLE, 0, MPI_COMM_WORLD),
                        "gather");
    free(counts);
    free(displs);
    return st;
}

cs_status dist_bcast_bytes(void *v, size_t n)
{
    if (g.size == 1)
        return CS_OK;
    if (n > INT_MAX)
        return cs_error_set(CS_ELIMIT, "a broadcast of %zu bytes exceeds MPI's int counts", n);
    return mpi_status(MPI_Bcast(v, (int)n, MPI_BYTE, 0, MPI_COMM_WORLD), "broadcast");
}

cs_status dist_bcast(double *v, size_t n)
{
    if (n > INT_MAX / sizeof *v)
        return cs_error_set(CS_ELIMIT, "a broadcast of %zu values exceeds MPI's int counts", n);
    return dist_bcast_bytes(v, n * sizeof *v);
}

/* The counter lives in an RMA window on rank 0; MPI_Fetch_and_op increments
 * it atomically, with no rank acting as a dispatcher (rank 0 computes too). */
struct dist_counter {
    MPI_Win win;
    uint64_t *cell;
};

cs_status dist_counter_create(dist_counter **out)
{
    dist_counter *c = calloc(1, sizeof *c);
    if (!c)
        MPI_Abort(MPI_COMM_WORLD, CLI_FAIL); /* collective: the others would wait */
    MPI_Aint bytes = g.rank == 0 ? (MPI_Aint)sizeof(uint64_t) : 0;
    int err = MPI_Win_allocate(bytes, sizeof(uint64_t), MPI_INFO_NULL, MPI_COMM_WORLD, &c->cell, &c->win);
    if (err != MPI_SUCCESS) {
        free(c);
        return mpi_status(err, "window allocation");
    }
    if (g.rank == 0) {
        MPI_Win_lock(MPI_LOCK_EXCLUSIVE, 0, 0, c->win);
        *c->cell = 0;
        MPI_Win_unlock(0, c->win);
    }
    MPI_Barrier(MPI_COMM_WORLD);
    *out = c;
    return CS_OK;
}

uint64_t dist_counter_next(dist_counter *c)
{
    uint64_t one = 1, got = 0;
    MPI_Win_lock(MPI_LOCK_SHARED, 0, 0, c->win);
    MPI_Fetch_and_op(&one, &got, MPI_UINT64_T, 0, 0, MPI_SUM, c->win);
    MPI_Win_unlock(0, c->win);
    return got;
}

void dist_counter_destroy(dist_counter *c)
{
    if (!c)
        return;
    MPI_Win_free(&c->win);
    free(c);
}
