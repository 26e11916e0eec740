/* The report model (src/observe/report_*.c): the statistics across runs
 * against scipy, the EMA against its closed form, CSV quoting, and on real
 * runs: grouping, labels, the reference group, the group mean and interval
 * against values computed here from the logs, flags and a metric the report
 * has no code for reaching every format. */
#include <criterion/criterion.h>
#include <math.h>

#include "cogscope/observe.h"
#include "cogscope/report.h"
#include "observe/report_internal.h"
#include "testutil.h"

static size_t count(const char *hay, const char *needle)
{
    size_t n = 0;
    for (const char *p = hay; hay && (p = strstr(p, needle)); p += strlen(needle))
        n++;
    return n;
}

/* ---- statistics ---------------------------------------------------------- */

/* Reference values: scipy 1.10.1,
 *   a = [0.91, 0.93, 0.95]; b = [0.80, 0.86, 0.83, 0.90]
 *   scipy.stats.t.interval(0.95, n - 1, loc=mean, scale=scipy.stats.sem(x))
 *   scipy.stats.ttest_ind(a, b, equal_var=False).pvalue */
Test(report, pooled_interval_and_welch_match_scipy)
{
    double a[4] = {0.91, NAN, 0.93, 0.95}, b[4] = {0.80, 0.86, 0.83, 0.90};
    rm_pooled pa, pb;
    rm_mean_ci(a, 4, &pa);
    rm_mean_ci(b, 4, &pb);
    cr_expect_eq(pa.n, 3, "NaN is skipped");
    cr_expect_eq(pa.of, 4);
    cr_expect_float_eq(pa.mean, 0.93, 1e-14);
    /* GSL's t quantile agrees with scipy's to ~4e-11 relative */
    cr_expect_float_eq(pa.lo, 0.8803172457631251, 1e-10);
    cr_expect_float_eq(pa.hi, 0.979682754236875, 1e-10);
    cr_expect_float_eq(pb.lo, 0.7795229171209483, 1e-10);
    cr_expect_float_eq(pb.hi, 0.9154770828790517, 1e-10);
    cr_expect_float_eq(rm_welch_p(&pa, &pb), 0.023226304371490772, 1e-10);
    /* one value: a mean, no interval, no test */
    double one = 0.5;
    rm_pooled p1;
    rm_mean_ci(&one, 1, &p1);
    cr_expect_float_eq(p1.mean, 0.5, 0);
    cr_expect(isnan(p1.lo) && isnan(p1.hi));
    cr_expect(isnan(rm_welch_p(&p1, &pa)));
    char buf[64];
    rm_fmt_pooled(buf, sizeof buf, &pa, 1);
    cr_expect_str_eq(buf, "93 ± 4.97 (3 of 4)");
}

/* EMA with span 3 (a = 0.5), bias-corrected: m1 = 0.5 * 2, w1 = 0.5 -> 2;
 * m2 = 0.5 * 1 + 0.5 * 4 = 2.5, w2 = 0.75 -> 3.333...; NaN skipped. */
Test(report, ema_is_bias_corrected_and_skips_nan)
{
    double y[4] = {2, NAN, 4, 4}, out[5];
    rm_ema(y, 4, 3, out);
    cr_expect_float_eq(out[0], 2, 1e-15);
    cr_expect(isnan(out[1]));
    cr_expect_float_eq(out[2], 2.5 / 0.75, 1e-15);
    cr_expect_float_eq(out[3], (0.5 * 2.5 + 0.5 * 4) / 0.875, 1e-15);
    double c[5] = {7, 7, 7, 7, 7};
    rm_ema(c, 5, 10, out);
    for (int i = 0; i < 5; i++)
        cr_expect_float_eq(out[i], 7, 1e-14, "a constant stays constant (no start-up bias)");
}

Test(report, csv_fields_are_quoted_only_when_needed)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    rm_csv_field(f, "plain");
    fputc('|', f);
    rm_csv_field(f, "a,b");
    fputc('|', f);
    rm_csv_field(f, "say \"hi\"\nnow");
    fclose(f);
    cr_expect_str_eq(buf, "plain|\"a,b\"|\"say \"\"hi\"\"\nnow\"");
    free(buf);
}

/* ---- real runs ------------------------------------------------------------ */

static void train(const char *dir, const char *name, const char *rule, int seed)
{
    char cmd[1024], *err = NULL;
    snprintf(cmd, sizeof cmd,
             "train --data digits --rule %s --layers 64,16,10 --epochs 1 --log-every 10 --probe-size 120 --seed %d "
             "--threads 1 --quiet --out %s/%s.h5",
             rule, seed, dir, name);
    cr_assert_eq(tu_cli(cmd, NULL, &err), 0, "%s", err);
    free(err);
}

/* Add to a metrics file: the analysis's saturation indicator of layer 1's
 * binned values at every other snapshot (X_WORD form, units "1"), a
 * units-"flag" dataset on I(T;Y) at the other snapshots, a one-value flag
 * on the loss spectrum's group, and a metric the report has no code for. */
static void extend_metrics(const char *path)
{
    cs_metrics *m;
    cr_assert_eq(cs_metrics_read(path, &m), CS_OK, "%s", cs_last_error());
    const cs_metrics_array *ss = cs_metrics_get(m, "/analysis/snapshot_step");
    cr_assert_not_null(ss);
    size_t S = ss->count;
    double *flag = calloc(S, sizeof *flag), *odd = calloc(S, sizeof *odd), *v = calloc(S, sizeof *v), one = 1;
    for (size_t i = 0; i < S; i++) {
        flag[i] = i % 2 == 0;
        odd[i] = i % 2;
        v[i] = 0.25 * (double)i;
    }
    /* the test sets every flag itself: the analysis's own (saturation of
     * layer 2, I(T;Y) at a bound) are cleared */
    double *zero = calloc(S, sizeof *zero);
    cr_assert_eq(cs_metrics_put1(m, "/analysis/layers/1/ity_clamped", S, zero, "flag", "cleared"), CS_OK);
    cr_assert_eq(cs_metrics_put1(m, "/analysis/layers/2/ity_clamped", S, zero, "flag", "cleared"), CS_OK);
    cr_assert_eq(cs_metrics_put1(m, "/analysis/layers/2/binned_saturated", S, zero, "flag", "cleared"), CS_OK);
    free(zero);
    cr_assert_eq(cs_metrics_put1(m, "/analysis/layers/1/binned_saturated", S, flag, "1", "1: saturated"), CS_OK);
    cr_assert_eq(cs_metrics_put1(m, "/analysis/layers/1/ity_odd", S, odd, "flag", "test flag"), CS_OK);
    cr_assert_eq(cs_metrics_put1(m, "/analysis/spectra/loss/no_power_law", 1, &one, "flag", "test flag"), CS_OK);
    cr_assert_eq(cs_metrics_put1(m, "/analysis/layers/1/brand_new", S, v, "bits", "a metric without report code"),
                 CS_OK);
    cr_assert_eq(cs_metrics_write(m, path), CS_OK, "%s", cs_last_error());
    cs_metrics_destroy(m);
    free(flag);
    free(odd);
    free(v);
}

typedef struct {
    cs_runlog *r[3];
    cs_metrics *m[3];
    cs_report_run in[3];
} opened;

static void open_all(const char *dir, opened *o)
{
    const char *names[3] = {"bp1", "bp2", "fa1"};
    for (int k = 0; k < 3; k++) {
        char p[600], mp[600];
        snprintf(p, sizeof p, "%s/%s.h5", dir, names[k]);
        snprintf(mp, sizeof mp, "%s/%s.metrics.h5", dir, names[k]);
        cr_assert_eq(cs_runlog_open(p, &o->r[k]), CS_OK, "%s", cs_last_error());
        o->m[k] = NULL;
        if (access(mp, F_OK) == 0)
            cr_assert_eq(cs_metrics_read(mp, &o->m[k]), CS_OK, "%s", cs_last_error());
        o->in[k] = (cs_report_run){o->r[k], o->m[k], NULL, NULL, NULL};
    }
}

static void close_all(opened *o)
{
    for (int k = 0; k < 3; k++) {
        cs_runlog_close_reader(o->r[k]);
        cs_metrics_destroy(o->m[k]);
    }
}

static char *render(cs_status (*w)(FILE *, const cs_report *), const cs_report *rep)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    cr_assert_eq(w(f, rep), CS_OK, "%s", cs_last_error());
    fclose(f);
    return buf;
}

Test(report, groups_intervals_flags_and_new_metrics, .timeout = 600)
{
    char *dir = tu_tmpdir(), cmd[1200], *err = NULL;
    train(dir, "bp1", "bp", 1);
    train(dir, "bp2", "bp", 2);
    train(dir, "fa1", "fa", 1);
    snprintf(cmd, sizeof cmd, "analyze %s/bp1.h5 --quiet --threads 2 --metrics infoplane,spectra,sigmapi", dir);
    cr_assert_eq(tu_cli(cmd, NULL, &err), 0, "%s", err);
    free(err);
    char mp[600];
    snprintf(mp, sizeof mp, "%s/bp1.metrics.h5", dir);
    extend_metrics(mp);

    opened o;
    open_all(dir, &o);
    cs_report *rep;
    cr_assert_eq(cs_report_create(o.in, 3, NULL, &rep), CS_OK, "%s", cs_last_error());
    /* default grouping: equal configuration except the seed */
    cr_assert_eq(rep->ng, 2);
    cr_expect_str_eq(rep->groups[0].name, "bp");
    cr_expect_eq(rep->groups[0].n, 2);
    cr_expect_str_eq(rep->groups[1].name, "fa");
    cr_expect_eq(rep->reference, 0);

    /* The bp group's smoothed-free loss at every step: the mean of the two
     * logs' values, interval mean ± t_{0.975,1} |a - b| / 2 (n = 2: s / sqrt(2)
     * = |a - b| / 2), t_{0.975,1} = 12.706204736174698 (scipy.stats.t.ppf). */
    double *la, *lb;
    size_t na, nb;
    cr_assert_eq(cs_runlog_read_steps(o.r[0], "loss", &la, &na), CS_OK);
    cr_assert_eq(cs_runlog_read_steps(o.r[1], "loss", &lb, &nb), CS_OK);
    cr_assert_eq(na, nb);
    rm_agg a;
    cr_assert_eq(rm_aggregate(rep, 0, "loss", 0, 0, &a), CS_OK);
    cr_assert_eq(a.n, na);
    cr_expect_eq(a.runs, 2);
    for (size_t i = 0; i < na; i++) {
        double mean = (la[i] + lb[i]) / 2, half = 12.706204736174698 * fabs(la[i] - lb[i]) / 2;
        cr_expect_float_eq(a.mean[i], mean, 1e-12);
        cr_expect_float_eq(a.hi[i] - a.mean[i], half, 1e-9 * fmax(1, half));
        cr_expect_eq(a.count[i], 2);
    }
    /* epochs axis: the last step of the only epoch is at 1.0 */
    cr_expect_float_eq(a.x[na - 1], 1.0, 1e-12);
    rm_agg_free(&a);
    free(la);
    free(lb);

    /* flags from the metrics file reach the series, CSV, JSON and HTML */
    const rm_series *s = rm_run_find(&rep->runs[0], "ixt_binned", 1);
    cr_assert_not_null(s);
    cr_assert_not_null(s->flag);
    cr_expect_str_eq(s->flag_name, "saturated");
    cr_expect(s->flag[0] && !s->flag[1]);
    const rm_series *ex = rm_run_find(&rep->runs[0], "spectra.loss.exponent", 0);
    if (ex) /* the fit may fail on a one-epoch run; then there is nothing to flag */
        cr_expect(ex->flag && ex->flag[0] && !strcmp(ex->flag_name, "no_power_law"), "%s", ex->flag_name);
    char *csv = render(cs_report_write_csv, rep), *json = render(cs_report_write_json, rep),
         *html = render(cs_report_write_html, rep), *text = render(cs_report_write_summary_text, rep);
    size_t S = rm_run_find(&rep->runs[0], "ixt", 1)->n;
    cr_expect_eq(count(csv, ",1,ixt_binned,"), S);
    cr_expect_eq(count(csv, ",saturated\n"), 2 * ((S + 1) / 2), "ixt_binned and ity_binned of layer 1");
    cr_expect_eq(count(csv, ",odd\n"), S / 2, "ity of layer 1");
    const rm_series *ity = rm_run_find(&rep->runs[0], "ity", 1), *ityb2 = rm_run_find(&rep->runs[0], "ity_binned", 2);
    cr_expect(ity && ity->flag && !ity->flag[0] && (S < 2 || ity->flag[1]) && !strcmp(ity->flag_name, "odd"));
    cr_expect(ityb2 && !ityb2->flag, "layer 2 is not flagged");
    cr_expect(strstr(json, "\"flag_name\":\"saturated\"") != NULL);
    cr_expect(strstr(html, "class=\"flagged\"") != NULL, "flagged points are drawn");
    cr_expect(strstr(html, "flagged: saturated") != NULL, "and in the legend");
    /* the new metric: CSV rows, a JSON series, a chart, with its units */
    cr_expect_eq(count(csv, ",brand_new,"), S);
    cr_expect(strstr(csv, ",brand_new,0.25,bits,") != NULL);
    cr_expect(strstr(json, "\"metric\":\"brand_new\",\"layer\":\"1\",\"kind\":\"snapshot\",\"units\":\"bits\"") !=
              NULL);
    cr_expect(strstr(html, "a metric without report code (brand_new)") != NULL);
    /* text: summary first, groups and the configuration difference */
    cr_expect_eq(strncmp(text, "summary: 3 runs in 2 groups", 27), 0, "%s", text);
    cr_expect(strstr(text, "difference from bp") != NULL);
    cr_expect(strstr(text, "* rule") != NULL && strstr(text, "  layers") != NULL, "%s", text);
    /* a flagged value in the summary is never bare: bp1's loss exponent
     * carries the no_power_law flag set above (bp2 has no analysis) */
    if (ex && isfinite(ex->y[0])) {
        cr_expect(strstr(text, "[no power law: 1 of 1]") != NULL, "%s", text);
        cr_expect(strstr(html, "[no power law: 1 of 1]") != NULL);
    }
    free(csv);
    free(json);
    free(html);
    free(text);
    cs_report_destroy(rep);

    /* --group-by seed, --reference, explicit groups, bad keys */
    cs_report_options opt;
    cs_report_options_default(&opt);
    opt.group_by = "seed";
    opt.reference = "seed=2";
    cr_assert_eq(cs_report_create(o.in, 3, &opt, &rep), CS_OK, "%s", cs_last_error());
    cr_expect_eq(rep->ng, 2);
    cr_expect_str_eq(rep->groups[0].name, "seed=1");
    cr_expect_eq(rep->groups[0].n, 2, "bp1 and fa1");
    cr_expect_eq(rep->reference, 1);
    cs_report_destroy(rep);
    opt.reference = "nope";
    cr_expect_eq(cs_report_create(o.in, 3, &opt, &rep), CS_EINVAL);
    cr_expect(strstr(cs_last_error(), "nope") != NULL);
    opt.reference = NULL;
    opt.group_by = "rule,no_such_key";
    cr_expect_eq(cs_report_create(o.in, 3, &opt, &rep), CS_EINVAL);
    cr_expect(strstr(cs_last_error(), "no_such_key") != NULL);
    cs_report_options_default(&opt);
    o.in[0].group = o.in[2].group = "mine";
    cr_assert_eq(cs_report_create(o.in, 3, &opt, &rep), CS_OK, "%s", cs_last_error());
    cr_expect_eq(rep->ng, 2);
    cr_expect_str_eq(rep->groups[0].name, "mine");
    cr_expect_eq(rep->groups[0].n, 2);
    cr_expect_str_eq(rep->groups[1].name, "bp", "the unlabelled run keeps its configuration name");
    cs_report_destroy(rep);
    cr_expect_eq(cs_report_create(NULL, 0, NULL, &rep), CS_EINVAL);
    close_all(&o);

    /* a single run: lines, no bands */
    opened one;
    open_all(dir, &one);
    cr_assert_eq(cs_report_create(&one.in[2], 1, NULL, &rep), CS_OK);
    html = render(cs_report_write_html, rep);
    cr_expect_eq(count(html, "class=\"band\""), 0);
    cr_expect_gt(count(html, "<polyline"), 10);
    cr_expect(strstr(html, "not analysed") != NULL);
    free(html);
    cs_report_destroy(rep);
    close_all(&one);

    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    cr_expect_eq(system(cmd), 0);
    free(dir);
}
