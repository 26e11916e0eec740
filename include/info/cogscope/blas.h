/* Which BLAS kernels this process runs, and whether OpenBLAS fell back to
 * generic ones on a CPU that has faster ones.
 *
 * OpenBLAS (DYNAMIC_ARCH builds, Debian's among them) picks its kernels by
 * CPU model when it loads. A CPU model newer than the OpenBLAS build is not
 * recognised, and the build falls back to its SSE3 "Prescott" kernels even
 * on a CPU with AVX-512: Debian 12's OpenBLAS 0.3.21 on an Intel Xeon of
 * model 207 runs dgemm at 20 GFLOP/s instead of 113 (2 cores). The choice is
 * made from OPENBLAS_CORETYPE if set, else from the CPU model, when OpenBLAS
 * loads, before main() runs. The cogscope CLI makes it again at its start
 * (cs_blas_use_better_kernels); other programs can do the same, or set
 * OPENBLAS_CORETYPE before they start; the Python package warns
 * (docs/install.md, BLAS kernels). */
#ifndef COGSCOPE_BLAS_H
#define COGSCOPE_BLAS_H

#ifdef __cplusplus
extern "C" {
#endif

typedef struct {
    const char *config; /* OpenBLAS's build description ("OpenBLAS 0.3.21 DYNAMIC_ARCH ...") */
    const char *kernel; /* the kernels it chose ("SkylakeX", "Haswell", "Prescott", ...) */
    /* An OPENBLAS_CORETYPE value whose kernels this CPU runs and which are
     * faster than the chosen ones ("SkylakeX" with AVX-512, "Haswell" with
     * AVX2 and FMA), or NULL when the chosen kernels already use AVX2 or
     * better, or the CPU has neither. */
    const char *better;
} cs_blas_kernels;

/* This process's BLAS kernels (strings owned by OpenBLAS or static). */
void cs_blas_kernels_get(cs_blas_kernels *out);

/* Switch OpenBLAS to the `better` kernels of cs_blas_kernels_get, if any,
 * unless OPENBLAS_CORETYPE is set (the user's choice is kept). It sets
 * OPENBLAS_CORETYPE (inherited by child processes too) and has OpenBLAS
 * choose again, through the two functions OpenBLAS's DYNAMIC_ARCH builds
 * export for that (gotoblas_dynamic_quit/_init); the choice only sets which
 * kernels and blocking sizes later calls use. Call it at the start of main,
 * before any thread starts and before any BLAS call: setenv is not
 * thread-safe, and a BLAS call running on another thread meanwhile would
 * see the choice change under it. Returns 1 if the kernels changed, else 0
 * (nothing better, OPENBLAS_CORETYPE set, or not a DYNAMIC_ARCH OpenBLAS). */
int cs_blas_use_better_kernels(void);

#ifdef __cplusplus
}
#endif

#endif
