/* The fused per-step call of foreign observers (src/observe/observer.c):
 * tau, S and PI against a direct long-double computation of their
 * definitions (include/cogscope/sigmapi.h), the row it appends, and its
 * argument errors. python/tests/test_torch.py checks the same values
 * against torch's float64 arithmetic through the Python Observer. */
#include <criterion/criterion.h>
#include <hdf5.h>
#include <math.h>

#include "cogscope/observer.h"
#include "testutil.h"

enum { ROWS = 5, CLASSES = 4, NA = 1000, NB = 37 };

/* batch mean of the entropy of softmax(z), straight from the definition */
static double tau_direct(const float *z)
{
    long double sum = 0;
    for (int r = 0; r < ROWS; r++) {
        long double s = 0, h = 0;
        for (int j = 0; j < CLASSES; j++)
            s += expl((long double)z[r * CLASSES + j]);
        for (int j = 0; j < CLASSES; j++) {
            long double p = expl((long double)z[r * CLASSES + j]) / s;
            h -= p * logl(p);
        }
        sum += h;
    }
    return (double)(sum / ROWS);
}

static int read_col(const char *path, const char *name, double *out, size_t n)
{
    hid_t f = H5Fopen(path, H5F_ACC_RDONLY, H5P_DEFAULT);
    hid_t d = H5Dopen2(f, name, H5P_DEFAULT);
    hid_t sp = H5Dget_space(d);
    int ok = (size_t)H5Sget_simple_extent_npoints(sp) == n &&
             H5Dread(d, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, out) >= 0;
    H5Sclose(sp);
    H5Dclose(d);
    H5Fclose(f);
    return ok;
}

Test(observer, step_values_and_row)
{
    char *dir = tu_tmpdir(), *path = tu_join(dir, "obs.h5");
    static float ga[NA], gb[NB];
    float z[ROWS * CLASSES];
    long double ss = 0;
    for (int i = 0; i < NA; i++)
        ga[i] = (float)sin(0.37 * i) * 1e-2f, ss += (long double)ga[i] * ga[i];
    for (int i = 0; i < NB; i++)
        gb[i] = (float)cos(1.3 * i), ss += (long double)gb[i] * gb[i];
    for (int i = 0; i < ROWS * CLASSES; i++)
        z[i] = (float)(3 * sin(0.9 * i + 0.2));
    double s_want = sqrtl(ss), tau_want = tau_direct(z), loss = 0.75;
    double pi_want = exp(-(0.5 * loss / (tau_want + 1e-9) + 0.5 * s_want));

    cs_runlog_writer *w;
    cs_runlog_handle h[5];
    cr_assert_eq(cs_runlog_create(path, NULL, &w), CS_OK);
    cr_assert_eq(cs_runlog_declare_series_n(w, 5, (const char *[]){"loss", "tau", "surprise", "pi", "lr"},
                                            CS_RUNLOG_F64, h),
                 CS_OK);
    cs_observer *o;
    cr_assert_eq(cs_observer_create(w, &(cs_observer_series){h[0], h[1], h[2], h[3], h[4]}, 1.0, 0.5, &o), CS_OK);
    double row[5];
    /* no gradients yet: S is NaN, and so is PI */
    cr_expect_eq(cs_observer_step(o, 0, loss, z, CS_RUNLOG_F32, ROWS, CLASSES, NULL, 0.1, row), CS_OK);
    cr_expect(isnan(row[2]) && isnan(row[3]));
    cr_assert_eq(cs_observer_set_grads(o, 2, (const float *[]){ga, gb}, (size_t[]){NA, NB}), CS_OK);
    cr_expect_eq(cs_observer_step(o, 1, loss, z, CS_RUNLOG_F32, ROWS, CLASSES, NULL, 0.1, row), CS_OK);
    cr_expect_eq(row[0], loss);
    cr_expect(fabs(row[1] - tau_want) < 1e-12 * tau_want, "tau %.17g, want %.17g", row[1], tau_want);
    /* float32 sums of squares: relative error ~1e-7 per buffer */
    cr_expect(fabs(row[2] - s_want) < 1e-6 * s_want, "S %.17g, want %.17g", row[2], s_want);
    cr_expect(fabs(row[3] - pi_want) < 1e-6 * pi_want, "PI %.17g, want %.17g", row[3], pi_want);
    cr_expect_eq(row[4], 0.1);
    /* float64 logits: the same tau; a given S replaces the gradients' */
    double z64[ROWS * CLASSES], s_given = 2.0, row2[5];
    for (int i = 0; i < ROWS * CLASSES; i++)
        z64[i] = z[i];
    cr_expect_eq(cs_observer_step(o, 2, loss, z64, CS_RUNLOG_F64, ROWS, CLASSES, &s_given, 0.2, row2), CS_OK);
    cr_expect_eq(row2[1], row[1]);
    cr_expect_eq(row2[2], 2.0);
    cr_expect(fabs(row2[3] - exp(-(0.5 * loss / (tau_want + 1e-9) + 1.0))) < 1e-12);
    /* argument errors name what is wrong and append nothing */
    cr_expect_eq(cs_observer_step(o, 3, loss, z, CS_RUNLOG_I32, ROWS, CLASSES, NULL, 0, NULL), CS_EINVAL);
    cr_expect(strstr(cs_last_error(), "float32 or float64") != NULL, "%s", cs_last_error());
    cr_expect_eq(cs_observer_step(o, 3, loss, z, CS_RUNLOG_F32, 0, CLASSES, NULL, 0, NULL), CS_EINVAL);
    cr_expect_eq(cs_observer_step(o, 3, loss, z, CS_RUNLOG_F32, ROWS, 1, NULL, 0, NULL), CS_EINVAL);
    cr_expect(strstr(cs_last_error(), "classes >= 2") != NULL, "%s", cs_last_error());
    cr_expect_eq(cs_observer_set_grads(o, 1, (const float *[]){NULL}, (size_t[]){3}), CS_EINVAL);
    cs_observer_destroy(o);
    /* lr left out: four series in the row */
    cr_assert_eq(cs_observer_create(w, &(cs_observer_series){h[0], h[1], h[2], h[3], -1}, 1.0, 0.5, &o), CS_OK);
    cr_expect_eq(cs_observer_step(o, 3, 1.0, z, CS_RUNLOG_F32, ROWS, CLASSES, NULL, 0.3, NULL), CS_OK);
    cs_observer_destroy(o);
    cr_assert_eq(cs_runlog_close(w), CS_OK, "%s", cs_last_error());

    double col[4];
    cr_assert(read_col(path, "/steps/tau", col, 4));
    cr_expect(col[1] == row[1] && col[2] == row[1] && col[3] == row[1]);
    cr_assert(read_col(path, "/steps/surprise", col, 4));
    cr_expect(isnan(col[0]) && col[1] == row[2] && col[2] == 2.0 && isnan(col[3]));
    cr_assert(read_col(path, "/steps/lr", col, 4));
    cr_expect(col[0] == 0.1 && col[1] == 0.1 && col[2] == 0.2 && isnan(col[3]));
    cr_assert(read_col(path, "/steps/step", col, 4));
    cr_expect(col[0] == 0 && col[3] == 3);
    cr_expect_eq(cs_observer_create(NULL, &(cs_observer_series){0, 1, 2, 3, 4}, 1, 0.5, &o), CS_EINVAL);
    cr_expect_null(o);
    cr_expect_eq(tu_rm_rf(dir), 0);
    free(path);
    free(dir);
}
