/* N-dimensional numeric arrays from files someone else saved: NumPy .npy
 * files and HDF5 datasets (`cogscope import`). Values are converted to
 * double; the layout is C order (row-major), whatever the file's order.
 *
 * .npy: format versions 1.0, 2.0 and 3.0; little- or big-endian integers
 * (1, 2, 4, 8 bytes, signed or not), float32 and float64, booleans; C or
 * Fortran order. Object, string, complex and structured arrays are refused
 * by name. HDF5: "FILE.h5:/path/to/dataset" of any integer or float type. */
#ifndef COGSCOPE_ARRAY_H
#define COGSCOPE_ARRAY_H

#include <stddef.h>

#include "cogscope/core.h"

#ifdef __cplusplus
extern "C" {
#endif

#define CS_ARRAY_RANK_MAX 8

typedef struct {
    double *data; /* dims[0] x ... x dims[rank-1], row-major */
    int rank;     /* 1..CS_ARRAY_RANK_MAX */
    size_t dims[CS_ARRAY_RANK_MAX];
    size_t count; /* product of dims */
} cs_array;

/* A .npy file, or "FILE.h5:/dataset" (also "FILE.hdf5:/..."), into a new
 * array (cs_array_free). Errors name the file and dataset: missing file, not
 * .npy, unsupported dtype, truncated data, rank 0 or above the maximum. */
cs_status cs_array_read(const char *spec, cs_array *out);
cs_status cs_array_read_npy(const char *path, cs_array *out);
cs_status cs_array_read_h5(const char *path, const char *dataset, cs_array *out);
void cs_array_free(cs_array *a);

#ifdef __cplusplus
}
#endif
#endif
