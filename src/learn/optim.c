/* SGD with momentum and Adam over a flat parameter vector. */
#include "cogscope/optim.h"

#include "team.h"

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

/* The per-lane sums of squares of one segment (sgd_lanes's order),
 * carried from one part of the segment to the next. */
typedef struct {
    v2d ps, us;
} sq_lanes;

/* SGD with momentum over params[lo, hi) (hi - lo even), from a double
 * direction (`dir`) or a float one (`dirf`, widened exactly), writing the
 * float mirror of the new parameters when `mirror` is not NULL and adding
 * the squares of the new parameters and of the change into `acc` (not
 * NULL), element lo + 2j + l into lane l. `update` 0: only the sums, from
 * the parameters and velocity a pass already updated (the change is
 * -lr v, as the pass computed it). Inlined with constant flags, so each
 * caller gets a loop without the tests. */
static inline __attribute__((always_inline)) void sgd_pairs(cs_optim *o, double *params, const double *dir,
                                                            const float *dirf, float *mirror, double lr, size_t lo,
                                                            size_t hi, int update, sq_lanes *acc)
{
    const double mu = o->c.momentum, wd = o->c.weight_decay;
    double *v = o->m;
    v2d ps = {0.0, 0.0}, us = {0.0, 0.0};
    if (acc) {
        ps = acc->ps;
        us = acc->us;
    }
    for (size_t i = lo; i + 1 < hi; i += 2) {
        v2d vi, pi, g;
        memcpy(&vi, v + i, sizeof vi);
        memcpy(&pi, params + i, sizeof pi);
        if (update) {
            if (dirf) {
                g[0] = (double)dirf[i];
                g[1] = (double)dirf[i + 1];
            } else {
                memcpy(&g, dir + i, sizeof g);
            }
            vi = mu * vi + g + wd * pi;
        }
        v2d d = -lr * vi;
        if (update) {
            pi += d;
            memcpy(v + i, &vi, sizeof vi);
            memcpy(params + i, &pi, sizeof pi);
            if (mirror) {
                mirror[i] = (float)pi[0];
                mirror[i + 1] = (float)pi[1];
            }
        }
        if (acc) {
            ps += pi * pi;
            us += d * d;
        }
    }
    if (acc) {
        acc->ps = ps;
        acc->us = us;
    }
}

/* Element i alone, as sgd_pairs computes it; its squares go to *psq, *usq
 * (not NULL). */
static inline __attribute__((always_inline)) void sgd_one(cs_optim *o, double *params, const double *dir,
                                                          const float *dirf, float *mirror, double lr, size_t i,
                                                          int update, double *psq, double *usq)
{
    double *v = o->m;
    if (update) {
        v[i] = o->c.momentum * v[i] + (dirf ? (double)dirf[i] : dir[i]) + o->c.weight_decay * params[i];
        params[i] += -lr * v[i];
        if (mirror)
            mirror[i] = (float)params[i];
    }
    double d = -lr * v[i];
    if (psq) {
        *psq += params[i] * params[i];
        *usq += d * d;
    }
}

/* The end of a segment's sums: an odd last element (at `last`, when odd)
 * into lane 0, then lane 0 + lane 1. */
static inline __attribute__((always_inline)) void sgd_finish(cs_optim *o, double *params, const double *dir,
                                                             const float *dirf, float *mirror, double lr, size_t last,
                                                             int odd, int update, const sq_lanes *acc, double *psq,
                                                             double *usq)
{
    double ps0 = acc->ps[0], us0 = acc->us[0];
    if (odd)
        sgd_one(o, params, dir, dirf, mirror, lr, last, update, &ps0, &us0);
    *psq = ps0 + acc->ps[1];
    *usq = us0 + acc->us[1];
}

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
    sq_lanes acc = {{0.0, 0.0}, {0.0, 0.0}};
    size_t even = lo + ((hi - lo) & ~(size_t)1);
    sgd_pairs(o, params, dir, dirf, mirror, lr, lo, even, 1, &acc);
    sgd_finish(o, params, dir, dirf, mirror, lr, even, even < hi, 1, &acc, psq, usq);
}

/* ---- the SGD pass on a team of threads ----
 *
 * The pass streams ~40 bytes per parameter (velocity and parameters read
 * and written, the direction, the float mirror): 9 MB a step for
 * Fashion-MNIST's 235,000 parameters, more than one core's share of cache,
 * so one core's memory bandwidth bounds it. On a team (src/learn/team.h)
 * threads 1.. update [h, n) while thread 0 updates [0, h) with the sums of
 * squares, then, after a barrier, adds the squares of [h, n) from the
 * values the others wrote, continuing the same lanes: the sums are
 * sgd_lanes's, in its order, for any thread count (tests/test_team.c,
 * team/sgd_step_is_the_serial_step). h (at an even offset into its
 * segment) balances thread 0's sums against the others' updates: thread 0
 * reading the others' new values costs about as much as updating them, and
 * the whole pass is bound by the memory bandwidth the two cores share
 * (measured: 0.24 ms a step on two cores, 0.28-0.34 ms on one, for 235,000
 * parameters; an update in any summation order was no faster). */
#define SGD_TEAM_MIN ((size_t)1 << 16)
#define SGD_HEAD_PER_MILLE 550

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
    learn_team *team;
} sgd_job;

/* sgd_pairs over [lo, hi) (hi - lo even) with the job's direction. */
static void job_pairs(const sgd_job *j, size_t lo, size_t hi, int update, sq_lanes *acc)
{
    if (j->dirf && update)
        sgd_pairs(j->o, j->params, NULL, j->dirf, j->mirror, j->lr, lo, hi, 1, acc);
    else if (update)
        sgd_pairs(j->o, j->params, j->dir, NULL, NULL, j->lr, lo, hi, 1, acc);
    else
        sgd_pairs(j->o, j->params, NULL, NULL, NULL, j->lr, lo, hi, 0, acc);
}

/* Segment k's sums from [lo, seg_end[k]) on (acc holds those before lo;
 * seg_end[k] - lo even unless the segment's last element is odd). */
static void job_segment(const sgd_job *j, size_t k, size_t lo, int update, sq_lanes *acc)
{
    size_t hi = j->seg_end[k], even = lo + ((hi - lo) & ~(size_t)1);
    job_pairs(j, lo, even, update, acc);
    sgd_finish(j->o, j->params, j->dir, j->dirf, j->mirror, j->lr, even, even < hi, update, acc, &j->psq[k],
               &j->usq[k]);
}

static void sgd_job_run(void *arg, int t, int nt)
{
    const sgd_job *j = arg;
    if (t > 0) { /* the update of its share of [h, n), no sums */
        size_t n = j->o->n, lo = j->h + (n - j->h) * (size_t)(t - 1) / (size_t)(nt - 1);
        size_t hi = j->h + (n - j->h) * (size_t)t / (size_t)(nt - 1), even = lo + ((hi - lo) & ~(size_t)1);
        job_pairs(j, lo, even, 1, NULL);
        if (even < hi)
            sgd_one(j->o, j->params, j->dir, j->dirf, j->mirror, j->lr, even, 1, NULL, NULL);
        learn_team_barrier(j->team);
        return;
    }
    size_t lo = 0, k = 0;
    for (; k < j->n_seg && j->seg_end[k] <= j->h; lo = j->seg_end[k], k++) {
        sq_lanes acc = {{0.0, 0.0}, {0.0, 0.0}};
        job_segment(j, k, lo, 1, &acc);
    }
    sq_lanes acc = {{0.0, 0.0}, {0.0, 0.0}};
    job_pairs(j, lo, j->h, 1, &acc); /* the segment h cuts, up to h */
    learn_team_barrier(j->team);
    for (lo = j->h; k < j->n_seg; lo = j->seg_end[k], k++) {
        job_segment(j, k, lo, 0, &acc);
        acc = (sq_lanes){{0.0, 0.0}, {0.0, 0.0}};
    }
}

/* The SGD pass with per-segment sums on the current team, when there is
 * one and the pass is large; 0: the caller runs it alone. */
static int sgd_team(cs_optim *o, double *params, const double *dir, const float *dirf, float *mirror, double lr,
                    const size_t *seg_end, size_t n_seg, double *psq, double *usq)
{
    learn_team *team = learn_team_current();
    if (!team || o->c.kind != CS_OPTIM_SGD || o->n < SGD_TEAM_MIN || n_seg == 0 || seg_end[n_seg - 1] != o->n)
        return 0;
    size_t target = o->n / 1000 * SGD_HEAD_PER_MILLE, lo = 0, k = 0;
    while (seg_end[k] <= target)
        lo = seg_end[k++];
    sgd_job j = {.o = o,
                 .params = params,
                 .dir = dir,
                 .dirf = dirf,
                 .mirror = mirror,
                 .lr = lr,
                 .seg_end = seg_end,
                 .n_seg = n_seg,
                 .h = lo + ((target - lo) & ~(size_t)1),
                 .psq = psq,
                 .usq = usq,
                 .team = team};
    learn_team_run(team, sgd_job_run, &j);
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
    if (sgd_team(o, params, NULL, direction, mirror, lr, seg_end, n_seg, param_sq, update_sq))
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
    if (sgd_team(o, params, direction, NULL, NULL, lr, seg_end, n_seg, param_sq, update_sq))
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
