/* libFuzzer harness: the run-log reader as the command line uses it. Each
 * input is first read in the checked child process (cli_h5_check, which
 * contains crashes of the HDF5 library itself); an input it passes is then
 * opened and read whole in this process, where the sanitizers watch
 * cogscope's own reading code. A finding: a crash, sanitizer report or leak
 * here, i.e. damage that slips past the check or breaks cogscope's reader. */
#include "cli.h"
#include "cogscope/runlog.h"
#include "cogscope/summary.h"
#include "fuzz_util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *path = fuzz_file(data, size, ".h5");
    int kind;
    if (cli_h5_check(path, &kind) != CS_OK || kind != CLI_H5_RUNLOG)
        return 0;
    cs_runlog *r = NULL;
    if (cs_runlog_open(path, &r) != CS_OK)
        return 0;
    cs_summary s;
    if (cs_summary_compute(r, &s) == CS_OK)
        cs_summary_free(&s);
    cs_runlog_dataset *ds = NULL;
    size_t nd = 0;
    if (cs_runlog_list_datasets(r, &ds, &nd) == CS_OK)
        free(ds);
    cs_matrix in = {0};
    int32_t *labels = NULL;
    if (cs_runlog_read_probe(r, &in, &labels) == CS_OK) {
        cs_matrix_free(&in);
        free(labels);
    }
    /* every item: each series whole, the last entry of each snapshot */
    for (size_t i = 0; i < cs_runlog_item_count(r); i++) {
        const cs_runlog_item *it = cs_runlog_item_at(r, i);
        if (it->rank == 0) {
            double *v = NULL;
            size_t n = 0;
            if (cs_runlog_read_series(r, it, &v, &n) == CS_OK)
                free(v);
        } else if (it->length) {
            cs_matrix e = {0};
            if (cs_runlog_read_entry(r, it, it->length - 1, &e) == CS_OK)
                cs_matrix_free(&e);
        }
    }
    cs_runlog_close_reader(r);
    return 0;
}
