/* libFuzzer harness: the CSV dataset reader (cs_dataset_read_csv), with the
 * label in the last column and, chosen by the first byte, in column 0. */
#include "cogscope/dataset.h"
#include "fuzz_util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    long label_col = size && (data[0] & 1) ? 0 : -1;
    cs_dataset d = {0};
    if (cs_dataset_read_csv(fuzz_file(data, size, ".csv"), label_col, 1.0, &d) == CS_OK) {
        for (size_t i = 0; i < d.n; i++)
            if (d.y[i] < 0 || (size_t)d.y[i] >= d.classes)
                abort(); /* the reader promises labels in [0, classes) */
        cs_dataset_free(&d);
    }
    return 0;
}
