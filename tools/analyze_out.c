/* The output of `cogscope analyze` for one run (analyze_out.h): its metrics
 * file and summary line, shared by the one-process path (cmd_analyze.c) and
 * the distributed one (analyze_dist.c). */
#include <stdio.h>

#include "analyze_out.h"
#include "cli.h"
#include "cogscope/json.h"

static const char *const CMD = "analyze";

int analyze_write(const char *run_path, const cs_runlog *run, const cs_obs_params *p, cs_metrics *m, double t0,
                  const analyze_out *o)
{
    char def_out[4096];
    const char *out_path = o->out_path;
    if (!out_path) {
        if (cs_obs_default_metrics_path(run_path, def_out, sizeof def_out) != CS_OK)
            return cli_fail(CMD, CS_EINVAL);
        out_path = def_out;
    }
    cs_status st = cs_metrics_write(m, out_path);
    if (st != CS_OK)
        return cli_fail(CMD, st);
    double secs = cs_time_now() - t0;
    const cs_runlog_info *in = cs_runlog_get_info(run);
    if (o->json) {
        cs_json j;
        cs_json_init(&j, stdout);
        cs_json_begin_object(&j);
        cs_json_kv_string(&j, "run", run_path);
        cs_json_kv_string(&j, "metrics_file", out_path);
        cs_json_kv_string(&j, "estimator", cs_info_estimator_label(p->estimator));
        cs_json_kv_string(&j, "metrics", cs_metrics_attr(m, "metrics"));
        cs_json_kv_int(&j, "snapshots", (long long)in->snapshots);
        cs_json_kv_int(&j, "steps", (long long)in->steps);
        cs_json_kv_int(&j, "layers", (long long)in->layer_count);
        cs_json_kv_int(&j, "arrays", (long long)cs_metrics_count(m));
        cs_json_kv_number(&j, "seconds", secs);
        cs_json_key(&j, "notes");
        cs_json_begin_array(&j);
        for (size_t i = 0; i < cs_metrics_note_count(m); i++)
            cs_json_string(&j, cs_metrics_note(m, i));
        cs_json_end_array(&j);
        cs_json_end_object(&j);
    } else if (!o->quiet) {
        printf("analysed %s (%s, %zu steps, %zu snapshots, %zu layers) in %.2f s: %zu arrays -> %s\n", run_path,
               in->rule[0] ? in->rule : "rule not logged", in->steps, in->snapshots, in->layer_count, secs,
               cs_metrics_count(m), out_path);
        size_t nn = cs_metrics_note_count(m);
        if (nn)
            printf("%zu note%s (cogscope report --format text lists them)\n", nn, nn == 1 ? "" : "s");
    }
    return CLI_OK;
}
