/* libFuzzer harness: the IDX reader, plain and gzipped (the first byte
 * chooses: gzip streams start with 0x1f 0x8b, so both paths are reached). */
#include "cogscope/idx.h"
#include "fuzz_util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    cs_idx idx = {0};
    /* 1 MiB bound: a header may ask for any size, the reader must refuse */
    if (cs_idx_read(fuzz_file(data, size, ".idx"), 1 << 20, &idx) == CS_OK) {
        size_t prod = 1;
        for (size_t i = 0; i < idx.ndim; i++)
            prod *= idx.dims[i];
        if (prod != idx.count)
            abort();
        cs_idx_free(&idx);
    }
    return 0;
}
