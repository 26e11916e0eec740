/* cogscope estimate te|mi --pairs COLS (estimate_pairs.h). Pair (i, j) is
 * the measure with column i as --x (te: the source) and column j as --y
 * (te: the destination); every ordered pair i != j is computed, mi included,
 * so that each entry is exactly the single estimate
 * `estimate MEASURE --x i --y j` (with the same seed for its surrogates). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "dist.h"
#include "estimate_dist.h"
#include "estimate_pairs.h"
#include "cogscope/json.h"

/* Column j of `data` as an n x 1 view. */
static cs_matrix column(cs_matrix data, size_t j) { return (cs_matrix){data.data + j, data.rows, 1, data.stride}; }

/* One ordered pair: out[0] = value (nats), out[1] = p-value (NaN without a
 * test). */
static cs_status one_pair(const cs_info_params *p, cs_matrix data, size_t i, size_t j, uint64_t nsurr, uint64_t seed,
                          double out[2])
{
    cs_info *c = NULL;
    cs_info_significance sig;
    cs_status st = cs_info_create(p, &c);
    if (!st)
        st = cs_info_set_observations(c, column(data, i), column(data, j), (cs_matrix){0});
    if (!st)
        st = cs_info_average(c, &out[0]);
    out[1] = NAN;
    if (!st && nsurr && !(st = cs_info_surrogates(c, (size_t)nsurr, seed, &sig, NULL)))
        out[1] = sig.p_value;
    cs_info_destroy(c);
    return st;
}

/* Samples each estimate uses (te: the embedded time points). */
static size_t usable(const cs_info_params *p, size_t rows)
{
    return p->measure == CS_INFO_TE ? cs_embed_te_count(rows, &p->embed, 0) : rows;
}

/* Ordered pair number q (0 .. m(m-1)-1) in row-major order, diagonal skipped. */
static void pair_of(size_t q, size_t m, size_t *i, size_t *j)
{
    *i = q / (m - 1);
    *j = q % (m - 1);
    if (*j >= *i)
        (*j)++;
}

static void print_matrix_text(const char *title, const double *M, const size_t *cols, size_t m, double scale)
{
    printf("# %s\n#", title);
    for (size_t j = 0; j < m; j++)
        printf("\t%zu", cols[j]);
    printf("\n");
    for (size_t i = 0; i < m; i++) {
        printf("%zu", cols[i]);
        for (size_t j = 0; j < m; j++)
            if (i == j)
                printf("\t-");
            else
                printf("\t%.10g", M[i * m + j] * scale);
        printf("\n");
    }
}

static void print_matrix_json(cs_json *J, const char *key, const double *M, size_t m, double scale)
{
    cs_json_key(J, key);
    cs_json_begin_array(J);
    for (size_t i = 0; i < m; i++) {
        cs_json_begin_array(J);
        for (size_t j = 0; j < m; j++)
            if (i == j)
                cs_json_null(J);
            else
                cs_json_number(J, M[i * m + j] * scale);
        cs_json_end_array(J);
    }
    cs_json_end_array(J);
}

static void print_json(const char *measure_arg, const cs_info_params *p, const est_opts *eo, const est_var *v,
                       uint64_t nsurr, uint64_t seed, const double *val, const double *pv)
{
    size_t m = v->ncols;
    int te = p->measure == CS_INFO_TE;
    int ksg = p->est.estimator == CS_EST_KSG1 || p->est.estimator == CS_EST_KSG2;
    cs_json J;
    est_json_begin(&J, measure_arg, eo);
    cs_json_kv_int(&J, "n", (long long)usable(p, v->data.rows));
    cs_json_key(&J, "params");
    cs_json_begin_object(&J);
    est_json_source(&J, eo, v->file);
    est_json_list(&J, "pairs", v->cols, m);
    if (te) {
        cs_json_kv_int(&J, "history", (long long)p->embed.k);
        cs_json_kv_int(&J, "history_tau", (long long)p->embed.k_tau);
        cs_json_kv_int(&J, "source_history", (long long)p->embed.l);
        cs_json_kv_int(&J, "source_tau", (long long)p->embed.l_tau);
        cs_json_kv_int(&J, "delay", (long long)p->embed.u);
    }
    est_json_estimator(&J, eo);
    if (ksg) {
        cs_json_kv_int(&J, "k", p->est.knn);
        cs_json_kv_int(&J, "theiler", (long long)p->est.theiler);
        cs_json_key(&J, "normalize");
        cs_json_bool(&J, p->est.normalize);
        cs_json_kv_number(&J, "noise", p->est.noise_sd);
    }
    if (nsurr)
        cs_json_kv_int(&J, "surrogates", (long long)nsurr);
    if (nsurr || (ksg && p->est.noise_sd > 0))
        cs_json_kv_int(&J, "seed", (long long)seed);
    cs_json_end_object(&J);
    cs_json_kv_string(&J, "rows", te ? "source" : "x");
    cs_json_kv_string(&J, "columns", te ? "destination" : "y");
    print_matrix_json(&J, "value", val, m, eo->to_unit);
    if (nsurr)
        print_matrix_json(&J, "p_value", pv, m, 1.0);
    cs_json_end_object(&J);
}

int est_pairs_run(const char *cmd, const char *measure_arg, const cs_info_params *p, const est_opts *eo,
                  const est_var *v, uint64_t nsurr, uint64_t seed)
{
    size_t m = v->ncols, npairs = m * (m - 1);
    uint64_t first, cnt;
    dist_block(npairs, &first, &cnt);
    int root = dist_rank() == 0;
    double *mine = malloc((cnt ? cnt : 1) * 2 * sizeof *mine);
    double *all = root ? malloc(npairs * 2 * sizeof *all) : NULL;
    double *val = root ? malloc(m * m * sizeof *val) : NULL;
    double *pv = root ? malloc(m * m * sizeof *pv) : NULL;
    cs_status st = CS_OK;
    if (!mine || (root && (!all || !val || !pv)))
        st = cs_error_set(CS_ENOMEM, "out of memory for %zu pairs", npairs);
    for (uint64_t q = 0; q < cnt && !st; q++) {
        size_t i, j;
        pair_of((size_t)(first + q), m, &i, &j);
        if ((st = one_pair(p, v->data, i, j, nsurr, seed, mine + 2 * q)))
            cs_error_prefix("%s, pair %zu -> %zu: ", v->file, v->cols[i], v->cols[j]);
    }
    st = est_dist_agree(st);
    if (!st)
        st = dist_gather(mine, (size_t)(2 * cnt), all);
    int out = CLI_OK;
    if (st) {
        out = cli_fail(cmd, st);
    } else if (root) {
        for (size_t i = 0; i < m; i++)
            val[i * m + i] = pv[i * m + i] = NAN;
        for (size_t q = 0; q < npairs; q++) {
            size_t i, j;
            pair_of(q, m, &i, &j);
            val[i * m + j] = all[2 * q];
            pv[i * m + j] = all[2 * q + 1];
        }
        if (eo->json) {
            print_json(measure_arg, p, eo, v, nsurr, seed, val, pv);
        } else {
            char title[256];
            printf("# %s (%s, %s): %zu columns, %zu ordered pairs, n = %zu%s\n", measure_arg, eo->est_text, eo->units,
                   m, npairs, usable(p, v->data.rows), nsurr ? ", with permutation p-values" : "");
            snprintf(title, sizeof title, "%s[row][column]%s", measure_arg,
                     p->measure == CS_INFO_TE ? ": from the row's column to the column's" : "");
            print_matrix_text(title, val, v->cols, m, eo->to_unit);
            if (nsurr) {
                snprintf(title, sizeof title, "p-value (%llu surrogates, seed %llu)", (unsigned long long)nsurr,
                         (unsigned long long)seed);
                print_matrix_text(title, pv, v->cols, m, 1.0);
            }
        }
    }
    free(mine);
    free(all);
    free(val);
    free(pv);
    return out;
}
