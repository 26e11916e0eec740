/* Internal: the KSG estimator's layout (cogscope/ksg.h), shared by ksg.c
 * (create, queries, surrogates) and ksg_count.c (marginal spaces and the
 * per-row estimate). */
#ifndef COGSCOPE_INFO_KSG_INTERNAL_H
#define COGSCOPE_INFO_KSG_INTERNAL_H

#include <stdint.h>

#include "cogscope/ksg.h"
#include "kdtree.h"

/* time indices and windows are kept well inside int64 so t +- w never overflows */
#define KSG_TIME_LIMIT ((int64_t)1 << 62)

typedef struct {
    size_t d;
    double *pts;    /* n x d, in row order of this space */
    kdtree *tree;   /* d > 1 */
    double *sorted; /* d == 1: the values, ascending */
    size_t *rank;   /* d == 1: rank[m] = a position of point m's value in sorted */
} ksg_space;

/* Rows are stored in the joint kd-tree's order ("internal rows"), so that
 * spatially close points are close in memory; orig/inv translate to the
 * caller's row numbering, which all inputs and outputs use. */
struct cs_ksg {
    size_t n, dx, dy, dz, D;
    int alg, k, threads, search;
    int64_t w;
    size_t *orig;            /* internal row -> caller's row */
    size_t *inv;             /* caller's row -> internal row */
    int64_t *times;          /* n time indices (internal rows) */
    size_t *by_time;         /* internal rows ordered by time (w > 0) */
    size_t *win_lo, *win_hi; /* w > 0: row i's window is by_time[win_lo[i] .. win_hi[i]) */
    double *joint;           /* during create: n x D (x | y | z, normalised + noise), caller's rows */
    const double *J;         /* the same in internal rows: the joint tree's own point array */
    kdtree *jtree;
    ksg_space a, b, c; /* MI: x, y. CMI: (x,z), (y,z), z */
    double *psi;       /* psi[m] = digamma(m), m = 1..n */
};

typedef struct {
    const double *joint; /* n x D */
    const kdtree *jtree;
    const ksg_space *a, *b, *c;
    const size_t *amap; /* row -> point of space a (NULL: identity) */
} ksg_ctx;

/* Choose the search of a tree: blocks or fine (CS_KSG_SEARCH_*). */
cs_status ksg_use_blocks(int search, kdtree *t, size_t n, size_t d, int for_count);

/* A marginal space of the columns cols[0..d) of src (n x D): sorted values
 * when d == 1, else a kd-tree; free with ksg_space_free. */
cs_status ksg_space_init(ksg_space *s, const double *src, size_t n, size_t D, const size_t *cols, size_t d,
                         int threads, int search);
void ksg_space_free(ksg_space *s);

/* Local values of context C on nt threads: per internal row into tmp,
 * written to local in the caller's row order, averaged in that order.
 * Three passes, each over batches of nearby rows: the k-NN (blocks of the
 * joint tree), the counts of each marginal space (blocks of its tree), the
 * values. */
cs_status ksg_run(const cs_ksg *P, const ksg_ctx *C, double *tmp, double *local, double *avg, int nt);

/* cs_ksg_cmi_create on a buffer the estimator takes over: joint (n x (dx +
 * dy + dz), x | y | z) is normalised in place and kept (freed on failure). */
cs_status ksg_cmi_create_owned(double *joint, size_t n, size_t dx, size_t dy, size_t dz, const cs_ksg_params *p,
                               cs_ksg **out);

#endif
