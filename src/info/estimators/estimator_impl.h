/* Internal: the estimator interface behind cogscope/estimator.h. Each
 * registry entry (registry.c) points to one est_ops table, implemented in
 * est_discrete.c, est_gauss.c, est_ksg.c; a continuous estimator with
 * columns typed discrete answers through est_mixed.c's table. estimator.c
 * reaches the estimators only through these tables, so the calls between the
 * files run one way (est_*.c -> estimator.c).
 *
 * A query names up to three disjoint column sets X, Y, Z of the prepared
 * data. Estimators with entropy answer a dependence measure as a signed sum
 * of entropies of unions of the sets (est_term lists below, the measure's
 * arithmetic in one fixed order); the others (KSG, mixed) answer I(X;Y|Z)
 * directly and keep the structures built for the last sets. */
#ifndef COGSCOPE_INFO_ESTIMATOR_IMPL_H
#define COGSCOPE_INFO_ESTIMATOR_IMPL_H

#include "cogscope/estimator.h"
#include "cogscope/ksg.h"

enum { EST_X = 1, EST_Y = 2, EST_Z = 4 };

/* One term of a signed entropy sum: the union of the sets in mask. */
typedef struct {
    int mask;
    double sign;
} est_term;

/* entropy H(X): +X; conditional H(X|Y): +XY -Y; I(X;Y): +X +Y -XY;
 * I(X;Y|Z): +XZ +YZ -Z -XYZ. */
extern const est_term est_terms_entropy[1], est_terms_centropy[2], est_terms_mi[3], est_terms_cmi[4];

/* The column sets of one query (n[k] == 0: set k is empty). */
typedef struct {
    const size_t *idx[3];
    size_t n[3];
} est_sets;

typedef struct est_mixed est_mixed;

typedef struct est_ops {
    /* Prepare on e->W (n x D, raw data); may convert W and free it. */
    cs_status (*prepare)(cs_estimator *e);
    /* Entropy of the columns idx[0..m) (bias correction included), or NULL. */
    cs_status (*entropy)(const cs_estimator *e, const size_t *idx, size_t m, double *h);
    /* Local entropies (n values, minus the constant bias shift), or NULL. */
    cs_status (*local_entropy)(const cs_estimator *e, const size_t *idx, size_t m, double *tmp, double *shift);
    /* Direct I(X;Y|Z) (value, local may be NULL), or NULL to sum entropies.
     * value == NULL: bind the structures to the sets s (est_bind). */
    cs_status (*cmi)(cs_estimator *e, const est_sets *s, double *value, double *local);
    /* Surrogate values first..first+ns-1 of the terms (or of the direct cmi). */
    cs_status (*surrogates)(cs_estimator *e, const est_sets *s, const est_term *t, size_t nt, size_t first, size_t ns,
                            uint64_t seed, double *vals);
    /* Free the structures bound to the last sets (NULL: nothing is bound). */
    void (*unbind)(cs_estimator *e);
    /* Free what prepare built. */
    void (*clear)(cs_estimator *e);
} est_ops;

struct cs_estimator {
    cs_estimator_params p;
    const est_ops *ops;
    int bias_correct;    /* resolved */
    int have;            /* 1 samples, 2 covariance */
    size_t n, D;         /* rows (or the n_samples of a covariance), columns */
    cs_var_type *types;  /* D column types */
    int mixed_mode;      /* a continuous estimator with columns typed discrete */
    const size_t *times; /* n time indices (KSG Theiler window), NULL = row i */
    int release_samples; /* KSG may take W as its own buffer (one set of columns ever) */
    const char *what;    /* how messages name the measure's variables, or NULL */
    size_t roles[3];     /* widths of the calculator's x | y | z blocks, for messages */
    int32_t *alph;       /* discrete: D alphabets of W's columns when the caller
                            already made W symbols (cs_info: before embedding) */
    double *W;           /* n x D samples in the estimator's layout (see each op) */
    double *mean, *cov;  /* gaussian */
    cs_symbols sym;      /* discrete */
    /* structures bound to the sets of the last direct query (ksg, mixed) */
    size_t *bound; /* nx + ny + nz indices */
    size_t bound_n[3];
    cs_ksg *ksg;
    est_mixed *mixed;
    int clamped; /* mixed: the last value hit a bound */
    /* prepared for the multivariate measures (cogscope/multivariate.h) */
    int subset_checks; /* a singular covariance (or N <= D with the bias
                          correction) is refused by the query whose subset
                          meets it, not by prepare */
    size_t *labels;    /* D numbers naming the columns in messages, or NULL */
    double *h1;        /* D single-column entropies, bias-corrected */
    double *ln_var;    /* gaussian: D values ln cov_jj */
    double *bias;      /* D + 1 entries: the bias correction of a d-column entropy */
};

extern const est_ops est_discrete_ops, est_gauss_ops, est_ksg_ops;
/* gaussian, gcopula, ksg1 with columns typed discrete (est_mixed.c). */
extern const est_ops est_mixed_ops;

/* Make an estimator that owns W (n x D, malloc'd; freed on failure too).
 * types: D entries or NULL; times: n entries or NULL (kept, not copied). */
cs_status est_create_owned(const cs_estimator_params *p, double *W, size_t n, size_t D, const cs_var_type *types,
                           cs_estimator **out);

/* The discrete estimator on symbols already made (n x D; *sym is taken and
 * zeroed): nothing left to prepare. types: D entries or NULL. */
cs_status est_create_symbols(const cs_estimator_params *p, cs_symbols *sym, const cs_var_type *types,
                             cs_estimator **out);

/* Indices of the union of the sets in mask, in the order X, Y, Z. */
size_t est_union(const est_sets *s, int mask, size_t *idx);

/* The estimator's value of the signed entropy sum t[0..nt) (estimators with
 * entropy), the local values when local != NULL. */
cs_status est_terms_value(const cs_estimator *e, const est_sets *s, const est_term *t, size_t nt, double *value);
cs_status est_terms_local(const cs_estimator *e, const est_sets *s, const est_term *t, size_t nt, double *local);

/* Bind the direct structures (KSG search trees, mixed roles) to the sets s:
 * built once, reused while the sets stay the same. */
cs_status est_bind(cs_estimator *e, const est_sets *s);

/* Check the estimator-level options (CS_EINVAL naming the bad one). */
cs_status est_check_params(const cs_estimator_params *p);

/* Gaussian: set a covariance (D x D, already in the X|Y|Z order) instead of
 * samples; n_samples as cs_info_set_covariance. */
cs_status est_gauss_set_covariance(cs_estimator *e, double *cov, size_t D, size_t n_samples);

/* Gaussian: value of the terms from cov with the bias correction on/off. */
cs_status est_gauss_value(const cs_estimator *e, const est_sets *s, const est_term *t, size_t nt, const double *cov,
                          int correct, double *value);

/* Discrete: joint codes of the columns idx[0..m) and the plug-in alphabet
 * product of those columns. */
cs_status est_disc_codes(const cs_estimator *e, const size_t *idx, size_t m, int32_t *codes, size_t *states);
double est_disc_alphabet_product(const cs_estimator *e, const size_t *idx, size_t m);

/* ---- mixed (est_mixed.c): the structures bound by est_bind ---- */
cs_status est_mixed_value(const est_mixed *m, const size_t *perm, double *value, double *local, int *clamped);
double est_mixed_tied_fraction(const est_mixed *m);

/* Prepare after est_create_owned (the caller may set times/what first). */
cs_status est_prepare(cs_estimator *e);

/* One surrogate value of an estimator: ctx holds what the shuffle leaves
 * fixed (shared, read-only), perm X's row permutation (n entries), scratch
 * the calling thread's own scratch block. */
typedef cs_status (*est_surrogate_fn)(const void *ctx, void *scratch, const size_t *perm, double *value);

/* The surrogate loop of the estimators (est_surrogates.c): vals[q] = f of
 * the permutation cs_surrogate_permutation(seed, first + q) of n rows,
 * q = 0..ns-1, on `threads` OpenMP threads (<= 0: all cores); each thread
 * allocates its scratch block of scratch_bytes once and frees it at the
 * end. The first failure is returned with its message. */
cs_status est_surrogate_loop(est_surrogate_fn f, const void *ctx, size_t scratch_bytes, size_t n, int threads,
                             size_t first, size_t ns, uint64_t seed, double *vals);

#endif
