/* PID of neuron pairs about the label (cogscope/pid.h): every pair of the
 * units used ranked by joint MI I(Xi,Xj;Y), the top ones decomposed. */
#include "observe_internal.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cogscope/columns.h"
#include "cogscope/discrete.h"
#include "cogscope/gaussian.h"
#include "cogscope/gcopula.h"
#include "cogscope/info.h"
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

/* Rank every pair by I(Xi,Xj;Y) under the Gaussian class model (GCMI's
 * gcmi_model_cd on the copula-normalised units, without bias correction):
 * 0.5 ln det C_ij - sum_c p_c 0.5 ln det C_ij|c from the layer's overall and
 * per-class covariances, a 2 x 2 determinant per pair and class. Only the
 * ranking uses it; the top pairs are then decomposed with the estimator's
 * own mixed MI. Singular pairs rank last. */
static cs_status rank_pairs_model(const obs_probe *pr, cs_matrix sub, int copula, uint64_t seed, pair_mi *pm,
                                  size_t npairs)
{
    size_t n = sub.rows, k = sub.cols, C = pr->classes;
    cs_matrix w = {0};
    double *cov = malloc((C + 1) * k * k * sizeof *cov), *cnt = calloc(C, sizeof *cnt);
    cs_status st = cov && cnt ? cs_matrix_alloc(n, k, &w) : cs_error_set(CS_ENOMEM, "out of memory for PID pairs");
    for (size_t i = 0; st == CS_OK && i < n; i++)
        memcpy(w.data + i * k, cs_matrix_row(sub, i), k * sizeof(double));
    /* the same seeded tie-breaking as the estimates (saturated units would
     * otherwise give singular class covariances and rank last) */
    if (st == CS_OK)
        st = cs_columns_jitter(w, 1e-8, seed);
    if (st == CS_OK && copula)
        st = cs_gcopula_normalise(w, w);
    if (st == CS_OK)
        st = cs_gaussian_cov(w, NULL, 0, 0, cov, NULL);
    for (size_t c = 0; st == CS_OK && c < C; c++) {
        size_t nc = 0;
        for (size_t i = 0; i < n; i++)
            nc += pr->y_codes[i] == (int32_t)c;
        cnt[c] = (double)nc / (double)n;
        cs_matrix wc;
        if (nc < 2 || (st = cs_matrix_alloc(nc, k, &wc)) != CS_OK) {
            for (size_t q = 0; q < k * k; q++)
                cov[(c + 1) * k * k + q] = 0; /* a singleton class: its pairs get -inf below */
            continue;
        }
        for (size_t i = 0, r = 0; i < n; i++)
            if (pr->y_codes[i] == (int32_t)c)
                memcpy(wc.data + (r++) * k, w.data + i * k, k * sizeof(double));
        st = cs_gaussian_cov(wc, NULL, 0, 0, cov + (c + 1) * k * k, NULL);
        cs_matrix_free(&wc);
    }
    size_t q = 0;
    for (size_t i = 0; st == CS_OK && i < k; i++)
        for (size_t j = i + 1; j < k; j++, q++) {
            double v = 0;
            for (size_t c = 0; c <= C; c++) {
                const double *m = cov + c * k * k;
                double det = m[i * k + i] * m[j * k + j] - m[i * k + j] * m[j * k + i];
                double h = det > 0 ? 0.5 * log(det) : -INFINITY;
                v += c == 0 ? h : -cnt[c - 1] * h;
            }
            pm[q].i = i;
            pm[q].j = j;
            pm[q].mi = isfinite(v) ? v : -INFINITY;
        }
    if (st == CS_OK)
        qsort(pm, npairs, sizeof *pm, cmp_pair);
    cs_matrix_free(&w);
    free(cov);
    free(cnt);
    return st;
}

/* Continuous estimators with the class label as the target: MMI PID of the
 * mixed MIs (cogscope/mixed.h through cs_info with Y discrete),
 *   R = min(I(Xi;Y), I(Xj;Y)),  U = I(X.;Y) - R,
 *   S = I(Xi,Xj;Y) - I(Xi;Y) - I(Xj;Y) + R,  Omega = S / I(Xi,Xj;Y). */
static cs_status pairs_mixed(const obs_probe *pr, cs_matrix sub, const cs_obs_params *p, pair_mi *pm, size_t npairs,
                             cs_obs_pid_result *out, const size_t *units)
{
    size_t n = sub.rows;
    cs_status st = rank_pairs_model(pr, sub, p->estimator != CS_EST_GAUSSIAN, p->seed, pm, npairs);
    if (st != CS_OK)
        return st;
    cs_info_params ip;
    cs_info_params_default(CS_INFO_MI, p->estimator, &ip); /* gaussian, gcopula or ksg1 here */
    ip.types[CS_ROLE_Y] = CS_VAR_DISCRETE;
    ip.est.gc_mixture = p->gc_mixture && p->estimator != CS_EST_KSG1;
    ip.est.knn = p->ksg_k;
    ip.est.noise_sd = 1e-8; /* seeded tie-breaking, as I(T;Y) */
    ip.est.noise_seed = p->seed;
    ip.est.threads = 1;
    double *buf = malloc(3 * n * sizeof *buf);
    if (!buf)
        return cs_error_set(CS_ENOMEM, "out of memory for PID pairs");
    cs_matrix y = cs_matrix_view(buf + 2 * n, n, 1);
    for (size_t i = 0; i < n; i++)
        buf[2 * n + i] = pr->y_codes[i];
    for (size_t r = 0; r < out->n_pairs; r++) {
        out->pairs[r][0] = units[pm[r].i];
        out->pairs[r][1] = units[pm[r].j];
        for (size_t i = 0; i < n; i++) {
            buf[2 * i] = cs_matrix_get(sub, i, pm[r].i);
            buf[2 * i + 1] = cs_matrix_get(sub, i, pm[r].j);
        }
        cs_matrix both = cs_matrix_view(buf, n, 2), x1 = {buf, n, 1, 2}, x2 = {buf + 1, n, 1, 2};
        double i1, i2, i12;
        cs_status e;
        if ((e = cs_info_mi(&ip, x1, y, &i1)) != CS_OK || (e = cs_info_mi(&ip, x2, y, &i2)) != CS_OK ||
            (e = cs_info_mi(&ip, both, y, &i12)) != CS_OK) {
            if (!out->note[0])
                snprintf(out->note, sizeof out->note, "PID of units %zu, %zu: %s", out->pairs[r][0], out->pairs[r][1],
                         cs_last_error());
            continue;
        }
        double red = i1 < i2 ? i1 : i2;
        out->mi[r] = i12;
        out->redundancy[r] = red;
        out->unique1[r] = i1 - red;
        out->unique2[r] = i2 - red;
        out->synergy[r] = i12 - i1 - i2 + red;
        out->omega[r] = i12 > 0 ? out->synergy[r] / i12 : NAN;
    }
    free(buf);
    return CS_OK;
}

/* Binned: plug-in over `bins` equal-width bins per unit. */
static cs_status pairs_binned(const obs_probe *pr, cs_matrix sub, const cs_obs_params *p, pair_mi *pm, size_t npairs,
                              cs_obs_pid_result *out, const size_t *units)
{
    size_t n = sub.rows, k = sub.cols;
    cs_symbols s;
    /* adaptive: cells of (unit, unit, label) hold >= 5 samples on average */
    cs_status st = cs_discrete_bin(sub, p->bins ? p->bins : cs_obs_adaptive_bins(n, 2, pr->classes),
                                   CS_BIN_EQUAL_WIDTH, &s);
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
    cs_estimator_params ep;
    cs_estimator_params_default(CS_EST_DISCRETE, &ep);
    for (size_t r = 0; r < out->n_pairs; r++) {
        out->pairs[r][0] = units[pm[r].i];
        out->pairs[r][1] = units[pm[r].j];
        for (size_t a = 0; a < n; a++) {
            buf[a] = s.data[a * k + pm[r].i];
            buf[n + a] = s.data[a * k + pm[r].j];
            buf[2 * n + a] = pr->y_codes[a];
        }
        cs_pid_result res;
        if (cs_pid_estimate(&ep, cs_matrix_view(buf, n, 1), cs_matrix_view(buf + n, n, 1),
                            cs_matrix_view(buf + 2 * n, n, 1), &pp, &res) != CS_OK) {
            if (!out->note[0])
                snprintf(out->note, sizeof out->note, "PID of units %zu, %zu: %s", out->pairs[r][0], out->pairs[r][1],
                         cs_last_error());
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
    st = p->estimator == CS_EST_DISCRETE ? pairs_binned(pr, sub, p, pm, npairs, out, units)
                                         : pairs_mixed(pr, sub, p, pm, npairs, out, units);
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
