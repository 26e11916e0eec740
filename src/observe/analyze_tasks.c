/* The computations of the analysis the metric table names: first the
 * run-level and relaxation ones (descriptors only), then the snapshot
 * tasks: one layer at one snapshot each, run in parallel over (layer x
 * task). Each writes the values of its metric
 * table entries through its row (analyze_internal.h); what a value means is
 * the table's business (metric_table.c), how it is estimated the function's
 * (infoplane.c, integration.c, pid_pairs.c, phiid_pcs.c). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analyze_internal.h"

/* ---- the run-level and relaxation computations ----
 * Named here, with the snapshot tasks below, so that the metric table
 * (metric_table.c) points only at this file: the functions that compute
 * them (the descriptor's `function`: analyze_sigmapi.c, analyze_snapshots.c,
 * analyze_relax.c, spectra.c) write through the table and so sit above it. */

const obs_task obs_task_sigmapi = {
    "sigmapi", "obs_analyze_steps (sigmapi_steps, sigmapi_windows)", CS_OBS_SIGMAPI, OBS_SCOPE_RUN, NULL, 0, 0, 0};
const obs_task obs_task_spectra = {
    "spectra of the per-step series", "obs_series_spectrum", CS_OBS_SPECTRA, OBS_SCOPE_RUN, NULL, 0, 0, 0};
const obs_task obs_task_snapshots = {
    "snapshot steps", "obs_analyze_snapshots", CS_OBS_NEEDS_SNAPSHOTS, OBS_SCOPE_RUN, NULL, 0, 0, 0};
const obs_task obs_task_coherence = {
    "coherence across snapshots", "obs_mean_coherence", CS_OBS_SPECTRA, OBS_SCOPE_RUN, NULL, 0, 0, 0};
const obs_task obs_task_relax_phiid = {
    "PhiID of the relaxation", "cs_obs_phiid_pcs", CS_OBS_PHIID, OBS_SCOPE_RELAX, NULL, 0, 0, 0};
const obs_task obs_task_relax_psd = {
    "relaxation PSD", "obs_channel_psd", CS_OBS_SPECTRA, OBS_SCOPE_RELAX, NULL, 0, 0, 0};
const obs_task obs_task_relax_coherence = {
    "coherence over the relaxation", "obs_mean_coherence", CS_OBS_SPECTRA, OBS_SCOPE_RELAX, NULL, 0, 0, 0};
/* IPWT (analyze_ipwt.c) */
const obs_task obs_task_plane = {
    "PI per snapshot", "obs_analyze_plane", CS_OBS_SIGMAPI, OBS_SCOPE_RUN, NULL, 0, 0, 0};
const obs_task obs_task_teach_osc = {
    "teaching-signal oscillations", "obs_analyze_teach_osc", CS_OBS_SPECTRA, OBS_SCOPE_RUN, NULL, 0, 0, 0};

/* Summary of multiplet values: mean, q05, median, q95, fraction < 0, count. */
static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static void summarise(const double *v, size_t M, double *out6)
{
    double *s = malloc((M ? M : 1) * sizeof *s);
    size_t k = 0;
    double sum = 0, neg = 0;
    for (size_t i = 0; s && i < M; i++)
        if (isfinite(v[i])) {
            s[k++] = v[i];
            sum += v[i];
            neg += v[i] < 0;
        }
    for (int i = 0; i < 6; i++)
        out6[i] = NAN;
    if (s && k) {
        qsort(s, k, sizeof *s, cmp_double);
        /* Quantiles by linear interpolation between order statistics
         * (numpy's default "linear" method). */
        double qs[3] = {0.05, 0.5, 0.95};
        for (int q = 0; q < 3; q++) {
            double h = qs[q] * (double)(k - 1);
            size_t lo = (size_t)floor(h);
            size_t hi = lo + 1 < k ? lo + 1 : lo;
            out6[1 + q] = s[lo] + (h - (double)lo) * (s[hi] - s[lo]);
        }
        out6[0] = sum / (double)k;
        out6[4] = neg / (double)k;
        out6[5] = (double)k;
    }
    free(s);
}

/* Information plane: [1] each (obs_infoplane). The four values are kept
 * even when the estimate fails (they are NaN then); the bookkeeping only on
 * success. */
static cs_status task_infoplane(const obs_snap_in *in, void *row, char *note, size_t n)
{
    obs_ip_row *o = row;
    cs_obs_infoplane_result r;
    cs_status st = obs_infoplane(in->probe, in->act, in->p, in->stream, &r);
    *o->ixt_binned = r.ixt_binned;
    *o->ity_binned = r.ity_binned;
    *o->ixt = r.ixt;
    *o->ity = r.ity;
    if (st == CS_OK) {
        *o->saturated = r.binned_saturated;
        *o->bins = (double)r.bins;
        *o->states = (double)r.t_states;
        *o->clamped = r.ity_clamped;
    }
    if (in->p->surrogates) {
        *o->ixt_p = isnan(r.ixt) ? NAN : r.ixt_sig.p_value;
        *o->ity_p = isnan(r.ity) ? NAN : r.ity_sig.p_value;
    }
    return st;
}

/* Integration of the units used: [1] each, the units [cap], multiplets
 * [multiplets] and their summaries [6] (cs_obs_integration). */
static cs_status task_integration(const obs_snap_in *in, void *row, char *note, size_t n)
{
    obs_integ_row *o = row;
    const cs_obs_params *p = in->p;
    size_t M = p->multiplets;
    cs_obs_integration_result r;
    cs_status st = cs_obs_integration(in->act, in->order, p->metrics, p, in->stream, &r);
    if (st != CS_OK)
        return st;
    *o->tc = r.tc;
    *o->dtc = r.dtc;
    *o->oinfo = r.oinfo;
    *o->sinfo = r.sinfo;
    *o->tse = r.tse;
    *o->n_units = (double)r.n_units;
    *o->n_tse_units = (double)r.n_tse_units;
    for (size_t j = 0; j < r.n_units && j < in->cap; j++)
        o->units[j] = (double)r.units[j];
    if (p->surrogates) {
        *o->tc_p = r.tc_sig.p_value;
        *o->dtc_p = r.dtc_sig.p_value;
        *o->oinfo_p = r.oinfo_sig.p_value;
    }
    if (p->metrics & CS_OBS_OINFO) {
        memcpy(o->o3, r.o3, M * sizeof(double));
        memcpy(o->o4, r.o4, M * sizeof(double));
        summarise(r.o3, M, o->o3_summary);
        summarise(r.o4, M, o->o4_summary);
    }
    if (r.note[0])
        snprintf(note, n, "%s", r.note);
    cs_obs_integration_result_free(&r);
    return CS_OK;
}

/* PID of the top pairs: [pid_pairs] per atom, the pairs [pid_pairs x 2],
 * the means [1] (obs_pid_pairs). */
static cs_status task_pid(const obs_snap_in *in, void *row, char *note, size_t n)
{
    obs_pid_row *o = row;
    size_t P = in->p->pid_pairs;
    cs_obs_pid_result r;
    cs_status st = obs_pid_pairs(in->probe, in->act, in->order, in->p, &r);
    if (st != CS_OK)
        return st;
    for (size_t q = 0; q < r.n_pairs && q < P; q++) {
        o->pairs[q * 2] = (double)r.pairs[q][0];
        o->pairs[q * 2 + 1] = (double)r.pairs[q][1];
        o->mi[q] = r.mi[q];
        o->redundancy[q] = r.redundancy[q];
        o->unique1[q] = r.unique1[q];
        o->unique2[q] = r.unique2[q];
        o->synergy[q] = r.synergy[q];
        o->omega[q] = r.omega[q];
    }
    *o->omega_mean = r.mean_omega;
    *o->synergy_mean = r.mean_synergy;
    if (r.note[0])
        snprintf(note, n, "%s", r.note);
    cs_obs_pid_result_free(&r);
    return CS_OK;
}

/* PhiID between the previous snapshot and this one: [1], [1], [16]. */
static cs_status task_phiid(const obs_snap_in *in, void *row, char *note, size_t n)
{
    obs_phiid_row *o = row;
    return cs_obs_phiid_pcs(in->prev, in->act, in->p, o->phi_wms, o->phi_r, o->atoms);
}

/* The teaching signal of the layer: [1] each (obs_teaching). The flags
 * are kept even when a measure fails (its value NaN). */
static cs_status task_teaching(const obs_snap_in *in, void *row, char *note, size_t n)
{
    obs_teach_row *o = row;
    obs_teaching_result r;
    cs_status st = obs_teaching(in->probe, in->act, in->err, in->ref, in->p, in->stream, &r);
    *o->ity = r.ity;
    *o->itd = r.itd;
    *o->ref_mi = r.ref_mi;
    *o->zero = r.zero;
    *o->ref_same = r.ref_same;
    *o->clamped = r.ity_clamped;
    *o->dims = r.zero ? NAN : (double)r.err_dims;
    if (in->p->surrogates) {
        *o->ity_p = r.ity_p;
        *o->itd_p = r.itd_p;
        *o->ref_p = r.ref_p;
    }
    if (r.pid_done) {
        *o->pid_mi = r.pid.mi;
        *o->pid_red = r.pid.redundancy;
        *o->pid_unq_act = r.pid.unique[0];
        *o->pid_unq_err = r.pid.unique[1];
        *o->pid_syn = r.pid.synergy;
        *o->pid_omega = r.pid.omega;
        *o->pid_bad = (r.pid.flags & CS_OMEGA_MEANINGLESS) != 0;
        *o->pid_flags = r.pid.flags;
        *o->om = r.omega.omega;
        *o->om_syn = r.omega.synergy;
        *o->om_mi = r.omega.mi;
        *o->om_bad = (r.omega.flags & CS_OMEGA_MEANINGLESS) != 0;
        *o->om_flags = r.omega.flags;
        if (in->p->surrogates) {
            *o->pid_syn_p = r.pid.p_value;
            *o->om_p = r.omega.p_value;
        }
    }
    if (st == CS_OK && r.zero)
        snprintf(note, n, "the error signal is constant on every unit: nothing to measure (flag err_zero)");
    else if (st == CS_OK && r.note[0])
        snprintf(note, n, "%s", r.note);
    return st;
}

const obs_task obs_task_infoplane = {"information plane",
                                     "obs_infoplane",
                                     CS_OBS_INFOPLANE,
                                     OBS_SCOPE_SNAPSHOT,
                                     task_infoplane,
                                     sizeof(obs_ip_row),
                                     0,
                                     0};
const obs_task obs_task_integration = {"integration",
                                       "cs_obs_integration",
                                       CS_OBS_INTEGRATION | CS_OBS_OINFO,
                                       OBS_SCOPE_SNAPSHOT,
                                       task_integration,
                                       sizeof(obs_integ_row),
                                       0,
                                       0};
const obs_task obs_task_pid = {"PID pairs", "obs_pid_pairs",     CS_OBS_PID, OBS_SCOPE_SNAPSHOT,
                               task_pid,    sizeof(obs_pid_row), 0,          0};
const obs_task obs_task_phiid = {"PhiID of consecutive snapshots",
                                 "cs_obs_phiid_pcs",
                                 CS_OBS_PHIID,
                                 OBS_SCOPE_SNAPSHOT,
                                 task_phiid,
                                 sizeof(obs_phiid_row),
                                 1,
                                 0};

const obs_task obs_task_teaching = {"teaching signal",
                                    "obs_teaching",
                                    CS_OBS_TEACHING,
                                    OBS_SCOPE_SNAPSHOT,
                                    task_teaching,
                                    sizeof(obs_teach_row),
                                    0,
                                    0};

const obs_task *const obs_snapshot_tasks[] = {&obs_task_infoplane, &obs_task_integration, &obs_task_pid,
                                              &obs_task_phiid,     &obs_task_teaching,    &obs_task_omega};
const size_t obs_n_snapshot_tasks = sizeof obs_snapshot_tasks / sizeof obs_snapshot_tasks[0];
