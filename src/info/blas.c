/* OpenBLAS's kernel choice and a better one when it fell back
 * (include/cogscope/blas.h). Here rather than in core because core links
 * nothing but libc, and info is the lowest module that links OpenBLAS. */
#include "cogscope/blas.h"

#include <stddef.h>
#include <stdlib.h>
#include <string.h>

/* OpenBLAS's own exports (its cblas.h declares them; GSL's cblas header,
 * which the library compiles against, does not). */
char *openblas_get_config(void);
char *openblas_get_corename(void);
/* DYNAMIC_ARCH builds only; weak, so that another OpenBLAS build still links
 * (the pointers are then NULL). */
void gotoblas_dynamic_init(void) __attribute__((weak));
void gotoblas_dynamic_quit(void) __attribute__((weak));

/* Kernels that already use AVX2 and FMA (or AVX-512). A choice among these
 * is kept: it is fast already, and OpenBLAS may have made it on purpose (Zen's
 * on AMD; Haswell's where the OS does not enable AVX-512 or the build has no
 * AVX-512 kernels). Names as openblas_get_corename() spells them. */
static int uses_avx2(const char *kernel)
{
    static const char *const names[] = {"Haswell", "Zen", "SkylakeX", "Cooperlake", "SapphireRapids", NULL};
    for (const char *const *n = names; *n; n++)
        if (!strcmp(kernel, *n))
            return 1;
    return 0;
}

/* The best kernels this CPU runs (its features as the OS enables them:
 * __builtin_cpu_supports checks XCR0 too), or NULL off x86-64. */
static const char *cpu_kernels(void)
{
#if defined(__x86_64__) && defined(__GNUC__)
    __builtin_cpu_init();
    if (__builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512cd") &&
        __builtin_cpu_supports("avx512bw") && __builtin_cpu_supports("avx512dq") &&
        __builtin_cpu_supports("avx512vl"))
        return "SkylakeX";
    if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma"))
        return "Haswell";
#endif
    return NULL;
}

void cs_blas_kernels_get(cs_blas_kernels *out)
{
    const char *config = openblas_get_config();
    const char *kernel = openblas_get_corename();
    out->config = config ? config : "";
    out->kernel = kernel ? kernel : "";
    out->better = uses_avx2(out->kernel) ? NULL : cpu_kernels();
}

int cs_blas_use_better_kernels(void)
{
    if (getenv("OPENBLAS_CORETYPE") || !gotoblas_dynamic_init || !gotoblas_dynamic_quit)
        return 0;
    cs_blas_kernels k;
    cs_blas_kernels_get(&k);
    if (!k.better || setenv("OPENBLAS_CORETYPE", k.better, 1))
        return 0;
    /* quit forgets the choice (init returns at once while one is made);
     * init reads OPENBLAS_CORETYPE and sets the kernels' blocking sizes */
    gotoblas_dynamic_quit();
    gotoblas_dynamic_init();
    const char *now = openblas_get_corename();
    return now && !strcmp(now, k.better);
}
