/* cogscope analyze over several processes (analyze_dist.h).
 *
 * Every rank opens every run and plans its jobs (cs_obs_jobs: the probe set
 * and snapshot count, cheap next to the jobs). Global job g is job
 * g - first[r] of run r, first[] the running job counts. Ranks draw g from a
 * shared counter until it passes the total, so a rank held up by an
 * expensive job simply draws fewer. Each rank keeps its results as records
 * [g, len, result...]; rank 0 gathers them, puts them in job order and
 * merges each run (cs_obs_analyze_merge), writing its metrics file with
 * serial HDF5 as a one-process run does. A job that fails ends the whole job
 * (dist_fail): the others would otherwise wait for its results. */
#include <stdlib.h>
#include <string.h>

#include "analyze_dist.h"
#include "cli.h"
#include "dist.h"

typedef struct {
    double *v;
    size_t n, cap;
} dbuf;

static cs_status dbuf_push(dbuf *b, const double *v, size_t n)
{
    if (b->n + n > b->cap) {
        size_t cap = b->cap ? 2 * b->cap : 1024;
        while (cap < b->n + n)
            cap *= 2;
        double *nv = realloc(b->v, cap * sizeof *nv);
        if (!nv)
            return cs_error_set(CS_ENOMEM, "out of memory for job results");
        b->v = nv;
        b->cap = cap;
    }
    memcpy(b->v + b->n, v, n * sizeof *v);
    b->n += n;
    return CS_OK;
}

/* Draw and run jobs until none is left; this rank's records into *mine. */
static void run_jobs(const char *cmd, char **runs, size_t nruns, cs_obs_jobs **jobs, const size_t *first,
                     size_t total, dbuf *mine)
{
    dist_counter *counter = NULL;
    cs_status st = dist_counter_create(&counter);
    if (st)
        dist_fail(cmd, st);
    for (uint64_t g; (g = dist_counter_next(counter)) < total;) {
        size_t r = 0;
        while (first[r + 1] <= g)
            r++;
        double *res = NULL, head[2];
        size_t len = 0;
        st = cs_obs_jobs_run(jobs[r], (size_t)g - first[r], &res, &len);
        if (st) {
            cs_error_prefix("job %llu of %s: ", (unsigned long long)(g - first[r]), runs[r]);
            dist_fail(cmd, st);
        }
        head[0] = (double)g;
        head[1] = (double)len;
        if ((st = dbuf_push(mine, head, 2)) || (st = dbuf_push(mine, res, len)))
            dist_fail(cmd, st);
        free(res);
    }
    (void)nruns;
    dist_counter_destroy(counter);
}

/* Rank 0: every rank's records, indexed by job. *all owns the storage. */
static cs_status gather_results(const dbuf *mine, size_t total, double **all, const double **res, size_t *lens)
{
    int K = dist_size(), root = dist_rank() == 0;
    double n = (double)mine->n, *counts = root ? malloc((size_t)K * sizeof *counts) : NULL;
    if (root && !counts)
        return cs_error_set(CS_ENOMEM, "out of memory");
    cs_status st = dist_gather(&n, 1, counts);
    size_t sum = 0;
    for (int r = 0; root && r < K; r++)
        sum += (size_t)counts[r];
    free(counts);
    *all = root ? malloc((sum ? sum : 1) * sizeof **all) : NULL;
    if (!st && root && !*all)
        st = cs_error_set(CS_ENOMEM, "out of memory for %zu result values", sum);
    if (!st)
        st = dist_gather(mine->v, mine->n, *all);
    if (st || !root)
        return st;
    for (size_t g = 0; g < total; g++)
        res[g] = NULL;
    for (size_t o = 0; o + 2 <= sum;) {
        size_t g = (size_t)(*all)[o], len = (size_t)(*all)[o + 1];
        if (g >= total || o + 2 + len > sum)
            return cs_error_set(CS_EINTERNAL, "job results arrived malformed");
        res[g] = *all + o + 2;
        lens[g] = len;
        o += 2 + len;
    }
    for (size_t g = 0; g < total; g++)
        if (!res[g])
            return cs_error_set(CS_EINTERNAL, "job %zu has no result", g);
    return CS_OK;
}

int analyze_dist(const char *cmd, char **runs, size_t nruns, const cs_obs_params *p, const analyze_out *o)
{
    double t0 = cs_time_now();
    cs_runlog **run = calloc(nruns, sizeof *run);
    cs_obs_jobs **jobs = calloc(nruns, sizeof *jobs);
    size_t *first = calloc(nruns + 1, sizeof *first);
    cs_status st = run && jobs && first ? CS_OK : cs_error_set(CS_ENOMEM, "out of memory");
    for (size_t r = 0; r < nruns && !st; r++) {
        if (!(st = cs_runlog_open(runs[r], &run[r])))
            st = cs_obs_jobs_create(run[r], p, &jobs[r]);
        if (!st)
            first[r + 1] = first[r] + cs_obs_jobs_count(jobs[r]);
    }
    int rc = dist_agree(st ? cli_fail(cmd, st) : CLI_OK);
    size_t total = first ? first[nruns] : 0;
    dbuf mine = {0};
    double *all = NULL;
    const double **res = NULL;
    size_t *lens = NULL;
    if (!rc) {
        run_jobs(cmd, runs, nruns, jobs, first, total, &mine);
        int root = dist_rank() == 0;
        res = root ? malloc((total ? total : 1) * sizeof *res) : NULL;
        lens = root ? malloc((total ? total : 1) * sizeof *lens) : NULL;
        st = root && (!res || !lens) ? cs_error_set(CS_ENOMEM, "out of memory") : CS_OK;
        if ((rc = dist_agree(st ? cli_fail(cmd, st) : CLI_OK)) == 0 &&
            (st = gather_results(&mine, total, &all, res, lens)))
            rc = cli_fail(cmd, st);
        for (size_t r = 0; root && !rc && r < nruns; r++) {
            cs_metrics *m = NULL;
            st = cs_obs_analyze_merge(run[r], p, (const double *const *)res + first[r], lens + first[r],
                                      first[r + 1] - first[r], &m);
            rc = st ? cli_fail(cmd, st) : analyze_write(runs[r], run[r], p, m, t0, o);
            cs_metrics_destroy(m);
        }
    }
    for (size_t r = 0; r < nruns; r++) {
        if (jobs)
            cs_obs_jobs_destroy(jobs[r]);
        if (run)
            cs_runlog_close_reader(run[r]);
    }
    free(run);
    free(jobs);
    free(first);
    free(mine.v);
    free(all);
    free(res);
    free(lens);
    return rc;
}
