/* libFuzzer harness: the text-table reader (cs_table_read_text), any bytes.
 * A finding is a crash, a sanitizer report, a leak or a hang. */
#include "cogscope/table.h"
#include "fuzz_util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    cs_matrix m = {0};
    if (cs_table_read_text(fuzz_file(data, size, ".txt"), &m) == CS_OK) {
        if (m.rows && m.cols && !m.data)
            abort(); /* a table that claims rows must hold them */
        cs_matrix_free(&m);
    }
    return 0;
}
