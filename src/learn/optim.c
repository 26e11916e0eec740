/* SGD with momentum and Adam over a flat parameter vector. */
#include "cogscope/optim.h"

#include "team.h"
#include "update.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

struct cs_optim {
    cs_optim_config c;
    size_t n;
    uint64_t t; /* steps taken (Adam's bias correction) */
    double *m;  /* SGD: velocity; Adam: first moment */
    double *v;  /* Adam: second moment */
};

cs_status cs_optim_parse(const char *text, cs_optim_kind *out)
{
    if (text && !strcmp(text, "sgd"))
        *out = CS_OPTIM_SGD;
    else if (text && !strcmp(text, "adam"))
        *out = CS_OPTIM_ADAM;
    else
        return cs_error_set(CS_EINVAL, "--optimizer: '%s' is not 'sgd' or 'adam'", text ? text : "");
    return CS_OK;
}

const char *cs_optim_name(cs_optim_kind kind) { return kind == CS_OPTIM_ADAM ? "adam" : "sgd"; }

void cs_optim_config_default(cs_optim_config *c)
{
    c->kind = CS_OPTIM_SGD;
    c->momentum = 0.0;
    c->beta1 = 0.9;
    c->beta2 = 0.999;
    c->eps = 1e-8;
    c->weight_decay = 0.0;
}

cs_status cs_optim_create(const cs_optim_config *c, size_t n, cs_optim **out)
{
    *out = NULL;
    if (!(c->momentum >= 0.0 && c->momentum < 1.0))
        return cs_error_set(CS_EINVAL, "--momentum %g must be in [0, 1)", c->momentum);
    if (c->kind == CS_OPTIM_ADAM &&
        !(c->beta1 >= 0.0 && c->beta1 < 1.0 && c->beta2 >= 0.0 && c->beta2 < 1.0 && c->eps > 0.0))
        return cs_error_set(CS_EINVAL, "Adam needs beta1, beta2 in [0, 1) and eps > 0");
    if (!(c->weight_decay >= 0.0) || !isfinite(c->weight_decay))
        return cs_error_set(CS_EINVAL, "--weight-decay %g must be >= 0", c->weight_decay);
    cs_optim *o = calloc(1, sizeof *o);
    if (!o)
        return cs_error_set(CS_ENOMEM, "cannot allocate the optimizer");
    o->c = *c;
    o->n = n;
    o->m = calloc(n ? n : 1, sizeof(double));
    if (c->kind == CS_OPTIM_ADAM)
        o->v = calloc(n ? n : 1, sizeof(double));
    if (!o->m || (c->kind == CS_OPTIM_ADAM && !o->v)) {
        cs_optim_destroy(o);
        return cs_error_set(CS_ENOMEM, "cannot allocate optimizer state for %zu parameters", n);
    }
    *out = o;
    return CS_OK;
}

void cs_optim_destroy(cs_optim *o)
{
    if (!o)
        return;
    free(o->m);
    free(o->v);
    free(o);
}

/* Two doubles, element-wise arithmetic (GCC/Clang vector extension). */
typedef double v2d __attribute__((vector_size(16)));
typedef float v2f __attribute__((vector_size(8)));

/* SGD with momentum over params[lo, hi), summing the squares of the new
 * parameters and of the change into *psq, *usq, from a double direction
 * (`dir`) or a float one (`dirf`, widened exactly), writing the float mirror
 * of the new parameters when `mirror` is not NULL. The sums run in two
 * lanes: element lo + 2j + l into lane l, an odd last element into lane 0,
 * then lane 0 + lane 1 -- the order of the `omp simd` loop this replaced
 * in a release build (SSE2, two doubles a vector), written out because a
 * loop that also moves floats is vectorised four wide and a sanitizer build
 * not at all: the double and the mixed step agree bit for bit in every
 * build (tests/test_learn.c, optim/mixed_step_is_the_double_step) and logged
 * norms kept their release-build bits. Inlined into its callers with
 * constant NULLs, so each gets a loop without the tests. */
static inline __attribute__((always_inline)) void sgd_lanes(cs_optim *o, double *params, const double *dir,
                                                            const float *dirf, float *mirror, double lr, size_t lo,
                                                            size_t hi, double *psq, double *usq)
{
    const double mu = o->c.momentum, wd = o->c.weight_decay;
    double *v = o->m;
    v2d ps = {0.0, 0.0}, us = {0.0, 0.0};
    size_t i = lo;
    for (; i + 1 < hi; i += 2) {
        v2d vi, pi, g;
        memcpy(&vi, v + i, sizeof vi);
        memcpy(&pi, params + i, sizeof pi);
        if (dirf) { /* two floats widened at once (cvtps2pd): the same values */
            v2f gf;
            memcpy(&gf, dirf + i, sizeof gf);
            g = __builtin_convertvector(gf, v2d);
        } else {
            memcpy(&g, dir + i, sizeof g);
        }
        vi = mu * vi + g + wd * pi;
        v2d d = -lr * vi;
        pi += d;
        memcpy(v + i, &vi, sizeof vi);
        memcpy(params + i, &pi, sizeof pi);
        if (mirror) { /* both rounded to float at once (cvtpd2ps): the same values */
            v2f mf = __builtin_convertvector(pi, v2f);
            memcpy(mirror + i, &mf, sizeof mf);
        }
        ps += pi * pi;
        us += d * d;
    }
    double ps0 = ps[0], us0 = us[0];
    if (i < hi) { /* an odd last element */
        v[i] = mu * v[i] + (dirf ? (double)dirf[i] : dir[i]) + wd * params[i];
        params[i] += -lr * v[i];
        if (mirror)
            mirror[i] = (float)params[i];
        double d = -lr * v[i];
        ps0 += params[i] * params[i];
        us0 += d * d;
    }
    *psq = ps0 + ps[1];
    *usq = us0 + us[1];
}

/* ---- the update inside a pass in parts (update.h) ---- */

static _Thread_local learn_update *current_update;

learn_update *learn_update_offer(learn_update *u)
{
    learn_update *old = current_update;
    current_update = u;
    return old;
}

learn_update *learn_update_current(void) { return current_update; }

int learn_update_begin(learn_update *u)
{
    if (u->o->c.kind != CS_OPTIM_SGD)
        return 0;
    u->o->t++;
    return 1;
}

/* Four doubles or floats (GCC/Clang vector extension: in any build the
 * same operations on the same lanes, whatever the target lowers them to). */
typedef double v4d __attribute__((vector_size(32)));
typedef float v4f __attribute__((vector_size(16)));

/* SGD as sgd_lanes, the update of each element the same operations (so
 * the same values), with the sums in eight lanes: element lo + 8j + l into
 * lane l, the last (hi - lo) % 8 elements into a ninth, one after another;
 * then lanes 0..3 + lanes 4..7, their four sums in order, plus the ninth.
 * Also the gradient's sum of squares in *gsq, in that order, which is the
 * pass's own (sum_sq, src/learn/mlp_kernels.inc): the pass reads it here
 * instead of in a pass of its own, with the same value.
 * Eight lanes instead of sgd_lanes's two: the sums' add chains, not the
 * memory, set sgd_lanes's pace (two cycles an element); the order is fixed
 * by lo and hi alone, so every build and thread count gives the same sums.
 * Only the update inside a pass runs it: the separate pass keeps
 * sgd_lanes's sums (its logged norms keep their bits). */
static inline __attribute__((always_inline)) void sgd_wide_body(const cs_optim *o, double *params, const double *dir,
                                                                const float *dirf, float *mirror, double lr,
                                                                size_t lo, size_t hi, double *psq, double *usq,
                                                                double *gsq)
{
    const double mu = o->c.momentum, wd = o->c.weight_decay;
    double *v = o->m;
    v4d ps[2] = {{0.0, 0.0, 0.0, 0.0}, {0.0, 0.0, 0.0, 0.0}}, us[2] = {{0.0, 0.0, 0.0, 0.0}, {0.0, 0.0, 0.0, 0.0}};
    v4d gs[2] = {{0.0, 0.0, 0.0, 0.0}, {0.0, 0.0, 0.0, 0.0}};
    size_t i = lo;
    for (; i + 8 <= hi; i += 8)
        for (int h = 0; h < 2; h++) {
            size_t e = i + 4 * (size_t)h;
            v4d vi, pi, g;
            memcpy(&vi, v + e, sizeof vi);
            memcpy(&pi, params + e, sizeof pi);
            if (dirf) {
                v4f gf;
                memcpy(&gf, dirf + e, sizeof gf);
                g = __builtin_convertvector(gf, v4d);
            } else {
                memcpy(&g, dir + e, sizeof g);
            }
            vi = mu * vi + g + wd * pi;
            v4d d = -lr * vi;
            pi += d;
            memcpy(v + e, &vi, sizeof vi);
            memcpy(params + e, &pi, sizeof pi);
            if (mirror) {
                v4f mf = __builtin_convertvector(pi, v4f);
                memcpy(mirror + e, &mf, sizeof mf);
            }
            ps[h] += pi * pi;
            us[h] += d * d;
            gs[h] += g * g;
        }
    double pt = 0.0, ut = 0.0, gt = 0.0;
    for (; i < hi; i++) {
        double g = dirf ? (double)dirf[i] : dir[i];
        gt += g * g;
        v[i] = mu * v[i] + g + wd * params[i];
        double d = -lr * v[i];
        params[i] += d;
        if (mirror)
            mirror[i] = (float)params[i];
        pt += params[i] * params[i];
        ut += d * d;
    }
    v4d p4 = ps[0] + ps[1], u4 = us[0] + us[1], g4 = gs[0] + gs[1];
    *psq = p4[0] + p4[1] + p4[2] + p4[3] + pt;
    *usq = u4[0] + u4[1] + u4[2] + u4[3] + ut;
    *gsq = g4[0] + g4[1] + g4[2] + g4[3] + gt;
}

/* sgd_wide_body for a double direction, a float one, a float one with the
 * mirror: compiled for AVX2 (half the instructions of SSE2's; no FMA, so
 * no contraction changes a value) and for the baseline, chosen at run
 * time. */
#define SGD_WIDE(name, attr, DIR, DIRF, MIRROR)                                                                      \
    static attr void name(const cs_optim *o, double *params, const double *dir, const float *dirf, float *mirror,    \
                          double lr, size_t lo, size_t hi, double *psq, double *usq, double *gsq)                    \
    {                                                                                                                \
        (void)dir;                                                                                                   \
        (void)dirf;                                                                                                  \
        (void)mirror;                                                                                                \
        sgd_wide_body(o, params, DIR, DIRF, MIRROR, lr, lo, hi, psq, usq, gsq);                                      \
    }
#if defined(__x86_64__) && defined(__GNUC__)
#define SGD_AVX2 __attribute__((target("avx2")))
SGD_WIDE(sgd_wide_d_avx2, SGD_AVX2, dir, NULL, NULL)
SGD_WIDE(sgd_wide_f_avx2, SGD_AVX2, NULL, dirf, NULL)
SGD_WIDE(sgd_wide_fm_avx2, SGD_AVX2, NULL, dirf, mirror)
#endif
SGD_WIDE(sgd_wide_d, , dir, NULL, NULL)
SGD_WIDE(sgd_wide_f, , NULL, dirf, NULL)
SGD_WIDE(sgd_wide_fm, , NULL, dirf, mirror)

static int use_avx2(void)
{
#if defined(__x86_64__) && defined(__GNUC__)
    static int have = -1;
    if (have < 0)
        have = __builtin_cpu_supports("avx2") != 0;
    return have;
#else
    return 0;
#endif
}

void learn_update_range_f64(const learn_update *u, const double *g, size_t lo, size_t hi, double *psq, double *usq,
                            double *gsq)
{
#if defined(__x86_64__) && defined(__GNUC__)
    if (use_avx2()) {
        sgd_wide_d_avx2(u->o, u->params, g, NULL, NULL, u->lr, lo, hi, psq, usq, gsq);
        return;
    }
#endif
    sgd_wide_d(u->o, u->params, g, NULL, NULL, u->lr, lo, hi, psq, usq, gsq);
}

void learn_update_range_f32(const learn_update *u, const float *gf, size_t lo, size_t hi, double *psq, double *usq,
                            double *gsq)
{
#if defined(__x86_64__) && defined(__GNUC__)
    if (use_avx2()) {
        if (u->mirror)
            sgd_wide_fm_avx2(u->o, u->params, NULL, gf, u->mirror, u->lr, lo, hi, psq, usq, gsq);
        else
            sgd_wide_f_avx2(u->o, u->params, NULL, gf, NULL, u->lr, lo, hi, psq, usq, gsq);
        return;
    }
#endif
    if (u->mirror)
        sgd_wide_fm(u->o, u->params, NULL, gf, u->mirror, u->lr, lo, hi, psq, usq, gsq);
    else
        sgd_wide_f(u->o, u->params, NULL, gf, NULL, u->lr, lo, hi, psq, usq, gsq);
}

/* ---- the SGD pass in fixed parts, on a team of threads ----
 *
 * The pass streams ~40 bytes per parameter (velocity and parameters read
 * and written, the direction, the float mirror): 9 MB a step for
 * Fashion-MNIST's 235,000 parameters. A large pass (n >= SGD_PARTS_MIN) is
 * cut into two halves of the parameters at an even offset h, fixed by n
 * alone: each half updates its elements and sums the squares of each
 * segment's elements it holds as sgd_lanes does (two lanes, an odd last
 * element into lane 0, then lane 0 + lane 1); the segment that h cuts adds
 * its two halves' sums in half order. A team runs half q on thread q % nt
 * with no barrier: the same operations on the same values whoever runs
 * them, so the sums are the same at any thread count by construction
 * (tests/test_team.c, team/sgd_step_is_the_serial_step). The updated
 * values are element-wise and never depend on the cut; the cut segment's
 * sums differ in the last bits from one pass over it (its logged norm, for
 * Fashion-MNIST's first layer). A small pass (the bundled digits' networks,
 * the golden test's) runs whole, as sgd_lanes. Before the cut, thread 0
 * summed the other threads' part after a barrier, in one-pass order: a
 * serial tail of ~45 % of the parameters, 0.21 ms a float32 step on two
 * threads against 0.27 ms on one. */
#define SGD_PARTS_MIN ((size_t)1 << 16)

typedef struct {
    cs_optim *o;
    double *params;
    const double *dir; /* one of dir, dirf */
    const float *dirf;
    float *mirror;
    double lr;
    const size_t *seg_end;
    size_t n_seg, h;
    double *psq, *usq;
    double cut_psq[2], cut_usq[2]; /* the sums of the segment h cuts, per half */
} sgd_job;

/* sgd_lanes over [lo, hi) with the job's direction. */
static void job_lanes(const sgd_job *j, size_t lo, size_t hi, double *psq, double *usq)
{
    if (j->dirf)
        sgd_lanes(j->o, j->params, NULL, j->dirf, j->mirror, j->lr, lo, hi, psq, usq);
    else
        sgd_lanes(j->o, j->params, j->dir, NULL, NULL, j->lr, lo, hi, psq, usq);
}

/* Half q ([0, h) or [h, n)): each segment's elements in it, their sums into
 * psq[k], usq[k] when the half holds the whole segment, else into the cut
 * sums of the half. */
static void sgd_half(sgd_job *j, size_t q)
{
    size_t lo = q ? j->h : 0, hi = q ? j->o->n : j->h;
    for (size_t k = 0, s_lo = 0; k < j->n_seg; s_lo = j->seg_end[k], k++) {
        size_t s_hi = j->seg_end[k], a = s_lo > lo ? s_lo : lo, b = s_hi < hi ? s_hi : hi;
        if (a >= b)
            continue;
        int whole = a == s_lo && b == s_hi;
        job_lanes(j, a, b, whole ? &j->psq[k] : &j->cut_psq[q], whole ? &j->usq[k] : &j->cut_usq[q]);
    }
}

static void sgd_job_run(void *arg, int t, int nt)
{
    for (size_t q = (size_t)t; q < 2; q += (size_t)nt)
        sgd_half(arg, q);
}

/* The SGD pass with per-segment sums in fixed halves, on the current team
 * (or alone), when the pass is large; 0: the caller runs it whole. */
static int sgd_parts(cs_optim *o, double *params, const double *dir, const float *dirf, float *mirror, double lr,
                     const size_t *seg_end, size_t n_seg, double *psq, double *usq)
{
    if (o->c.kind != CS_OPTIM_SGD || o->n < SGD_PARTS_MIN || n_seg == 0 || seg_end[n_seg - 1] != o->n)
        return 0;
    sgd_job j = {.o = o,
                 .params = params,
                 .dir = dir,
                 .dirf = dirf,
                 .mirror = mirror,
                 .lr = lr,
                 .seg_end = seg_end,
                 .n_seg = n_seg,
                 .h = o->n / 2 & ~(size_t)1,
                 .psq = psq,
                 .usq = usq};
    for (size_t k = 0; k < n_seg; k++)
        psq[k] = usq[k] = 0.0; /* empty segments */
    learn_team_run(learn_team_current(), sgd_job_run, &j);
    for (size_t k = 0, s_lo = 0; k < n_seg; s_lo = seg_end[k], k++)
        if (s_lo < j.h && j.h < seg_end[k]) {
            psq[k] = j.cut_psq[0] + j.cut_psq[1];
            usq[k] = j.cut_usq[0] + j.cut_usq[1];
        }
    return 1;
}

/* One step over params[lo, hi); accumulates sums of squares of the new
 * parameters and of the change into *psq / *usq when they are not NULL. */
static void step_range(cs_optim *o, double *params, const double *direction, double lr, size_t lo, size_t hi,
                       double *applied, double *psq, double *usq)
{
    double ps = 0.0, us = 0.0;
    if (o->c.kind == CS_OPTIM_SGD) {
        double mu = o->c.momentum, wd = o->c.weight_decay;
        double *v = o->m;
        if (psq) {
            sgd_lanes(o, params, direction, NULL, NULL, lr, lo, hi, psq, usq);
            return;
        } else {
            for (size_t i = lo; i < hi; i++) {
                v[i] = mu * v[i] + direction[i] + wd * params[i];
                double d = -lr * v[i];
                params[i] += d;
                if (applied)
                    applied[i] = d;
            }
        }
    } else {
        double b1 = o->c.beta1, b2 = o->c.beta2, eps = o->c.eps;
        double c1 = 1.0 - pow(b1, (double)o->t), c2 = 1.0 - pow(b2, (double)o->t);
        double step = lr / c1, inv_c2 = 1.0 / c2, decay = lr * o->c.weight_decay;
        double *m = o->m, *v = o->v;
#pragma omp simd reduction(+ : ps, us)
        for (size_t i = lo; i < hi; i++) {
            double g = direction[i];
            m[i] = b1 * m[i] + (1.0 - b1) * g;
            v[i] = b2 * v[i] + (1.0 - b2) * g * g;
            double d = -step * m[i] / (sqrt(v[i] * inv_c2) + eps) - decay * params[i];
            params[i] += d;
            if (applied)
                applied[i] = d;
            ps += params[i] * params[i];
            us += d * d;
        }
    }
    if (psq)
        *psq = ps;
    if (usq)
        *usq = us;
}

int cs_optim_step_norms_mixed(cs_optim *o, double *params, const float *direction, double lr, const size_t *seg_end,
                              size_t n_seg, double *param_sq, double *update_sq, float *mirror)
{
    if (o->c.kind != CS_OPTIM_SGD || n_seg == 0 || seg_end[n_seg - 1] != o->n)
        return 0;
    o->t++;
    if (sgd_parts(o, params, NULL, direction, mirror, lr, seg_end, n_seg, param_sq, update_sq))
        return 1;
    for (size_t k = 0, lo = 0; k < n_seg; lo = seg_end[k], k++)
        sgd_lanes(o, params, NULL, direction, mirror, lr, lo, seg_end[k], &param_sq[k], &update_sq[k]);
    return 1;
}

void cs_optim_step(cs_optim *o, double *params, const double *direction, double lr, double *applied)
{
    o->t++;
    step_range(o, params, direction, lr, 0, o->n, applied, NULL, NULL);
}

void cs_optim_step_norms(cs_optim *o, double *params, const double *direction, double lr, const size_t *seg_end,
                         size_t n_seg, double *param_sq, double *update_sq)
{
    o->t++;
    if (sgd_parts(o, params, direction, NULL, NULL, lr, seg_end, n_seg, param_sq, update_sq))
        return;
    size_t lo = 0;
    for (size_t k = 0; k < n_seg; k++) {
        size_t hi = seg_end[k] < o->n ? seg_end[k] : o->n;
        step_range(o, params, direction, lr, lo, hi, NULL, &param_sq[k], &update_sq[k]);
        lo = hi;
    }
    if (lo < o->n)
        step_range(o, params, direction, lr, lo, o->n, NULL, NULL, NULL);
}
