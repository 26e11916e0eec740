/* The relaxation part of cs_obs_analyze (EP, PC): relaxation by relaxation,
 * PhiID of the state pairs (iteration t, t+1) and the PSD of the units'
 * trajectories of every layer with relaxation states (in parallel), and the
 * coherence of adjacent layers' mean activity over the iterations. The
 * metrics written: the "relax_" and "coherence.{pair}.relax_" entries of
 * the metric table. HDF5 is read on the calling thread only. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analyze_internal.h"
#include "observe_spectra.h"

enum { R_PHIID, R_PSD };

/* Everything the relaxation loop holds, freed by relax_free; the value
 * arrays belong to the arena. */
typedef struct {
    size_t R, I, NS, L, nf, cnf; /* relaxations, iterations, samples, layers, PSD and coherence freqs */
    size_t *lay;                 /* [L] the run's layers with relaxation states */
    cs_matrix *states;           /* [L] one relaxation */
    double **wms, **pr, **atoms, **psd, **mean, **coh; /* [L] each */
    double *freq, *cfreq;
    obs_task_run *tasks;
    obs_arena a;
} relax_state;

static void relax_free(relax_state *w)
{
    for (size_t l = 0; w->states && l < w->L; l++)
        cs_matrix_free(&w->states[l]);
    free(w->states);
    free(w->wms);
    free(w->pr);
    free(w->atoms);
    free(w->psd);
    free(w->mean);
    free(w->coh);
    free(w->tasks);
    free(w->lay);
    obs_arena_free(&w->a);
}

static cs_status relax_alloc(const cs_runlog *run, relax_state *w)
{
    const cs_runlog_info *in = cs_runlog_get_info(run);
    w->R = in->relax_snapshots;
    w->I = in->relax_iterations;
    w->NS = in->relax_samples;
    w->nf = w->I / 2 + 1;
    w->lay = malloc((in->layer_count ? in->layer_count : 1) * sizeof *w->lay);
    for (size_t l = 0; w->lay && l < in->layer_count; l++)
        if (cs_runlog_find(run, CS_RUNLOG_RELAX_STATES, l, "states"))
            w->lay[w->L++] = l;
    size_t L = w->L;
    w->states = calloc(L ? L : 1, sizeof *w->states);
    w->wms = calloc(L, sizeof *w->wms), w->pr = calloc(L, sizeof *w->pr), w->atoms = calloc(L, sizeof *w->atoms);
    w->psd = calloc(L, sizeof *w->psd), w->mean = calloc(L, sizeof *w->mean), w->coh = calloc(L, sizeof *w->coh);
    w->freq = obs_arena_nan(&w->a, w->nf);
    w->cfreq = obs_arena_nan(&w->a, 9);
    w->tasks = calloc(2 * L + 1, sizeof *w->tasks);
    if (!w->lay || !w->states || !w->wms || !w->pr || !w->atoms || !w->psd || !w->mean || !w->coh || !w->freq ||
        !w->cfreq || !w->tasks)
        return cs_error_set(CS_ENOMEM, "out of memory for relaxation measures");
    for (size_t l = 0; l < L; l++)
        if (!(w->wms[l] = obs_arena_nan(&w->a, w->R)) || !(w->pr[l] = obs_arena_nan(&w->a, w->R)) ||
            !(w->atoms[l] = obs_arena_nan(&w->a, w->R * 16)) || !(w->psd[l] = obs_arena_nan(&w->a, w->R * w->nf)) ||
            !(w->mean[l] = obs_arena_nan(&w->a, w->I * w->NS)) || !(w->coh[l] = obs_arena_nan(&w->a, w->R * 9)))
            return cs_error_set(CS_ENOMEM, "out of memory for relaxation measures");
    return CS_OK;
}

/* PhiID and PSD of relaxation r, every layer, in parallel; their notes. */
static cs_status relax_tasks(const cs_runlog *run, cs_metrics *m, const cs_obs_params *p, int nthreads, size_t r,
                             relax_state *w)
{
    size_t nt = 0, I = w->I, NS = w->NS;
    for (size_t l = 0; l < w->L; l++) {
        if (p->metrics & CS_OBS_PHIID)
            w->tasks[nt++] = (obs_task_run){.kind = R_PHIID, .layer = w->lay[l] + 1, .slot = l};
        if (p->metrics & CS_OBS_SPECTRA)
            w->tasks[nt++] = (obs_task_run){.kind = R_PSD, .layer = w->lay[l] + 1, .slot = l};
    }
#pragma omp parallel for schedule(dynamic, 1) num_threads(nthreads)
    for (size_t k = 0; k < nt; k++) {
        obs_task_run *t = &w->tasks[k];
        size_t l = t->slot, u = w->states[l].cols;
        t->note[0] = '\0';
        if (t->kind == R_PHIID) {
            /* State pairs (iteration i, i+1) of every relaxed sample: rows
             * are iteration-major, so the earlier states are the first
             * (I-1) NS rows and the later ones the last. */
            cs_matrix before = {w->states[l].data, (I - 1) * NS, u, u};
            cs_matrix after = {w->states[l].data + NS * u, (I - 1) * NS, u, u};
            t->st = cs_obs_phiid_pcs(before, after, p, &w->wms[l][r], &w->pr[l][r], w->atoms[l] + r * 16);
        } else {
            /* Each (sample, unit) trajectory over the iterations is one
             * channel of an I x (NS u) row-major matrix. */
            size_t got;
            t->st = obs_channel_psd(w->states[l].data, I, NS * u, w->freq, w->psd[l] + r * w->nf, &got);
        }
        if (t->st != CS_OK && t->st != CS_ENOMEM) {
            snprintf(t->note, sizeof t->note, "%s", cs_last_error());
            t->st = CS_OK;
        }
    }
    cs_status st = CS_OK;
    for (size_t k = 0; k < nt && st == CS_OK; k++) {
        if (w->tasks[k].st != CS_OK)
            st = w->tasks[k].st;
        else if (w->tasks[k].note[0])
            st = cs_metrics_add_note(m, "layer %s relaxation %zu: %s: %s",
                                     cs_runlog_layer_name(run, w->tasks[k].layer - 1), r,
                                     w->tasks[k].kind == R_PHIID ? "PhiID" : "relaxation PSD", w->tasks[k].note);
    }
    return st;
}

/* Coherence of adjacent layers' mean activity over the iterations of
 * relaxation r, each relaxed sample a channel. */
static cs_status relax_coherence(const cs_runlog *run, cs_metrics *m, size_t r, relax_state *w)
{
    size_t I = w->I, NS = w->NS, cseg;
    for (size_t l = 0; l < w->L; l++) {
        size_t u = w->states[l].cols;
        for (size_t it = 0; it < I; it++)
            for (size_t s = 0; s < NS; s++) {
                double sum = 0;
                const double *row = w->states[l].data + (it * NS + s) * u;
                for (size_t j = 0; j < u; j++)
                    sum += row[j];
                w->mean[l][it * NS + s] = sum / (double)u;
            }
    }
    cs_status st = CS_OK;
    for (size_t l = 0; l + 1 < w->L && st == CS_OK; l++) {
        double c[9];
        if (obs_mean_coherence(w->mean[l], w->mean[l + 1], I, NS, 1.0, w->cfreq, c, &w->cnf, &cseg) == CS_OK)
            memcpy(w->coh[l] + r * 9, c, w->cnf * sizeof *c);
        else
            st = cs_metrics_add_note(m, "coherence of layers %s and %s over relaxation %zu: %s",
                                     cs_runlog_layer_name(run, w->lay[l]), cs_runlog_layer_name(run, w->lay[l + 1]),
                                     r, cs_last_error());
    }
    return st;
}

/* The per-layer relaxation metrics and the coherence of adjacent layers. */
static cs_status relax_store(const cs_runlog *run, cs_metrics *m, const cs_obs_params *p, relax_state *w)
{
    cs_status st = CS_OK;
    size_t R = w->R, dR[1] = {R}, d16[2] = {R, 16}, dF[2] = {R, w->nf};
    for (size_t l = 0; l < w->L && st == CS_OK; l++) {
        const char *layer = cs_runlog_layer_name(run, w->lay[l]);
        if (p->metrics & CS_OBS_PHIID) {
            st = obs_put_named(m, "relax_phi_wms", layer, 1, dR, w->wms[l]);
            if (st == CS_OK)
                st = obs_put_named(m, "relax_phi_r", layer, 1, dR, w->pr[l]);
            if (st == CS_OK)
                st = obs_put_named(m, "relax_phiid_atoms", layer, 2, d16, w->atoms[l]);
        }
        if (st == CS_OK && (p->metrics & CS_OBS_SPECTRA)) {
            st = obs_put1(m, "relax_freq", layer, w->nf, w->freq);
            if (st == CS_OK)
                st = obs_put_named(m, "relax_psd", layer, 2, dF, w->psd[l]);
        }
    }
    if (st != CS_OK || !(p->metrics & CS_OBS_SPECTRA) || w->L < 2 || !w->cnf)
        return st;
    for (size_t l = 0; l + 1 < w->L && st == CS_OK; l++) {
        char pair[2 * CS_RUNLOG_NAME_MAX + 2];
        size_t dims[2] = {R, w->cnf};
        double *c = obs_arena_nan(&w->a, R * w->cnf);
        if (!c)
            return cs_error_set(CS_ENOMEM, "out of memory for coherence");
        for (size_t r = 0; r < R; r++)
            memcpy(c + r * w->cnf, w->coh[l] + r * 9, w->cnf * sizeof *c);
        snprintf(pair, sizeof pair, "%s-%s", cs_runlog_layer_name(run, w->lay[l]),
                 cs_runlog_layer_name(run, w->lay[l + 1]));
        st = obs_put1(m, "coherence.{pair}.relax_freq", pair, w->cnf, w->cfreq);
        if (st == CS_OK)
            st = obs_put_named(m, "coherence.{pair}.relax_coherence", pair, 2, dims, c);
    }
    return st;
}

cs_status obs_analyze_relax(const cs_runlog *run, cs_metrics *m, const cs_obs_params *p, int nthreads, size_t *done,
                            size_t total)
{
    relax_state w = {0};
    cs_status st = relax_alloc(run, &w);
    for (size_t r = 0; r < w.R && st == CS_OK; r++) {
        for (size_t l = 0; l < w.L && st == CS_OK; l++) {
            double *energy = NULL;
            st = cs_runlog_read_relaxation(run, w.lay[l], r, &w.states[l], &energy);
            free(energy);
        }
        if (st == CS_OK)
            st = relax_tasks(run, m, p, nthreads, r, &w);
        if (st == CS_OK && (p->metrics & CS_OBS_SPECTRA) && w.L >= 2)
            st = relax_coherence(run, m, r, &w);
        for (size_t l = 0; l < w.L; l++)
            cs_matrix_free(&w.states[l]);
        if (st == CS_OK)
            obs_report_progress(p, ++*done, total);
    }
    if (st == CS_OK)
        st = relax_store(run, m, p, &w);
    relax_free(&w);
    return st;
}
