/* PID of neuron pairs about the label (cogscope/pid.h): every pair of the
 * units used ranked by joint MI I(Xi,Xj;Y), the top ones decomposed. */
#include "observe_internal.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cogscope/discrete.h"
#include "cogscope/gaussian.h"
#include "cogscope/gcopula.h"
#include "cogscope/pid.h"

void cs_obs_pid_result_free(cs_obs_pid_result *r)
{
    if (!r)
        return;
    free(r->pairs);
    free(r->mi);
    free(r->redundancy);
    free(r->unique1);
    free(r->unique2);
    free(r->synergy);
    free(r->omega);
    r->pairs = NULL;
    r->mi = r->redundancy = r->unique1 = r->unique2 = r->synergy = r->omega = NULL;
}

typedef struct {
    double mi;
    size_t i, j; /* positions among the units used, i < j */
} pair_mi;

/* Descending MI; ties broken lexicographically so the ranking is unique. */
static int cmp_pair(const void *a, const void *b)
{
    const pair_mi *x = a, *y = b;
    if (x->mi != y->mi)
        return x->mi > y->mi ? -1 : 1;
    if (x->i != y->i)
        return x->i < y->i ? -1 : 1;
    return x->j < y->j ? -1 : x->j > y->j;
}

static cs_status alloc_result(cs_obs_pid_result *out, size_t P)
{
    out->pairs = calloc(P ? P : 1, sizeof *out->pairs);
    double **arrs[6] = {&out->mi, &out->redundancy, &out->unique1, &out->unique2, &out->synergy, &out->omega};
    int ok = out->pairs != NULL;
    for (int a = 0; a < 6; a++) {
        *arrs[a] = malloc((P ? P : 1) * sizeof **arrs[a]);
        ok = ok && *arrs[a];
        for (size_t q = 0; *arrs[a] && q < P; q++)
            (*arrs[a])[q] = NAN;
    }
    if (!ok) {
        cs_obs_pid_result_free(out);
        return cs_error_set(CS_ENOMEM, "out of memory for PID pairs");
    }
    return CS_OK;
}

/* Gaussian or Gaussian-copula: one covariance of (units, one-hot label). */
static cs_status pairs_gaussian(const obs_probe *pr, cs_matrix sub, const cs_obs_params *p, pair_mi *pm,
                                size_t npairs, cs_obs_pid_result *out, const size_t *units)
{
    size_t n = sub.rows, k = sub.cols, dy = pr->classes - 1, d = k + dy;
    cs_matrix D;
    cs_status st = cs_matrix_alloc(n, d, &D);
    if (st != CS_OK)
        return st;
    double *cov = malloc(d * d * sizeof *cov);
    size_t *ycols = malloc(dy * sizeof *ycols);
    if (!cov || !ycols) {
        st = cs_error_set(CS_ENOMEM, "out of memory for PID pairs");
        goto done;
    }
    for (size_t i = 0; i < n; i++) {
        memcpy(D.data + i * d, cs_matrix_row(sub, i), k * sizeof(double));
        memcpy(D.data + i * d + k, cs_matrix_row(pr->y_onehot, i), dy * sizeof(double));
    }
    if (p->estimator != CS_OBS_EST_GAUSSIAN)
        for (size_t c = 0; c < d; c++)
            if ((st = cs_gcopula_normalise_column(D.data + c, n, d, D.data + c, d)) != CS_OK)
                goto done;
    if ((st = cs_gaussian_cov(D, NULL, 0, 0, cov, NULL)) != CS_OK)
        goto done;
    for (size_t c = 0; c < dy; c++)
        ycols[c] = k + c;
    size_t q = 0;
    for (size_t i = 0; i < k; i++)
        for (size_t j = i + 1; j < k; j++) {
            size_t xs[2] = {i, j};
            pm[q].i = i;
            pm[q].j = j;
            if (cs_gaussian_mi(cov, d, xs, 2, ycols, dy, "PID pair", &pm[q].mi) != CS_OK)
                pm[q].mi = -INFINITY; /* singular pair: ranked last, never decomposed */
            q++;
        }
    qsort(pm, npairs, sizeof *pm, cmp_pair);
    cs_pid_params pp;
    cs_pid_params_default(&pp);
    pp.redundancy = p->pid_redundancy;
    pp.seed = p->seed;
    pp.threads = 1;
    size_t dd = 2 + dy;
    double *sc = malloc(dd * dd * sizeof *sc);
    if (!sc) {
        st = cs_error_set(CS_ENOMEM, "out of memory for PID pairs");
        goto done;
    }
    for (size_t r = 0; r < out->n_pairs; r++) {
        out->pairs[r][0] = units[pm[r].i];
        out->pairs[r][1] = units[pm[r].j];
        if (!isfinite(pm[r].mi))
            continue;
        size_t idx[2 + 64];
        idx[0] = pm[r].i;
        idx[1] = pm[r].j;
        for (size_t c = 0; c < dy; c++)
            idx[2 + c] = k + c;
        for (size_t a = 0; a < dd; a++)
            for (size_t b = 0; b < dd; b++)
                sc[a * dd + b] = cov[idx[a] * d + idx[b]];
        cs_pid_result res;
        if (cs_pid_gaussian_cov(sc, 1, 1, dy, &pp, &res) != CS_OK) {
            if (!out->note[0])
                snprintf(out->note, sizeof out->note, "PID of units %zu, %zu: %s", out->pairs[r][0],
                         out->pairs[r][1], cs_last_error());
            continue;
        }
        out->mi[r] = res.mi_joint;
        out->redundancy[r] = res.redundancy;
        out->unique1[r] = res.unique[0];
        out->unique2[r] = res.unique[1];
        out->synergy[r] = res.synergy;
        out->omega[r] = res.omega;
    }
    free(sc);
done:
    cs_matrix_free(&D);
    free(cov);
    free(ycols);
    return st;
}

/* Binned: plug-in over `bins` equal-width bins per unit. */
static cs_status pairs_binned(const obs_probe *pr, cs_matrix sub, const cs_obs_params *p, pair_mi *pm,
                              size_t npairs, cs_obs_pid_result *out, const size_t *units)
{
    size_t n = sub.rows, k = sub.cols;
    cs_symbols s;
    cs_status st = cs_discrete_bin(sub, p->bins, CS_BIN_EQUAL_WIDTH, &s);
    if (st != CS_OK)
        return st;
    int32_t *col = malloc(2 * n * sizeof *col), *joint = malloc(n * sizeof *joint);
    double *buf = malloc(3 * n * sizeof *buf);
    if (!col || !joint || !buf) {
        st = cs_error_set(CS_ENOMEM, "out of memory for PID pairs");
        goto done;
    }
    size_t q = 0;
    for (size_t i = 0; i < k && st == CS_OK; i++)
        for (size_t j = i + 1; j < k && st == CS_OK; j++) {
            for (size_t r = 0; r < n; r++) {
                col[r] = s.data[r * k + i];
                col[n + r] = s.data[r * k + j];
            }
            size_t nj;
            if ((st = cs_discrete_pair(col, (size_t)s.alphabet[i], col + n, (size_t)s.alphabet[j], n, joint, &nj)) ==
                CS_OK)
                st = obs_discrete_mi(joint, nj, pr->y_codes, pr->classes, n, &pm[q].mi);
            pm[q].i = i;
            pm[q].j = j;
            q++;
        }
    if (st != CS_OK)
        goto done;
    qsort(pm, npairs, sizeof *pm, cmp_pair);
    cs_pid_params pp;
    cs_pid_params_default(&pp);
    pp.redundancy = p->pid_redundancy;
    pp.seed = p->seed;
    pp.threads = 1;
    for (size_t r = 0; r < out->n_pairs; r++) {
        out->pairs[r][0] = units[pm[r].i];
        out->pairs[r][1] = units[pm[r].j];
        for (size_t a = 0; a < n; a++) {
            buf[a] = s.data[a * k + pm[r].i];
            buf[n + a] = s.data[a * k + pm[r].j];
            buf[2 * n + a] = pr->y_codes[a];
        }
        cs_pid_result res;
        if (cs_pid_discrete(cs_matrix_view(buf, n, 1), cs_matrix_view(buf + n, n, 1), cs_matrix_view(buf + 2 * n, n, 1),
                            &pp, &res) != CS_OK) {
            if (!out->note[0])
                snprintf(out->note, sizeof out->note, "PID of units %zu, %zu: %s", out->pairs[r][0],
                         out->pairs[r][1], cs_last_error());
            continue;
        }
        out->mi[r] = res.mi_joint;
        out->redundancy[r] = res.redundancy;
        out->unique1[r] = res.unique[0];
        out->unique2[r] = res.unique[1];
        out->synergy[r] = res.synergy;
        out->omega[r] = res.omega;
    }
done:
    cs_symbols_free(&s);
    free(col);
    free(joint);
    free(buf);
    return st;
}

cs_status obs_pid_pairs(const obs_probe *pr, cs_matrix t, const size_t *unit_order, const cs_obs_params *p,
                        cs_obs_pid_result *out)
{
    memset(out, 0, sizeof *out);
    out->mean_omega = out->mean_synergy = NAN;
    if (t.rows != pr->n)
        return cs_error_set(CS_ESHAPE, "layer values have %zu rows, the probe set %zu", t.rows, pr->n);
    cs_status st = cs_matrix_check_finite(t, "layer values");
    if (st != CS_OK)
        return st;
    size_t *units = malloc((t.cols ? t.cols : 1) * sizeof *units);
    if (!units)
        return cs_error_set(CS_ENOMEM, "out of memory for PID pairs");
    size_t k = obs_select_units(t, unit_order, obs_unit_cap(p, t.rows), p->estimator, units);
    size_t npairs = k * (k - (k > 0)) / 2;
    size_t P = npairs < p->pid_pairs ? npairs : p->pid_pairs;
    if ((st = alloc_result(out, P)) != CS_OK) {
        free(units);
        return st;
    }
    out->n_pairs = P;
    if (P == 0 || pr->classes < 2 || pr->classes - 1 > 64) {
        if (P == 0)
            snprintf(out->note, sizeof out->note, "fewer than 2 non-constant units: no pairs to decompose");
        else
            snprintf(out->note, sizeof out->note, "the probe set holds %zu classes: PID needs 2..65", pr->classes);
        free(units);
        return CS_OK;
    }
    cs_matrix sub;
    pair_mi *pm = malloc(npairs * sizeof *pm);
    if (!pm || (st = cs_matrix_select_cols(t, units, k, &sub)) != CS_OK) {
        free(pm);
        free(units);
        cs_obs_pid_result_free(out);
        return pm ? st : cs_error_set(CS_ENOMEM, "out of memory for PID pairs");
    }
    st = p->estimator == CS_OBS_EST_BINNED ? pairs_binned(pr, sub, p, pm, npairs, out, units)
                                           : pairs_gaussian(pr, sub, p, pm, npairs, out, units);
    if (st == CS_OK) {
        /* Report each pair with its lower unit index first. */
        for (size_t r = 0; r < P; r++)
            if (out->pairs[r][0] > out->pairs[r][1]) {
                size_t tu = out->pairs[r][0];
                out->pairs[r][0] = out->pairs[r][1];
                out->pairs[r][1] = tu;
                double tv = out->unique1[r];
                out->unique1[r] = out->unique2[r];
                out->unique2[r] = tv;
            }
        double so = 0, ss = 0;
        size_t no = 0, ns = 0;
        for (size_t r = 0; r < P; r++) {
            if (isfinite(out->omega[r])) {
                so += out->omega[r];
                no++;
            }
            if (isfinite(out->synergy[r])) {
                ss += out->synergy[r];
                ns++;
            }
        }
        out->mean_omega = no ? so / (double)no : NAN;
        out->mean_synergy = ns ? ss / (double)ns : NAN;
    } else {
        cs_obs_pid_result_free(out);
    }
    cs_matrix_free(&sub);
    free(pm);
    free(units);
    return st;
}

cs_status cs_obs_pid_pairs(cs_matrix t, const int32_t *labels, const size_t *unit_order, const cs_obs_params *p,
                           cs_obs_pid_result *out)
{
    if (!labels || !p || !out)
        return cs_error_set(CS_EINVAL, "cs_obs_pid_pairs: labels, parameters and out must be given");
    cs_status st = cs_obs_params_check(p);
    if (st != CS_OK)
        return st;
    /* Only the label coding of the probe is used: inputs are not needed, a
     * one-column stand-in keeps obs_probe_init's checks meaningful. */
    cs_matrix x;
    if ((st = cs_matrix_alloc(t.rows, 1, &x)) != CS_OK)
        return st;
    for (size_t i = 0; i < t.rows; i++)
        x.data[i] = (double)i;
    obs_probe pr;
    st = obs_probe_init(x, labels, 1, &pr);
    cs_matrix_free(&x);
    if (st != CS_OK)
        return st;
    st = obs_pid_pairs(&pr, t, unit_order, p, out);
    obs_probe_free(&pr);
    return st;
}
