/* The estimator registry: every information estimator has one name, one set
 * of options and one life cycle (JIDT's idea, in FFTW's words):
 *
 *     choose      cs_estimator_params_default(CS_EST_..., &p) or
 *                 cs_info_estimator_parse("ksg1", &p.estimator)
 *     prepare     cs_estimator_create(&p, data, types, &e): the data (n x D,
 *                 rows = samples) are copied ONCE into the estimator's own
 *                 layout (symbols, copula ranks, centred samples + covariance,
 *                 z-scored samples) and everything that does not depend on the
 *                 query is built there
 *     query       entropy of a column subset (estimators that have one),
 *                 I(X;Y|Z) of column sets (average, local, surrogate values),
 *                 as often as wanted
 *     destroy     cs_estimator_destroy
 *
 * A measure (cogscope/info.h: MI, CMI, TE, AIS; cogscope/multivariate.h ...)
 * is written once over these queries. The registry (names, aliases, options
 * each estimator takes, what it can answer) is cs_estimator_lookup.
 *
 * Estimators (names as the CLI and the Python package spell them):
 *   discrete  plug-in entropies of joint symbols (cogscope/discrete.h);
 *             alias "binned". Columns typed discrete are symbols; other
 *             columns are binned when bins > 0, else must hold integers.
 *   gaussian  Gaussian entropies from the ML covariance (cogscope/gaussian.h).
 *   gcopula   Gaussian copula (cogscope/gcopula.h) then gaussian.
 *   ksg1      Kraskov-Stoegbauer-Grassberger algorithm 1 (cogscope/ksg.h);
 *             alias "ksg". No entropy (it estimates dependence only).
 *   ksg2      KSG algorithm 2. No entropy.
 * Column types: each column is continuous or discrete (per column, `types`).
 * With gaussian, gcopula and ksg1 a query whose variables are typed discrete
 * uses the mixed continuous-discrete estimators of cogscope/mixed.h (rules in
 * cogscope/info.h, cs_info_params.types); ksg2 has no mixed form.
 *
 * An estimator is used by one thread at a time; queries parallelise inside
 * (OpenMP, `threads`). The library never prints. */
#ifndef COGSCOPE_ESTIMATOR_H
#define COGSCOPE_ESTIMATOR_H

#include <stdint.h>

#include "cogscope/core.h"
#include "cogscope/discrete.h"

#ifdef __cplusplus
extern "C" {
#endif

/* The one enum of estimator names of the whole library (info, observe,
 * CLI, Python). */
typedef enum {
    CS_EST_DISCRETE = 0,
    CS_EST_GAUSSIAN,
    CS_EST_GCOPULA,
    CS_EST_KSG1,
    CS_EST_KSG2,
    CS_EST_COUNT
} cs_info_estimator;

/* "discrete", "gaussian", "gcopula", "ksg1", "ksg2" (NULL otherwise). */
const char *cs_info_estimator_name(cs_info_estimator e);
/* The alias when there is one ("binned", "ksg"), else the name: how the
 * analysis (metrics files, reports) spells the estimator. */
const char *cs_info_estimator_label(cs_info_estimator e);
/* Name or alias ("binned" = discrete, "ksg" = ksg1) to the enum; CS_EINVAL
 * naming the text and listing the names otherwise. The one parse function. */
cs_status cs_info_estimator_parse(const char *name, cs_info_estimator *out);

/* The type of a variable or column. A discrete column holds integer symbols
 * (class labels, categories: any integers; several columns form one joint
 * symbol). */
typedef enum { CS_VAR_CONTINUOUS = 0, CS_VAR_DISCRETE = 1 } cs_var_type;

/* Options an estimator may take (bit flags of cs_estimator_entry.options;
 * cs_measure_validate names the one that does not fit). */
enum {
    CS_OPT_BINS = 1u << 0,           /* bins, binning */
    CS_OPT_ALPHABET = 1u << 1,       /* alphabet */
    CS_OPT_MILLER_MADOW = 1u << 2,   /* miller_madow */
    CS_OPT_BIAS = 1u << 3,           /* bias_correct */
    CS_OPT_GC_FORM = 1u << 4,        /* gc_mixture (with a discrete variable) */
    CS_OPT_KNN = 1u << 5,            /* knn */
    CS_OPT_THEILER = 1u << 6,        /* theiler */
    CS_OPT_NORMALIZE = 1u << 7,      /* normalize */
    CS_OPT_NOISE = 1u << 8,          /* noise_sd, noise_seed */
    CS_OPT_ANALYTIC = 1u << 9,       /* the chi^2 null (cs_info_analytic) */
    CS_OPT_COVARIANCE = 1u << 10,    /* a covariance instead of samples (cs_info_set_covariance) */
    CS_OPT_DISCRETE_VARS = 1u << 11, /* variables typed discrete */
    CS_OPT_LOCAL = 1u << 12,         /* local values */
    CS_OPT_SURROGATES = 1u << 13,    /* permutation surrogates */
    CS_OPT_HISTORY = 1u << 14,       /* destination history length and spacing (te, ais) */
    CS_OPT_SOURCE_HISTORY = 1u << 15 /* source / conditioning histories and delays (te) */
};

/* The option's name as the CLI spells it without "--" ("k", "bins", ...). */
const char *cs_estimator_option_name(unsigned option);

/* One registry entry. */
typedef struct {
    cs_info_estimator id;
    const char *name;
    const char *alias;   /* the analysis' older spelling, or NULL */
    const char *summary; /* one line */
    unsigned options;    /* CS_OPT_* it takes */
    int has_entropy;     /* entropy of a column subset exists */
} cs_estimator_entry;

/* The entry of e, NULL if e is not an estimator. */
const cs_estimator_entry *cs_estimator_lookup(cs_info_estimator e);

typedef struct {
    cs_info_estimator estimator;
    /* discrete */
    int32_t alphabet;   /* 0 (default): inferred per column; > 0: given */
    size_t bins;        /* 0 (default): integer symbols; > 0: bin continuous columns */
    cs_binning binning; /* default CS_BIN_EQUAL_WIDTH */
    int miller_madow;   /* default 0 */
    /* gaussian, gcopula */
    int bias_correct; /* -1 (default): the estimator's own (gaussian 0, gcopula 1) */
    int gc_mixture;   /* with a discrete variable: 0 class-conditional model, 1 mixture */
    /* ksg */
    int knn;         /* default 4 */
    int normalize;   /* z-score columns (default 1) */
    size_t theiler;  /* Theiler window in time steps (default 0) */
    double noise_sd; /* default 1e-8 for ksg1/ksg2, else 0 (cogscope/info.h) */
    uint64_t noise_seed;
    int threads; /* <= 0: all cores */
} cs_estimator_params;

void cs_estimator_params_default(cs_info_estimator e, cs_estimator_params *p);

typedef struct cs_estimator cs_estimator;

/* Prepare estimator p->estimator on data (n x D, rows = samples; copied
 * once). types: D column types, NULL = all continuous. Errors: CS_EINVAL
 * (bad option, naming it; non-integer discrete column), CS_ENONFINITE
 * (names row and column), CS_ESINGULAR (gaussian: singular covariance). */
cs_status cs_estimator_create(const cs_estimator_params *p, cs_matrix data, const cs_var_type *types,
                              cs_estimator **out);
void cs_estimator_destroy(cs_estimator *e); /* NULL is fine */

/* Rows (samples; for an exact covariance the n_samples given, 0 = exact)
 * and columns of the prepared data. */
size_t cs_estimator_rows(const cs_estimator *e);
size_t cs_estimator_columns(const cs_estimator *e);

/* H(X) of the columns cols[0..m) (nats). CS_EINVAL for estimators without
 * entropy (gcopula, ksg1, ksg2) or with a column typed discrete and a
 * continuous estimator. */
cs_status cs_estimator_entropy(cs_estimator *e, const size_t *cols, size_t m, double *h);

/* I(X;Y|Z) of the column sets x, y, z (nz = 0: I(X;Y)), nats. The sets
 * must be disjoint; local: NULL or cs_estimator_rows values. Estimators
 * with entropy compute H(XZ) + H(YZ) - H(Z) - H(XYZ) (MI: H(X) + H(Y) -
 * H(XY)) in that order; KSG builds its search structures for the sets on
 * the first query and keeps them for repeated queries of the same sets. */
cs_status cs_estimator_cmi(cs_estimator *e, const size_t *x, size_t nx, const size_t *y, size_t ny, const size_t *z,
                           size_t nz, double *value, double *local);

/* Surrogate values first..first+n-1 of I(X;Y|Z) with the rows of X
 * permuted by cs_surrogate_permutation(seed, s) (cogscope/surrogate.h). */
cs_status cs_estimator_surrogate_values(cs_estimator *e, const size_t *x, size_t nx, const size_t *y, size_t ny,
                                        const size_t *z, size_t nz, size_t first, size_t n, uint64_t seed,
                                        double *values);

#ifdef __cplusplus
}
#endif
#endif
