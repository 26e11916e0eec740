"""The C library, loaded with cffi in ABI mode (no compiler, no extension).

The declarations below are copied from include/cogscope/*.h: only what the
Python package calls. cffi lays the structs out from these declarations, so
they must match the headers field for field; tests/test_abi.py compiles a C
program that prints the real sizes and offsets and compares them.

Which libcogscope is loaded, first match wins:
  1. $COGSCOPE_LIB (a path to libcogscope.so*), e.g. a build tree's;
  2. the library `cmake --install` put beside this package (_install.py,
     written at install time, holds its path relative to this directory);
  3. libcogscope.so.0 through the system's search path (ldconfig,
     LD_LIBRARY_PATH).
"""
import os

import cffi

SONAME = "libcogscope.so.0"

CDEF = r"""
typedef enum {
    CS_OK = 0, CS_EINVAL, CS_ENOMEM, CS_EIO, CS_EFORMAT, CS_ESCHEMA, CS_ENONFINITE,
    CS_ESINGULAR, CS_ESHAPE, CS_ELIMIT, CS_ENOCONV, CS_EINTERNAL, CS_STATUS_COUNT
} cs_status;
const char *cs_strerror(cs_status status);
const char *cs_last_error(void);
void cs_error_clear(void);

typedef struct {
    double *data;
    size_t rows;
    size_t cols;
    size_t stride;
} cs_matrix;

/* embed.h, discrete.h, surrogate.h */
typedef struct {
    size_t k, k_tau, l, l_tau, u, m, m_tau, w;
} cs_embed_params;
typedef enum { CS_BIN_EQUAL_WIDTH, CS_BIN_EQUAL_FREQ } cs_binning;
typedef struct {
    int32_t *data;
    size_t rows, cols;
    int32_t *alphabet;
} cs_symbols;
void cs_symbols_free(cs_symbols *s);
cs_status cs_discrete_from_matrix(cs_matrix x, int32_t alphabet, cs_symbols *out);
cs_status cs_discrete_bin(cs_matrix x, size_t bins, cs_binning how, cs_symbols *out);
typedef struct {
    double observed;
    double p_value;
    double surrogate_mean;
    double surrogate_std;
    size_t n_surrogates;
    size_t n_greater_equal;
} cs_significance;

/* info.h */
typedef enum {
    CS_INFO_ENTROPY = 0, CS_INFO_CENTROPY, CS_INFO_MI, CS_INFO_CMI, CS_INFO_TE, CS_INFO_AIS, CS_INFO_OMEGA,
    CS_INFO_TC, CS_INFO_DTC, CS_INFO_OINFO, CS_INFO_SINFO, CS_INFO_TSE, CS_INFO_PID, CS_INFO_PHIID,
    CS_INFO_MEASURE_COUNT
} cs_info_measure;
typedef enum {
    CS_EST_DISCRETE = 0, CS_EST_GAUSSIAN, CS_EST_GCOPULA, CS_EST_KSG1, CS_EST_KSG2, CS_EST_COUNT
} cs_info_estimator;
/* blas.h */
typedef struct {
    const char *config;
    const char *kernel;
    const char *better;
} cs_blas_kernels;
void cs_blas_kernels_get(cs_blas_kernels *out);
cs_status cs_info_measure_parse(const char *name, cs_info_measure *out);
cs_status cs_info_estimator_parse(const char *name, cs_info_estimator *out);
typedef enum { CS_VAR_CONTINUOUS = 0, CS_VAR_DISCRETE = 1 } cs_var_type;

/* estimator.h, measure.h: the option bits and the one validation */
enum {
    CS_OPT_BINS = 1, CS_OPT_ALPHABET = 2, CS_OPT_MILLER_MADOW = 4, CS_OPT_BIAS = 8,
    CS_OPT_GC_FORM = 16, CS_OPT_KNN = 32, CS_OPT_THEILER = 64, CS_OPT_NORMALIZE = 128,
    CS_OPT_NOISE = 256, CS_OPT_ANALYTIC = 512, CS_OPT_COVARIANCE = 1024,
    CS_OPT_DISCRETE_VARS = 2048, CS_OPT_LOCAL = 4096, CS_OPT_SURROGATES = 8192,
    CS_OPT_HISTORY = 16384, CS_OPT_SOURCE_HISTORY = 32768
};
enum { CS_ROLE_BIT_X = 1, CS_ROLE_BIT_Y = 2, CS_ROLE_BIT_Z = 4 };
typedef struct {
    cs_info_measure measure;
    cs_info_estimator estimator;
    unsigned roles;
    unsigned options;
    cs_var_type types[3];
} cs_measure_request;
cs_status cs_measure_validate(const cs_measure_request *r);
typedef struct {
    cs_info_estimator estimator;
    int32_t alphabet;
    size_t bins;
    cs_binning binning;
    int miller_madow;
    int bias_correct;
    int gc_mixture;
    int knn;
    int normalize;
    size_t theiler;
    double noise_sd;
    uint64_t noise_seed;
    int threads;
} cs_estimator_params;
void cs_estimator_params_default(cs_info_estimator e, cs_estimator_params *p);
typedef struct {
    cs_info_measure measure;
    cs_embed_params embed;
    cs_var_type types[3];
    cs_estimator_params est;
} cs_info_params;
void cs_info_params_default(cs_info_measure measure, cs_info_estimator estimator,
                            cs_info_params *p);
typedef struct cs_info cs_info;
cs_status cs_info_create(const cs_info_params *p, cs_info **out);
void cs_info_destroy(cs_info *c);
cs_status cs_info_set_observations(cs_info *c, cs_matrix x, cs_matrix y, cs_matrix z);
cs_status cs_info_set_covariance(cs_info *c, const double *cov, size_t d, const size_t *x,
                                 size_t nx, const size_t *y, size_t ny, const size_t *z, size_t nz,
                                 size_t n_samples);
size_t cs_info_count(const cs_info *c);
cs_status cs_info_average(cs_info *c, double *value);
double cs_info_tied_fraction(const cs_info *c);
int cs_info_saturated(const cs_info *c, size_t *occupied);
int cs_info_clamped(const cs_info *c);
cs_status cs_info_local(cs_info *c, double *local, double *average);
cs_status cs_info_surrogates(cs_info *c, size_t n_surrogates, uint64_t seed,
                             cs_significance *out, double *values);

/* multivariate.h */
typedef enum { CS_MV_TC = 0, CS_MV_DTC, CS_MV_OINFO, CS_MV_SINFO, CS_MV_TSE,
               CS_MV_MEASURE_COUNT } cs_mv_measure;
typedef struct cs_estimator cs_estimator;
void cs_estimator_destroy(cs_estimator *e);
size_t cs_estimator_rows(const cs_estimator *e);
size_t cs_estimator_columns(const cs_estimator *e);
cs_status cs_mv_estimator_create(const cs_estimator_params *p, cs_matrix data,
                                 const size_t *labels, cs_estimator **out);
cs_status cs_mv_estimator_create_cov(const double *cov, size_t n, size_t ld, const size_t *labels,
                                     cs_estimator **out);
cs_status cs_mv_compute(const cs_estimator *e, cs_mv_measure measure, const size_t *vars,
                        size_t m, double *value);
typedef struct {
    size_t order_min, order_max;
    size_t top_k;
    int threads;
    uint64_t max_count;
    uint64_t max_bytes;
    size_t part, parts;
} cs_mv_multiplet_opts;
void cs_mv_multiplet_opts_default(cs_mv_multiplet_opts *o);
typedef struct {
    uint64_t count;
    uint64_t bytes;
    double seconds;
} cs_mv_estimate;
cs_status cs_mv_multiplets_check(const cs_estimator *e, cs_mv_measure measure,
                                 const cs_mv_multiplet_opts *o, cs_mv_estimate *est);
typedef struct {
    double value;
    size_t order;
    uint64_t rank;
} cs_mv_hit;
cs_status cs_mv_multiplets(const cs_estimator *e, cs_mv_measure measure,
                           const cs_mv_multiplet_opts *o, double *values,
                           cs_mv_hit *lowest, size_t *nlow, cs_mv_hit *highest, size_t *nhigh);
cs_status cs_mv_combination_unrank(uint64_t rank, size_t k, size_t n, size_t *comb);
int cs_mv_combination_next(size_t *comb, size_t k, size_t n);

/* pid.h, phiid.h */
typedef enum { CS_PID_WB = 0, CS_PID_MMI, CS_PID_CCS, CS_PID_BROJA,
               CS_PID_REDUNDANCY_COUNT } cs_pid_redundancy;
cs_status cs_pid_redundancy_parse(const char *name, cs_pid_redundancy *out);
typedef struct {
    cs_pid_redundancy redundancy;
    double tol;
    int max_iter;
    size_t ccs_points;
    size_t ccs_shifts;
    uint64_t seed;
    int threads;
} cs_pid_params;
void cs_pid_params_default(cs_pid_params *p);
cs_status cs_pid_check_redundancy(cs_info_measure m, cs_info_estimator e, cs_pid_redundancy r);
typedef struct {
    double redundancy;
    double unique[2];
    double synergy;
    double mi_joint;
    double mi_sources[2];
    double omega;
    double solver_gap;
    int solver_iterations;
    double ccs_stderr;
} cs_pid_result;
cs_status cs_pid_table(const double *p, size_t n1, size_t n2, size_t ny,
                       const cs_pid_params *params, cs_pid_result *out);
cs_status cs_pid_gaussian_cov(const double *cov, size_t d1, size_t d2, size_t dy,
                              const cs_pid_params *params, cs_pid_result *out);
cs_status cs_pid_estimate(const cs_estimator_params *ep, cs_matrix x1, cs_matrix x2, cs_matrix y,
                          const cs_pid_params *params, cs_pid_result *out);
const char *cs_phiid_atom_name(int atom);
typedef struct {
    double atoms[16];
    double tdmi;
    double phi_wms;
    double phi_r;
    double mi_self[2];
    size_t n;
    double ccs_stderr;
    double atom_stderr[16];
} cs_phiid_result;
cs_status cs_phiid_table(const double *p, const size_t dims[4], const cs_pid_params *params,
                         cs_phiid_result *out);
cs_status cs_phiid_gaussian_cov(const double *cov, size_t d1, size_t d2,
                                const cs_pid_params *params, cs_phiid_result *out);
cs_status cs_phiid_estimate(const cs_estimator_params *ep, cs_matrix x1, cs_matrix x2, size_t tau,
                            const cs_pid_params *params, cs_phiid_result *out);

/* spectral.h */
typedef enum {
    CS_WINDOW_HANN = 0, CS_WINDOW_HAMMING, CS_WINDOW_BLACKMAN, CS_WINDOW_BOXCAR,
    CS_WINDOW_TUKEY, CS_WINDOW_BARTLETT, CS_WINDOW_FLATTOP, CS_WINDOW_USER
} cs_window_kind;
typedef enum { CS_DETREND_NONE = 0, CS_DETREND_CONSTANT, CS_DETREND_LINEAR } cs_detrend;
typedef enum { CS_SCALING_DENSITY = 0, CS_SCALING_SPECTRUM } cs_scaling;
typedef enum { CS_AVERAGE_MEAN = 0, CS_AVERAGE_MEDIAN } cs_average;
cs_status cs_window_parse(const char *text, cs_window_kind *kind, double *param);
typedef struct {
    double fs;
    cs_window_kind window;
    double window_param;
    const double *window_values;
    size_t window_len;
    size_t nperseg;
    long noverlap;
    size_t nfft;
    cs_detrend detrend;
    cs_scaling scaling;
    cs_average average;
    int onesided;
    int threads;
} cs_welch_params;
void cs_welch_params_default(cs_welch_params *p);
void cs_spectrogram_params_default(cs_welch_params *p);
void cs_periodogram_params_default(cs_welch_params *p);
typedef struct cs_welch_plan cs_welch_plan;
cs_status cs_welch_plan_create(const cs_welch_params *p, size_t n, cs_welch_plan **out);
cs_status cs_spectrogram_plan_create(const cs_welch_params *p, size_t n, cs_welch_plan **out);
cs_status cs_periodogram_plan_create(const cs_welch_params *p, size_t n, cs_welch_plan **out);
void cs_welch_plan_destroy(cs_welch_plan *plan);
size_t cs_welch_plan_nfreq(const cs_welch_plan *plan);
size_t cs_welch_plan_nsegments(const cs_welch_plan *plan);
int cs_welch_plan_capped(const cs_welch_plan *plan);
void cs_welch_plan_freqs(const cs_welch_plan *plan, double *f);
void cs_welch_plan_times(const cs_welch_plan *plan, double *t);
cs_status cs_welch_psd(const cs_welch_plan *plan, cs_matrix x, double *psd);
cs_status cs_welch_csd(const cs_welch_plan *plan, cs_matrix x, cs_matrix y, double *re, double *im);
cs_status cs_welch_coherence(const cs_welch_plan *plan, cs_matrix x, cs_matrix y, double *coh);
cs_status cs_welch_spectrogram(const cs_welch_plan *plan, cs_matrix x, double *sxx);

/* multitaper.h, aperiodic.h */
typedef enum { CS_MT_NORM_LENGTH = 0, CS_MT_NORM_FULL } cs_mt_normalization;
typedef struct {
    double fs;
    double nw;
    size_t k;
    int low_bias;
    int adaptive;
    size_t max_iter;
    cs_mt_normalization normalization;
    double fmin, fmax;
    int threads;
} cs_multitaper_params;
void cs_multitaper_params_default(cs_multitaper_params *p);
typedef struct cs_multitaper_plan cs_multitaper_plan;
cs_status cs_multitaper_plan_create(const cs_multitaper_params *p, size_t n,
                                    cs_multitaper_plan **out);
void cs_multitaper_plan_destroy(cs_multitaper_plan *plan);
size_t cs_multitaper_plan_nfreq(const cs_multitaper_plan *plan);
size_t cs_multitaper_plan_ntapers(const cs_multitaper_plan *plan);
void cs_multitaper_plan_freqs(const cs_multitaper_plan *plan, double *f);
cs_status cs_multitaper_psd(const cs_multitaper_plan *plan, cs_matrix x, double *psd,
                            size_t *not_converged);
typedef enum { CS_APERIODIC_FIXED = 0, CS_APERIODIC_KNEE } cs_aperiodic_mode;
typedef struct {
    cs_aperiodic_mode mode;
    double fmin, fmax;
    double peak_width_min;
    double peak_width_max;
    size_t max_n_peaks;
    double min_peak_height;
    double peak_threshold;
} cs_aperiodic_params;
void cs_aperiodic_params_default(cs_aperiodic_params *p);
typedef struct {
    double center, power, width;
    double height, sd;
} cs_peak;
typedef struct {
    double offset, exponent;
    double knee;
    double knee_freq;
    double r_squared;
    double error;
    size_t n_peaks;
    cs_peak *peaks;
    size_t nfit;
    double *freqs;
    double *log_power;
    double *model;
    double *aperiodic;
} cs_aperiodic_result;
cs_status cs_aperiodic_fit(const double *f, const double *power, size_t n,
                           const cs_aperiodic_params *p, cs_aperiodic_result *res);
void cs_aperiodic_result_free(cs_aperiodic_result *res);

/* sigmapi.h */
double cs_sigmapi_pi(double epsilon, double tau, double surprise, double alpha, double gamma);
cs_status cs_sigmapi_batch(const double *logits, const int32_t *labels, size_t rows, size_t classes,
                           double *epsilon, double *tau, size_t *correct);
double cs_sigmapi_norm(const double *g, size_t n);
"""

# The run-log writer (runlog.h, schema v2).
CDEF_RUNLOG = r"""
typedef enum {
    CS_RUNLOG_F64 = 0, CS_RUNLOG_F32 = 1, CS_RUNLOG_I64 = 2, CS_RUNLOG_I32 = 3, CS_RUNLOG_U64 = 4
} cs_runlog_dtype;
typedef struct cs_runlog_writer cs_runlog_writer;
typedef int cs_runlog_handle;
typedef struct {
    double flush_interval;
    int snapshot_deflate;
} cs_runlog_options;
cs_status cs_runlog_create(const char *path, const cs_runlog_options *opt, cs_runlog_writer **out);
cs_status cs_runlog_set_string(cs_runlog_writer *w, const char *name, const char *value);
cs_status cs_runlog_set_strings(cs_runlog_writer *w, const char *name, const char *const *values,
                                size_t n);
cs_status cs_runlog_set_numbers(cs_runlog_writer *w, const char *name, cs_runlog_dtype dtype,
                                const void *values, size_t n, int scalar);
cs_status cs_runlog_add_layer(cs_runlog_writer *w, const char *name, size_t *index);
cs_status cs_runlog_declare_series(cs_runlog_writer *w, const char *name, cs_runlog_dtype dtype,
                                   cs_runlog_handle *h);
cs_status cs_runlog_declare_layer_series(cs_runlog_writer *w, size_t layer, const char *name,
                                         cs_runlog_handle *h);
cs_status cs_runlog_declare_snapshot(cs_runlog_writer *w, size_t layer, const char *name, int rank,
                                     const size_t *shape, cs_runlog_handle *h);
cs_status cs_runlog_declare_eval(cs_runlog_writer *w, const char *name, cs_runlog_dtype dtype,
                                 cs_runlog_handle *h);
cs_status cs_runlog_set_probe(cs_runlog_writer *w, const float *inputs, size_t samples, size_t dim,
                              const int32_t *labels);
cs_status cs_runlog_start(cs_runlog_writer *w);
cs_status cs_runlog_put(cs_runlog_writer *w, cs_runlog_handle h, double value);
cs_status cs_runlog_end_step(cs_runlog_writer *w, int64_t step);
cs_status cs_runlog_append_step(cs_runlog_writer *w, int64_t step, size_t n, const cs_runlog_handle *h,
                                const double *values);
cs_status cs_runlog_end_eval(cs_runlog_writer *w, int64_t step);
cs_status cs_runlog_put_snapshot(cs_runlog_writer *w, cs_runlog_handle h, const float *data);
cs_status cs_runlog_end_snapshot(cs_runlog_writer *w, int64_t step);
cs_status cs_runlog_flush(cs_runlog_writer *w);
cs_status cs_runlog_close(cs_runlog_writer *w);

/* observer.h: the fused per-step call of cogscope.torch.Observer */
typedef struct cs_observer cs_observer;
typedef struct {
    cs_runlog_handle loss, tau, surprise, pi, lr;
} cs_observer_series;
cs_status cs_observer_create(cs_runlog_writer *w, const cs_observer_series *series, double alpha,
                             double gamma, cs_observer **out);
void cs_observer_destroy(cs_observer *o);
cs_status cs_observer_set_grads(cs_observer *o, size_t n, const float *const *grads,
                                const size_t *sizes);
cs_status cs_observer_step(cs_observer *o, int64_t step, double loss, const void *logits,
                           cs_runlog_dtype dtype, size_t rows, size_t classes,
                           const double *surprise, double lr, double row[5]);
"""

ffi = cffi.FFI()
ffi.cdef(CDEF)
ffi.cdef(CDEF_RUNLOG)


def _candidates():
    env = os.environ.get("COGSCOPE_LIB")
    if env:
        return [env]
    out = []
    try:
        from . import _install  # written by cmake --install
        out.append(os.path.normpath(os.path.join(os.path.dirname(__file__), _install.LIBRARY)))
    except ImportError:
        pass
    out.append(SONAME)
    return out


def _load():
    errors = []
    for path in _candidates():
        try:
            return ffi.dlopen(path), path
        except OSError as e:
            errors.append(f"{path}: {e}")
    raise ImportError("cogscope: cannot load libcogscope (" + "; ".join(errors) +
                      "); set COGSCOPE_LIB to the library's path")


lib, path = _load()

STATUS_NAMES = {getattr(lib, n): n[3:] for n in dir(lib)
                if n.startswith("CS_E") and n != "CS_EST_COUNT" and not n.startswith("CS_EST_")}


class CogscopeError(Exception):
    """A library call failed. str(e) is the library's message (cs_last_error,
    naming the argument, file, row or column at fault); e.status is the
    status name ("EINVAL", "ESHAPE", ...), e.code its number."""

    def __init__(self, code, message):
        self.code = int(code)
        self.status = STATUS_NAMES.get(self.code, str(self.code))
        super().__init__(message)


def check(status):
    """Raise CogscopeError with the library's message unless status is CS_OK."""
    if status != lib.CS_OK:
        msg = ffi.string(lib.cs_last_error()).decode("utf-8", "replace")
        if not msg:
            msg = ffi.string(lib.cs_strerror(status)).decode()
        raise CogscopeError(status, msg)
