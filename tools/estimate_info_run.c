/* cogscope estimate entropy|mi|cmi|te|ais after the checks of
 * estimate_info.c: the variables from --cov or from the tables, the
 * calculator, --local, the significance tests, and the output (one JSON
 * object, or lines of text). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dist.h"
#include "estimate_dist.h"
#include "estimate_info.h"
#include "cogscope/collist.h"
#include "cogscope/json.h"

static const char *const CMD = "estimate";

static int need_y(const info_job *J) { return J->measure != CS_INFO_ENTROPY && J->measure != CS_INFO_AIS; }
static int need_z(const info_job *J) { return J->measure == CS_INFO_CMI; }
static int allow_z(const info_job *J) { return need_z(J) || J->measure == CS_INFO_TE; }
static int is_ksg(const info_job *J) { return J->eo.est == CS_EST_KSG1 || J->eo.est == CS_EST_KSG2; }
static int any_discrete(const info_job *J) { return J->discrete[0] || J->discrete[1] || J->discrete[2]; }

/* --cov: the rows each role needs (the measure table has checked the
 * estimator and the options against --cov). Returns 0 or 2. */
static int check_cov_roles(const info_job *J)
{
    if (J->eo.input || J->vx.file || J->vy.file || J->vz.file)
        return cli_usage_error(CMD, "--cov replaces --input/--x-input/...: give one or the other");
    int te = J->measure == CS_INFO_TE, ais = J->measure == CS_INFO_AIS;
    if (!J->vx.cols || (need_y(J) || ais ? !J->vy.cols : 0) || (need_z(J) && !J->vz.cols) || (te && !J->past))
        return cli_usage_error(CMD, "with --cov, %s needs %s", J->name,
                               te          ? "--x (source past), --y (destination future) and --past"
                               : ais       ? "--x (past) and --y (future)"
                               : need_z(J) ? "--x, --y and --z"
                               : need_y(J) ? "--x and --y"
                                           : "--x");
    if (!allow_z(J) && J->vz.cols)
        return cli_usage_error(CMD, "%s takes no --z", J->name);
    return 0;
}

/* The exact Gaussian measure of a covariance's rows. */
static int setup_cov(info_job *J)
{
    int rc = check_cov_roles(J);
    if (rc)
        return rc;
    cs_status st = est_cov_read(J->eo.cov, &J->cov);
    if (st)
        return cli_fail(CMD, st);
    /* te: the library's z = destination past + conditioning rows */
    size_t nz = J->vz.ncols;
    const size_t *zr = J->vz.cols;
    if (J->measure == CS_INFO_TE) {
        nz = J->npast + J->vz.ncols;
        if (!(J->zrows = malloc((nz ? nz : 1) * sizeof *J->zrows)))
            return cli_fail(CMD, cs_error_set(CS_ENOMEM, "out of memory"));
        memcpy(J->zrows, J->past, J->npast * sizeof *J->zrows);
        if (J->vz.ncols)
            memcpy(J->zrows + J->npast, J->vz.cols, J->vz.ncols * sizeof *J->zrows);
        zr = J->zrows;
    }
    if (J->measure == CS_INFO_AIS)
        J->p.measure = CS_INFO_MI; /* past/future rows given: AIS is their MI */
    if ((st = cs_info_create(&J->p, &J->calc)) ||
        (st = cs_info_set_covariance(J->calc, J->cov.data, J->cov.rows, J->vx.cols, J->vx.ncols, J->vy.cols,
                                     J->vy.ncols, zr, nz, (size_t)J->n_cov))) {
        cs_error_prefix("%s: ", J->eo.cov);
        return cli_fail(CMD, st);
    }
    return 0;
}

/* The roles' columns from their tables (each file read once): discrete data
 * given as symbols must be integers (in the alphabet, if any); continuous
 * estimators drop a constant or duplicated column with a note (refused with
 * --strict); every role as long as X. */
static int read_roles(info_job *J, const int used[3])
{
    int is_disc = J->eo.est == CS_EST_DISCRETE;
    int cont_checks = is_disc ? (J->eo.bins ? 0 : EST_SYMBOLS) : EST_PRUNE | (J->eo.strict ? EST_STRICT : 0);
    est_var *vars[3] = {&J->vx, &J->vy, &J->vz};
    cs_status st;
    for (int r = 0; r < 3; r++) {
        if (!vars[r]->file)
            vars[r]->file = J->eo.input;
        cs_matrix table;
        int checks = J->discrete[r] ? EST_SYMBOLS : cont_checks;
        long alphabet = is_disc ? J->eo.alphabet : 0;
        if (used[r] && ((st = est_tables_get(&J->tables, vars[r]->file, &table)) ||
                        (st = est_var_select(vars[r], table, checks | EST_VIEW, alphabet))))
            return cli_fail(CMD, st);
        if (used[r] && vars[r]->data.rows != J->vx.data.rows) {
            cs_error_set(CS_ESHAPE, "X and %c differ in length: %s has %zu rows for --x, %s has %zu rows for %s",
                         "XYZ"[r], J -> vx.file, J->vx.data.rows, vars[r]->file, vars[r]->data.rows, vars[r]->flag);
            return cli_fail(CMD, CS_ESHAPE);
        }
    }
    return 0;
}

/* KSG: k must leave at least one non-neighbour; the message names the flag,
 * not an internal role. */
static int check_knn(const info_job *J, int use_z)
{
    size_t n = J->vx.data.rows;
    size_t usable = J->measure == CS_INFO_TE    ? cs_embed_te_count(n, &J->p.embed, use_z)
                    : J->measure == CS_INFO_AIS ? cs_embed_ais_count(n, J->p.embed.k, J->p.embed.k_tau)
                                                : n;
    if (usable > 0 && (size_t)J->knn >= usable) {
        cs_error_set(CS_EINVAL, "--k %ld must be smaller than the number of usable samples (%zu)", J->knn, usable);
        return cli_fail(CMD, CS_EINVAL);
    }
    return 0;
}

/* The measure of the samples. */
static int setup_samples(info_job *J)
{
    if (J->past_text || J->n_cov)
        return cli_usage_error(CMD, "--past and --n go with --cov");
    if (!J->eo.input && !J->vx.file)
        return cli_usage_error(CMD, "--input FILE (or --cov FILE) is required");
    if (!J->vx.cols && !J->vx.file)
        return cli_usage_error(CMD, "--x is required");
    int use_y = need_y(J) || J->measure == CS_INFO_CENTROPY, use_z = J->vz.cols || J->vz.file;
    const int used[3] = {1, use_y, use_z};
    int rc = read_roles(J, used);
    if (rc || (is_ksg(J) && (rc = check_knn(J, use_z))))
        return rc;
    cs_status st;
    if ((st = cs_info_create(&J->p, &J->calc)) ||
        (st = cs_info_set_observations(J->calc, J->vx.data, use_y ? J->vy.data : (cs_matrix){0},
                                       use_z ? J->vz.data : (cs_matrix){0})))
        return cli_fail(CMD, st);
    return 0;
}

int info_setup(info_job *J)
{
    est_var *vars[3] = {&J->vx, &J->vy, &J->vz};
    int rc;
    for (int r = 0; r < 3; r++)
        if ((rc = est_var_parse(CMD, vars[r])))
            return rc;
    if (J->local_path) {
        const char *inputs[5] = {J->eo.input, J->eo.cov, J->vx.file, J->vy.file, J->vz.file};
        if ((rc = cli_out_guard(CMD, "--local", J->local_path, inputs, 5, J->force)))
            return rc;
    }
    if (J->past_text && (!J->eo.cov || J->measure != CS_INFO_TE))
        return cli_usage_error(CMD, "--past names the destination-past rows of a --cov for te");
    if (J->past_text && cs_collist_parse(J->past_text, "--past", CS_COLLIST_MAX, &J->past, &J->npast))
        return cli_usage_error(CMD, "%s", cs_last_error());
    return J->eo.cov ? setup_cov(J) : setup_samples(J);
}

/* --local OUT: the pointwise values, one per line (one writer under mpirun). */
static int write_local(info_job *J)
{
    size_t n = cs_info_count(J->calc);
    if (!(J->local = malloc((n ? n : 1) * sizeof *J->local)))
        return cli_fail(CMD, cs_error_set(CS_ENOMEM, "out of memory"));
    cs_status st = cs_info_local(J->calc, J->local, &J->value);
    if (st)
        return cli_fail(CMD, st);
    cli_out f;
    if (cli_out_open(CMD, J->local_path, &f))
        return CLI_FAIL;
    for (size_t i = 0; i < n; i++)
        fprintf(f.f, "%.17g\n", J->local[i] * J->eo.to_unit);
    return cli_out_commit(CMD, &f) ? CLI_FAIL : 0;
}

/* "params": what was measured, and how. */
static void json_params(cs_json *j, const info_job *J)
{
    const cli_args *a = &J->args;
    cs_json_key(j, "params");
    cs_json_begin_object(j);
    est_json_source(j, &J->eo, J->vx.file);
    est_json_list(j, "x", J->vx.cols, J->vx.ncols);
    if (J->vy.cols)
        est_json_list(j, "y", J->vy.cols, J->vy.ncols);
    if (J->vz.cols)
        est_json_list(j, "z", J->vz.cols, J->vz.ncols);
    if (J->past)
        est_json_list(j, "past", J->past, J->npast);
    static const char *const hist[] = {"history", "history-tau", NULL},
                             *const te[] = {"source-history", "source-tau", "delay", NULL},
                             *const cond[] = {"cond-history", "cond-delay", NULL},
                             *const ksg[] = {"k", "theiler", "no-normalize", "noise", NULL};
    const char *const *echo[3] = {J->measure == CS_INFO_TE || J->measure == CS_INFO_AIS ? hist : NULL,
                                  J->measure == CS_INFO_TE ? te : NULL,
                                  J->measure == CS_INFO_TE && J->vz.cols ? cond : NULL};
    for (int g = 0; g < 3; g++)
        for (const char *const *k = echo[g]; k && *k; k++)
            cli_json_opt(j, a, J, *k);
    est_json_estimator(j, &J->eo);
    if (any_discrete(J)) {
        cs_json_key(j, "discrete");
        cs_json_begin_array(j);
        for (int r = 0; r < 3; r++)
            if (J->discrete[r])
                cs_json_string(j, r == 0 ? "x" : r == 1 ? "y" : "z");
        cs_json_end_array(j);
        if (J->eo.est == CS_EST_GAUSSIAN || J->eo.est == CS_EST_GCOPULA)
            cli_json_opt(j, a, J, "gc-form");
    }
    for (const char *const *k = is_ksg(J) ? ksg : NULL; k && *k; k++)
        cli_json_opt(j, a, J, *k);
    if (J->nsurr)
        cli_json_opt(j, a, J, "surrogates");
    if (J->nsurr || (is_ksg(J) && J->noise > 0))
        cli_json_opt(j, a, J, "seed");
    cs_json_end_object(j);
}

static void info_json(const info_job *J, const char *mname)
{
    size_t occupied = 0, n = cs_info_count(J->calc);
    int saturated = cs_info_saturated(J->calc, &occupied), clamped = cs_info_clamped(J->calc);
    double tied = cs_info_tied_fraction(J->calc), to_unit = J->eo.to_unit;
    cs_json j;
    est_json_begin(&j, mname, &J->eo);
    cs_json_kv_number(&j, "value", J->value * to_unit);
    cs_json_kv_int(&j, "n", (long long)n);
    if (J->eo.est == CS_EST_DISCRETE) {
        cs_json_key(&j, "saturated");
        cs_json_bool(&j, saturated);
        cs_json_kv_int(&j, "occupied_states", (long long)occupied);
    }
    if (!isnan(tied))
        cs_json_kv_number(&j, "tied_fraction", tied);
    if (any_discrete(J) && J->eo.est != CS_EST_DISCRETE) {
        cs_json_key(&j, "clamped");
        cs_json_bool(&j, clamped);
    }
    est_json_notes(&j, (const est_var *const[]){&J->vx, &J->vy, &J->vz}, 3);
    json_params(&j, J);
    if (J->nsurr) {
        cs_json_kv_number(&j, "p_value", J->sig.p_value);
        cs_json_kv_number(&j, "surrogate_mean", J->sig.surrogate_mean * to_unit);
        cs_json_kv_number(&j, "surrogate_std", J->sig.surrogate_std * to_unit);
    }
    if (J->analytic) {
        cs_json_kv_number(&j, "analytic_p_value", J->chi2.p_value);
        cs_json_kv_number(&j, "chi2_statistic", J->chi2.statistic);
        cs_json_kv_number(&j, "chi2_df", J->chi2.df);
    }
    cs_json_end_object(&j);
}

static void info_text(const info_job *J, const char *mname)
{
    size_t occupied = 0, n = cs_info_count(J->calc);
    int saturated = cs_info_saturated(J->calc, &occupied), clamped = cs_info_clamped(J->calc);
    double tied = cs_info_tied_fraction(J->calc), to_unit = J->eo.to_unit;
    const char *units = J->eo.units;
    est_print_notes(CMD, (const est_var *const[]){&J->vx, &J->vy, &J->vz}, 3);
    printf("%s (%s): %.10g %s  (n = %zu)\n", mname, J->eo.est_text, J->value * to_unit, units, n);
    if (saturated)
        printf("saturated: %zu occupied joint states for %zu samples (more than N/5): the plug-in "
               "value is limited by the sample count\n",
               occupied, n);
    if (clamped)
        printf("clamped: the estimate was negative and is reported as 0\n");
    if (!isnan(tied) && tied > 0)
        printf("tied fraction %.4g (rows sharing a value in some column%s)\n", tied,
               is_ksg(J) || (any_discrete(J) && J->eo.est == CS_EST_KSG1)
                   ? (J->noise > 0 ? "; broken by the noise" : "; no noise: KSG counts are ill-defined")
                   : "");
    if (J->nsurr)
        printf("surrogates: %llu, p = %.6g, mean %.6g %s, std %.6g %s\n", (unsigned long long)J->nsurr,
               J->sig.p_value, J->sig.surrogate_mean * to_unit, units, J->sig.surrogate_std * to_unit, units);
    if (J->analytic)
        printf("chi-squared null: 2NI = %.6g (nats), df = %.6g, p = %.6g\n", J->chi2.statistic, J->chi2.df,
               J->chi2.p_value);
}

int info_run(info_job *J)
{
    int rc;
    if (J->local_path && dist_rank() == 0 && (rc = write_local(J)))
        return rc;
    /* The average, not the mean of the locals, is reported: it is the same
     * number up to rounding, and this keeps output identical with/without --local. */
    cs_status st = cs_info_average(J->calc, &J->value);
    if (!st && J->nsurr)
        st = est_dist_surrogates(J->calc, (size_t)J->nsurr, J->seed, &J->sig);
    if (!st && J->analytic)
        st = cs_info_analytic(J->calc, &J->chi2);
    if (st)
        return cli_fail(CMD, st);
    const char *mname = J->measure == CS_INFO_CENTROPY ? "conditional_entropy" : J->name;
    if (J->eo.json)
        info_json(J, mname);
    else
        info_text(J, mname);
    return CLI_OK;
}

void info_job_free(info_job *J)
{
    cs_info_destroy(J->calc);
    est_var_free(&J->vx);
    est_var_free(&J->vy);
    est_var_free(&J->vz);
    free(J->past);
    free(J->zrows);
    free(J->local);
    est_tables_free(&J->tables);
    cs_matrix_free(&J->cov);
}
