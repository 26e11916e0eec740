/* The snapshot task of Omega of a whole layer (cogscope/omega.h): at one
 * snapshot, the layer's Omega about the label (discrete) and about the next
 * analysed layer's state (continuous), [1] value each per metric. The
 * metric table's "layer Omega" block (metric_table.c) names the row's
 * fields; docs/metrics.md ("Omega of a whole layer") has the method. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "analyze_internal.h"
#include "cogscope/omega.h"

/* The analysis' estimator for Omega: gaussian stays gaussian; gcopula, ksg
 * and binned use the Gaussian copula (Omega has no KSG or plug-in form: its
 * bipartition and components are Gaussian). The label goes in through the
 * class-conditional model whatever --gc-form says: the mixture form is not
 * monotone in the variable set (negative synergies: -0.19 nats measured on
 * an FA parity layer; cogscope/omega.h). Each task's surrogates come from
 * its own seed. */
static void omega_params(const obs_snap_in *in, cs_omega_params *op)
{
    const cs_obs_params *p = in->p;
    cs_omega_params_default(op);
    op->est.estimator = p->estimator == CS_EST_GAUSSIAN ? CS_EST_GAUSSIAN : CS_EST_GCOPULA;
    op->est.gc_mixture = 0;
    op->est.threads = 1; /* the snapshot tasks already run in parallel */
    op->surrogates = p->surrogates;
    op->seed = p->seed ^ (in->stream * 0x9E3779B97F4A7C15ull);
}

/* One result into its five values; p only with surrogates. */
static void put(const cs_omega_result *r, int surrogates, double *omega, double *syn, double *mi, double *pv,
                double *flags)
{
    *omega = r->omega;
    *syn = r->synergy;
    *mi = r->mi;
    *flags = (double)r->flags;
    if (surrogates)
        *pv = r->p_value;
}

/* "label: ..." or "next layer: ..." after what is already in note. */
static void add_note(char *note, size_t n, const char *what)
{
    size_t len = 0;
    while (len < n && note[len])
        len++;
    if (len + 1 < n)
        snprintf(note + len, n - len, "%sOmega about the %s: %s", len ? "; " : "", what, cs_last_error());
}

/* Omega about the label and about the next layer: [1] each. A failure of
 * one leaves its values NaN with a note; the other still runs. */
static cs_status task_omega(const obs_snap_in *in, void *row, char *note, size_t n)
{
    obs_omega_row *o = row;
    cs_omega_params op;
    omega_params(in, &op);
    int sur = op.surrogates > 0;
    size_t N = in->act.rows;
    cs_omega_result r;
    if (in->probe && in->probe->y_codes && in->probe->n == N) {
        double *y = malloc((N ? N : 1) * sizeof *y);
        if (!y)
            return cs_error_set(CS_ENOMEM, "out of memory for %zu labels", N);
        for (size_t i = 0; i < N; i++)
            y[i] = (double)in->probe->y_codes[i];
        cs_status st = cs_omega_layer(in->act, cs_matrix_view(y, N, 1), CS_VAR_DISCRETE, &op, NULL, &r);
        free(y);
        if (st == CS_ENOMEM)
            return st;
        if (st == CS_OK)
            put(&r, sur, o->omega, o->synergy, o->mi, o->p, o->flags);
        else
            add_note(note, n, "label");
    }
    if (in->next.rows == N && in->next.cols > 0) {
        cs_status st = cs_omega_layer(in->act, in->next, CS_VAR_CONTINUOUS, &op, NULL, &r);
        if (st == CS_ENOMEM)
            return st;
        if (st == CS_OK)
            put(&r, sur, o->next_omega, o->next_synergy, o->next_mi, o->next_p, o->next_flags);
        else
            add_note(note, n, "next layer");
    }
    return CS_OK;
}

const obs_task obs_task_omega = {"Omega of the whole layer",
                                 "cs_omega_layer",
                                 CS_OBS_PID,
                                 OBS_SCOPE_SNAPSHOT,
                                 task_omega,
                                 sizeof(obs_omega_row),
                                 0,
                                 1};
