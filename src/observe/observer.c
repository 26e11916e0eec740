/* The fused per-step call of a foreign training loop's observer: tau, S, PI
 * and the step row in one call (include/cogscope/observer.h). It exists for
 * speed: the Python Observer made five foreign calls and several tensor
 * copies per step, ~9 % of a small MLP's training time; one call reading the
 * trainer's buffers in place is the same arithmetic without the crossings. */
#include "cogscope/observer.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_cblas.h>

#include "cogscope/sigmapi.h"

struct cs_observer {
    cs_runlog_writer *w;
    double alpha, gamma;
    cs_runlog_handle h[5]; /* loss, tau, surprise, pi, lr; -1 = not logged */
    size_t ngrads, gcap;   /* buffers given, room for */
    const float **grads;   /* the caller's buffers, read in place */
    size_t *sizes;
    double *norms;    /* ngrads per-buffer norms */
    double *z;        /* logits as double, cap values */
    int32_t *labels;  /* zeros: cs_sigmapi_batch wants labels, tau does not use them */
    size_t cap, lcap; /* values of z, entries of labels */
};

cs_status cs_observer_create(cs_runlog_writer *w, const cs_observer_series *series, double alpha, double gamma,
                             cs_observer **out)
{
    *out = NULL;
    if (!w || !series)
        return cs_error_set(CS_EINVAL, "observer: the writer and the series handles are required");
    cs_observer *o = calloc(1, sizeof *o);
    if (!o)
        return cs_error_set(CS_ENOMEM, "observer: out of memory");
    o->w = w;
    o->alpha = alpha;
    o->gamma = gamma;
    const cs_runlog_handle h[5] = {series->loss, series->tau, series->surprise, series->pi, series->lr};
    memcpy(o->h, h, sizeof h);
    *out = o;
    return CS_OK;
}

void cs_observer_destroy(cs_observer *o)
{
    if (!o)
        return;
    free(o->grads);
    free(o->sizes);
    free(o->norms);
    free(o->z);
    free(o->labels);
    free(o);
}

cs_status cs_observer_set_grads(cs_observer *o, size_t n, const float *const *grads, const size_t *sizes)
{
    for (size_t i = 0; i < n; i++)
        if (!grads[i] && sizes[i])
            return cs_error_set(CS_EINVAL, "observer: gradient buffer %zu is NULL", i);
    /* A trainer that makes new gradient tensors every step (torch 2's
     * zero_grad()) calls this per step: the arrays are reused, grown only. */
    if (n > o->gcap) {
        const float **g = malloc(n * sizeof *g);
        size_t *s = malloc(n * sizeof *s);
        double *nr = malloc(n * sizeof *nr);
        if (!g || !s || !nr) {
            free(g);
            free(s);
            free(nr);
            return cs_error_set(CS_ENOMEM, "observer: out of memory for %zu gradient buffers", n);
        }
        free(o->grads);
        free(o->sizes);
        free(o->norms);
        o->grads = g;
        o->sizes = s;
        o->norms = nr;
        o->gcap = n;
    }
    if (n) {
        memcpy(o->grads, grads, n * sizeof *o->grads);
        memcpy(o->sizes, sizes, n * sizeof *o->sizes);
    }
    o->ngrads = n;
    return CS_OK;
}

/* S over the gradient buffers: each buffer's float32 BLAS sum of squares
 * (cblas_sdot, as numpy's float32 dot gives it), its square root in double,
 * then the overflow-safe norm of those. n_buffers norms, ~1 read of every
 * gradient value. */
static double grads_norm(cs_observer *o)
{
    if (!o->ngrads)
        return NAN;
    for (size_t i = 0; i < o->ngrads; i++) {
        const float *g = o->grads[i];
        double ss = 0.0;
        /* sdot takes an int count: long buffers in int-sized pieces */
        for (size_t done = 0; done < o->sizes[i];) {
            size_t part = o->sizes[i] - done < (1u << 30) ? o->sizes[i] - done : (1u << 30);
            ss += (double)cblas_sdot((int)part, g + done, 1, g + done, 1);
            done += part;
        }
        o->norms[i] = sqrt(ss);
    }
    return cs_sigmapi_norm(o->norms, o->ngrads);
}

/* tau of rows x classes logits of `dtype`, through a double copy (the
 * values cs_sigmapi_batch gives for the same logits in double). */
static cs_status logits_tau(cs_observer *o, const void *logits, cs_runlog_dtype dtype, size_t rows, size_t classes,
                            double *tau)
{
    if (dtype != CS_RUNLOG_F32 && dtype != CS_RUNLOG_F64)
        return cs_error_set(CS_EINVAL, "observer: logits must be float32 or float64");
    if (!logits || rows == 0 || classes < 2)
        return cs_error_set(CS_EINVAL, "observer: logits of %zu x %zu; need rows >= 1 and classes >= 2", rows,
                            classes);
    if (rows > SIZE_MAX / sizeof(double) / classes)
        return cs_error_set(CS_EINVAL, "observer: logits of %zu x %zu are too large", rows, classes);
    size_t n = rows * classes;
    const double *z = logits;
    if (dtype == CS_RUNLOG_F32) {
        if (n > o->cap) {
            double *nz = realloc(o->z, n * sizeof *nz);
            if (!nz)
                return cs_error_set(CS_ENOMEM, "observer: out of memory for %zu logits", n);
            o->z = nz;
            o->cap = n;
        }
        const float *f = logits;
        for (size_t i = 0; i < n; i++)
            o->z[i] = f[i];
        z = o->z;
    }
    if (rows > o->lcap) {
        int32_t *l = calloc(rows, sizeof *l);
        if (!l)
            return cs_error_set(CS_ENOMEM, "observer: out of memory for %zu rows", rows);
        free(o->labels);
        o->labels = l;
        o->lcap = rows;
    }
    return cs_sigmapi_batch(z, o->labels, rows, classes, NULL, tau, NULL);
}

cs_status cs_observer_step(cs_observer *o, int64_t step, double loss, const void *logits, cs_runlog_dtype dtype,
                           size_t rows, size_t classes, const double *surprise, double lr, double row[5])
{
    /* S first: backward wrote the gradients last, so they may still be in
     * the cache that the other reads would evict. */
    double s = surprise ? *surprise : grads_norm(o);
    double tau;
    cs_status st = logits_tau(o, logits, dtype, rows, classes, &tau);
    if (st)
        return st;
    double v[5] = {loss, tau, s, cs_sigmapi_pi(loss, tau, s, o->alpha, o->gamma), lr};
    if (row)
        memcpy(row, v, sizeof v);
    cs_runlog_handle h[5];
    double put[5];
    size_t n = 0;
    for (int i = 0; i < 5; i++)
        if (o->h[i] >= 0) {
            h[n] = o->h[i];
            put[n++] = v[i];
        }
    return cs_runlog_append_step(o->w, step, n, h, put);
}
