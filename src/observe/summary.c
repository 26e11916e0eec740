/* The run summary behind `cogscope report` (definitions in cogscope/summary.h). */
#include "cogscope/summary.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

enum { S_STEP, S_EPOCH, S_LOSS, S_TAU, S_SURPRISE, S_PI, S_BATCH_ACC, S_N };
static const char *const step_names[S_N] = {"step", "epoch", "loss", "tau", "surprise", "pi", "batch_acc"};
enum { E_STEP, E_EPOCH, E_LOSS, E_ACC, E_TAU, E_SURPRISE, E_PI, E_N };
static const char *const eval_names[E_N] = {"step", "epoch", "loss", "acc", "tau", "surprise", "pi"};

static void free_cols(double **cols, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(cols[i]);
}

/* A series of the log, or when the log lacks it (schema v2 makes all of them
 * optional) n stand-ins: the row index for "step", 0 for "epoch" (one
 * epoch), NaN for the rest. */
static cs_status read_or_fill(const cs_runlog *r, cs_runlog_kind kind, const char *name, size_t n, double **v,
                              size_t *got)
{
    if (cs_runlog_find(r, kind, 0, name))
        return kind == CS_RUNLOG_STEP_SERIES ? cs_runlog_read_steps(r, name, v, got)
                                             : cs_runlog_read_eval(r, name, v, got);
    if (!(*v = malloc((n ? n : 1) * sizeof **v)))
        return cs_error_set(CS_ENOMEM, "%s: out of memory", cs_runlog_path(r));
    for (size_t i = 0; i < n; i++)
        (*v)[i] = !strcmp(name, "step") ? (double)i : !strcmp(name, "epoch") ? 0.0 : NAN;
    *got = n;
    return CS_OK;
}

void cs_summary_free(cs_summary *s)
{
    if (!s)
        return;
    free(s->epochs);
    s->epochs = NULL;
    s->n_epochs = 0;
}

/* One epoch: the steps i..j-1 of the step columns sc (means of the
 * per-step series) and its last evaluation among the ne of ec. */
static void epoch_of(cs_summary_epoch *e, double *const *sc, size_t i, size_t j, double *const *ec, size_t ne)
{
    double sum[S_N] = {0};
    for (size_t k = i; k < j; k++)
        for (int c = S_LOSS; c < S_N; c++)
            sum[c] += sc[c][k];
    double m = (double)(j - i);
    e->epoch = (int64_t)sc[S_EPOCH][i];
    e->steps = j - i;
    e->first_step = (int64_t)sc[S_STEP][i];
    e->last_step = (int64_t)sc[S_STEP][j - 1];
    e->train_loss = e->epsilon = sum[S_LOSS] / m;
    e->tau = sum[S_TAU] / m;
    e->surprise = sum[S_SURPRISE] / m;
    e->pi = sum[S_PI] / m;
    e->batch_acc = sum[S_BATCH_ACC] / m;
    e->test_loss = e->test_acc = e->test_tau = e->test_surprise = e->test_pi = NAN;
    e->eval_step = -1;
    for (size_t k = ne; k-- > 0;)
        if (ec[E_EPOCH][k] == sc[S_EPOCH][i]) {
            e->evaluated = 1;
            e->test_loss = ec[E_LOSS][k];
            e->test_acc = ec[E_ACC][k];
            e->test_tau = ec[E_TAU][k];
            e->test_surprise = ec[E_SURPRISE][k];
            e->test_pi = ec[E_PI][k];
            e->eval_step = (int64_t)ec[E_STEP][k];
            break;
        }
}

/* The best held-out accuracy and the final values: the last epoch's means
 * and the last evaluation (NaN / -1 where there is none). */
static void best_and_final(cs_summary *out, double *const *ec, size_t ne)
{
    out->best_test_acc = NAN;
    out->best_epoch = out->best_step = -1;
    for (size_t k = 0; k < ne; k++)
        if (!isnan(ec[E_ACC][k]) && (isnan(out->best_test_acc) || ec[E_ACC][k] > out->best_test_acc)) {
            out->best_test_acc = ec[E_ACC][k];
            out->best_epoch = (int64_t)ec[E_EPOCH][k];
            out->best_step = (int64_t)ec[E_STEP][k];
        }
    if (out->n_epochs) {
        const cs_summary_epoch *last = &out->epochs[out->n_epochs - 1];
        out->final.epoch = last->epoch;
        out->final.step = last->last_step;
        out->final.train_loss = last->train_loss;
        out->final.epsilon = last->epsilon;
        out->final.tau = last->tau;
        out->final.surprise = last->surprise;
        out->final.pi = last->pi;
        out->final.batch_acc = last->batch_acc;
    } else {
        out->final.epoch = out->final.step = -1;
        out->final.train_loss = out->final.epsilon = out->final.tau = out->final.surprise = out->final.pi =
            out->final.batch_acc = NAN;
    }
    if (ne) {
        out->final.test_loss = ec[E_LOSS][ne - 1];
        out->final.test_acc = ec[E_ACC][ne - 1];
        out->final.test_tau = ec[E_TAU][ne - 1];
        out->final.test_surprise = ec[E_SURPRISE][ne - 1];
        out->final.test_pi = ec[E_PI][ne - 1];
        out->final.test_epoch = (int64_t)ec[E_EPOCH][ne - 1];
        out->final.test_step = (int64_t)ec[E_STEP][ne - 1];
    } else {
        out->final.test_loss = out->final.test_acc = out->final.test_tau = out->final.test_surprise =
            out->final.test_pi = NAN;
        out->final.test_epoch = out->final.test_step = -1;
    }
}

cs_status cs_summary_compute(const cs_runlog *r, cs_summary *out)
{
    if (!r || !out)
        return cs_error_set(CS_EINVAL, "cs_summary_compute: reader and out must be given");
    memset(out, 0, sizeof *out);
    out->info = *cs_runlog_get_info(r);
    double *sc[S_N] = {0}, *ec[E_N] = {0};
    size_t n = out->info.steps, ne = out->info.evals, got;
    cs_status st = CS_OK;
    for (int k = 0; k < S_N && st == CS_OK; k++)
        if ((st = read_or_fill(r, CS_RUNLOG_STEP_SERIES, step_names[k], out->info.steps, &sc[k], &got)) == CS_OK &&
            got < n)
            n = got;
    for (int k = 0; k < E_N && st == CS_OK; k++)
        if ((st = read_or_fill(r, CS_RUNLOG_EVAL_SERIES, eval_names[k], out->info.evals, &ec[k], &got)) == CS_OK &&
            got < ne)
            ne = got;
    /* epochs: runs of equal /steps/epoch */
    size_t groups = 0;
    for (size_t i = 0; i < n && st == CS_OK; i++)
        groups += i == 0 || sc[S_EPOCH][i] != sc[S_EPOCH][i - 1];
    if (st == CS_OK && groups && !(out->epochs = calloc(groups, sizeof *out->epochs)))
        st = cs_error_set(CS_ENOMEM, "%s: out of memory summarising %zu epochs", cs_runlog_path(r), groups);
    for (size_t i = 0, g = 0; i < n && st == CS_OK;) {
        size_t j = i;
        while (j < n && sc[S_EPOCH][j] == sc[S_EPOCH][i])
            j++;
        epoch_of(&out->epochs[g++], sc, i, j, ec, ne);
        i = j;
    }
    if (st == CS_OK) {
        out->n_epochs = groups;
        out->n_evals = ne;
        best_and_final(out, ec, ne);
    }
    free_cols(sc, S_N);
    free_cols(ec, E_N);
    return st;
}
