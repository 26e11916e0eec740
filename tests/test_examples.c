/* The programs in examples/ build with the tree and do what README says:
 * examples/instrument.c writes a run log that info and analyze accept. */
#include <criterion/criterion.h>
#include <math.h>

#include "cogscope/observe.h"
#include "cogscope/runlog.h"
#include "testutil.h"

Test(examples, instrument_writes_a_log_that_analyze_reads, .timeout = 300)
{
    char *dir = tu_tmpdir(), *path = tu_join(dir, "instrument.h5"), cmd[1400];
    snprintf(cmd, sizeof cmd, "'%s' '%s'", COGSCOPE_EXAMPLE_INSTRUMENT, path);
    cr_assert_eq(system(cmd), 0, "examples/instrument failed");
    cs_runlog *r;
    cr_assert_eq(cs_runlog_open(path, &r), CS_OK, "%s", cs_last_error());
    const cs_runlog_info *in = cs_runlog_get_info(r);
    cr_expect_eq(in->steps, 200);
    cr_expect_eq(in->snapshots, 10);
    cr_expect_eq(in->layer_count, 1);
    cr_expect_str_eq(cs_runlog_layer_name(r, 0), "hidden");
    cr_expect_eq(cs_runlog_layer_units(r, 0), 4);
    cr_expect(in->probe_size == 64 && in->probe_labels);
    double *loss;
    size_t n;
    cr_assert_eq(cs_runlog_read_steps(r, "loss", &loss, &n), CS_OK);
    cr_expect_lt(loss[n - 1], 0.5 * loss[0], "the toy did not learn: %g -> %g", loss[0], loss[n - 1]);
    free(loss);
    double *snap;
    cr_assert_eq(cs_runlog_read_snapshot_steps(r, &snap, &n), CS_OK);
    for (size_t i = 0; i < n; i++)
        cr_expect_eq(snap[i], 20.0 * i);
    free(snap);
    cs_matrix a;
    cr_assert_eq(cs_runlog_read_layer_snapshot(r, 0, "activations", 9, &a), CS_OK);
    for (size_t i = 0; i < a.rows * a.cols; i++)
        cr_expect(fabs(a.data[i]) < 1, "tanh activation %g", a.data[i]);
    cs_matrix_free(&a);
    cs_obs_params p;
    cs_obs_params_default(&p);
    p.threads = 1;
    cs_metrics *m = NULL;
    cr_assert_eq(cs_obs_analyze(r, &p, &m), CS_OK, "%s", cs_last_error());
    cr_expect_not_null(cs_metrics_get(m, "/analysis/sigmapi/pi"));
    cr_expect_not_null(cs_metrics_get(m, "/analysis/layers/hidden/tc"));
    cr_expect_not_null(cs_metrics_get(m, "/analysis/layers/hidden/ity"));
    cs_metrics_destroy(m);
    cs_runlog_close_reader(r);
    cr_expect_eq(tu_rm_rf(dir), 0);
    free(path);
    free(dir);
}
