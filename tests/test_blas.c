/* OpenBLAS's kernels: cogscope moves OpenBLAS off the generic kernels it
 * falls back to on CPU models its build does not know (Debian 12's 0.3.21
 * chose "Prescott", SSE3, on an Intel Xeon of model 207 with AVX-512, and
 * ran dgemm 5x slower than its SkylakeX kernels), keeps a kernel choice the
 * user made, and the products stay right after the switch. */
#define _GNU_SOURCE /* setenv, unsetenv */
#include <criterion/criterion.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_cblas.h>

#include "cogscope/blas.h"
#include "testutil.h"

void openblas_set_num_threads(int num_threads);

/* Whether /proc/cpuinfo lists both flags (the kernel's view of the CPU, not
 * the compiler's: independent of how cogscope asks). -1 if unreadable. */
static int cpu_has(const char *flag1, const char *flag2)
{
    FILE *f = fopen("/proc/cpuinfo", "r");
    if (!f)
        return -1;
    char line[8192];
    int found = -1;
    while (fgets(line, sizeof line, f))
        if (!strncmp(line, "flags", 5)) {
            char a[64], b[64];
            snprintf(a, sizeof a, " %s ", flag1);
            snprintf(b, sizeof b, " %s ", flag2);
            line[strcspn(line, "\n")] = ' ';
            found = strstr(line, a) && strstr(line, b);
            break;
        }
    fclose(f);
    return found;
}

/* The test's own list of kernels that use AVX2 or better, written from
 * OpenBLAS's kernel names rather than shared with src/info/blas.c: an oracle
 * that reused the code's list could not catch a wrong entry in it. */
static int avx2_class(const char *kernel)
{
    static const char *const names[] = {"Haswell", "Zen", "SkylakeX", "Cooperlake", "SapphireRapids", NULL};
    for (const char *const *n = names; *n; n++)
        if (!strcmp(kernel, *n))
            return 1;
    return 0;
}

/* The kernel name `cogscope --version` prints ("BLAS: ...; kernels NAME"). */
static void cli_kernel(char *name, size_t size)
{
    char *out = NULL;
    cr_assert_eq(tu_cli("--version", &out, NULL), 0);
    const char *k = strstr(out, "; kernels ");
    cr_assert(k != NULL, "--version names no kernels: %s", out);
    snprintf(name, size, "%s", k + strlen("; kernels "));
    name[strcspn(name, "\n")] = '\0';
    free(out);
}

Test(blas, cli_runs_avx2_kernels_where_the_cpu_has_them)
{
    int has = cpu_has("avx2", "fma");
    if (has != 1)
        cr_skip_test("this CPU has no AVX2 and FMA (or /proc/cpuinfo is unreadable)");
    unsetenv("OPENBLAS_CORETYPE");
    char kernel[64];
    cli_kernel(kernel, sizeof kernel);
    cr_expect(avx2_class(kernel), "the CLI runs OpenBLAS's %s kernels on a CPU with AVX2 and FMA", kernel);
}

Test(blas, cli_keeps_the_users_choice)
{
    setenv("OPENBLAS_CORETYPE", "Prescott", 1);
    char kernel[64];
    cli_kernel(kernel, sizeof kernel);
    cr_expect_str_eq(kernel, "Prescott");
}

/* A value OpenBLAS does not know is OpenBLAS's to handle (0.3.21 warns and
 * picks by its own rules): the CLI leaves it, runs, and names what runs. */
Test(blas, cli_runs_with_an_unknown_choice)
{
    setenv("OPENBLAS_CORETYPE", "NoSuchCore", 1);
    char kernel[64];
    cli_kernel(kernel, sizeof kernel);
    cr_expect(kernel[0] != '\0' && strcmp(kernel, "NoSuchCore"), "kernels '%s'", kernel);
}

Test(blas, better_is_named_only_for_generic_kernels)
{
    cs_blas_kernels k;
    cs_blas_kernels_get(&k);
    cr_assert(k.kernel[0] != '\0');
    cr_expect(strstr(k.config, "OpenBLAS") != NULL, "config '%s'", k.config);
    if (avx2_class(k.kernel))
        cr_expect(k.better == NULL, "%s kernels, yet '%s' named better", k.kernel, k.better);
    else if (k.better)
        cr_expect(!strcmp(k.better, "SkylakeX") || !strcmp(k.better, "Haswell"), "better '%s'", k.better);
    if (cpu_has("avx2", "fma") == 0)
        cr_expect(k.better == NULL, "'%s' named better on a CPU without AVX2 and FMA", k.better);
}

/* c = a b in long double and |a| |b| (for the error bound), n x m times
 * m x p, row-major. */
static void reference_product(const double *a, const double *b, double *c, double *abs_c, int n, int m, int p)
{
    for (int i = 0; i < n; i++)
        for (int j = 0; j < p; j++) {
            long double s = 0, t = 0;
            for (int l = 0; l < m; l++) {
                s += (long double)a[i * m + l] * b[l * p + j];
                t += fabsl((long double)a[i * m + l] * b[l * p + j]);
            }
            c[i * p + j] = (double)s;
            abs_c[i * p + j] = (double)t;
        }
}

/* After the switch the products are those of the matrices, on one thread and
 * on two (the threads OpenBLAS started before the switch use the new
 * kernels), in shapes that are no multiple of any kernel's block. Every
 * entry within the worst-case bound of a sum of m products in any order
 * (Higham, Accuracy and Stability of Numerical Algorithms, 2nd ed., eq. 3.5):
 * |c - ab| <= gamma_m (|a| |b|), gamma_m = m u / (1 - m u), u the unit
 * roundoff (2^-53 double, 2^-24 float), plus the rounding of the reference. */
Test(blas, products_are_right_after_the_switch)
{
    unsetenv("OPENBLAS_CORETYPE");
    cs_blas_kernels before;
    cs_blas_kernels_get(&before);
    int switched = cs_blas_use_better_kernels();
    cs_blas_kernels after;
    cs_blas_kernels_get(&after);
    cr_expect_eq(switched, before.better != NULL, "switched %d, better '%s'", switched,
                 before.better ? before.better : "(none)");
    if (switched)
        cr_expect_str_eq(after.kernel, before.better);
    enum { N = 257, M = 301, P = 263 };
    double *a = malloc(sizeof(double) * N * M), *b = malloc(sizeof(double) * M * P);
    double *c = malloc(sizeof(double) * N * P), *ref = malloc(sizeof(double) * N * P);
    double *abs_ref = malloc(sizeof(double) * N * P);
    float *af = malloc(sizeof(float) * N * M), *bf = malloc(sizeof(float) * M * P);
    float *cf = malloc(sizeof(float) * N * P);
    cr_assert(a && b && c && ref && abs_ref && af && bf && cf);
    uint64_t s = 12345;
    for (int i = 0; i < N * M; i++) {
        s = s * 6364136223846793005u + 1442695040888963407u;
        af[i] = (float)((double)(s >> 11) / 9007199254740992.0 * 2 - 1);
        a[i] = af[i];
    }
    for (int i = 0; i < M * P; i++) {
        s = s * 6364136223846793005u + 1442695040888963407u;
        bf[i] = (float)((double)(s >> 11) / 9007199254740992.0 * 2 - 1);
        b[i] = bf[i];
    }
    reference_product(a, b, ref, abs_ref, N, M, P);
    const double u = 0x1p-53, uf = 0x1p-24;
    const double gamma = M * u / (1 - M * u), gamma_f = M * uf / (1 - M * uf);
    for (int threads = 1; threads <= 2; threads++) {
        openblas_set_num_threads(threads);
        cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, N, P, M, 1.0, a, M, b, P, 0.0, c, P);
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, N, P, M, 1.0f, af, M, bf, P, 0.0f, cf, P);
        size_t over = 0, over_f = 0;
        double worst_f = 0;
        for (int i = 0; i < N * P; i++) {
            over += fabs(c[i] - ref[i]) > gamma * abs_ref[i] + u * fabs(ref[i]);
            over_f += fabs(cf[i] - ref[i]) > gamma_f * abs_ref[i] + uf * fabs(ref[i]);
            worst_f = fmax(worst_f, fabs(cf[i] - ref[i]));
        }
        cr_expect_eq(over, 0, "dgemm on %d thread(s) of %s kernels: %zu entries beyond the bound", threads,
                     after.kernel, over);
        cr_expect_eq(over_f, 0, "sgemm on %d thread(s) of %s kernels: %zu entries beyond the bound", threads,
                     after.kernel, over_f);
        cr_expect_gt(worst_f, 0, "sgemm equal to the long double product: the float path did not run");
    }
    free(a), free(b), free(c), free(ref), free(abs_ref), free(af), free(bf), free(cf);
}
