"""Entropy, conditional entropy, mutual information, conditional mutual
information, transfer entropy and active information storage of numpy
arrays (library: cogscope/info.h). Each function takes the options of
`cogscope estimate MEASURE` under the same names (--source-history becomes
source_history) and returns the same number.

Arrays are (n,) or (n, d): rows are samples (time steps for te and ais),
columns the components of one multivariate variable. Results are in bits for
the discrete estimator and nats otherwise unless `units` says; local=True
returns the local (pointwise) values instead of their average."""
import numpy as np

from ._common import EMPTY, as_samples, binning, nonneg_int, parse_enum, unit_factor
from ._lib import check, ffi, lib


def _params(measure, estimator, *, bins, binning_, alphabet, miller_madow, bias_correct, k,
            theiler, normalize, noise, seed, threads, x_discrete, y_discrete, z_discrete, gc_form,
            embed=None):
    est = parse_enum(lib.cs_info_estimator_parse, "cs_info_estimator", estimator, "estimator")
    p = ffi.new("cs_info_params *")
    lib.cs_info_params_default(measure, est, p)
    e = p.est  # the estimator's options (cogscope/estimator.h owns them)
    e.alphabet = nonneg_int(alphabet, "alphabet")
    e.bins = nonneg_int(bins, "bins")
    e.binning = binning(binning_)
    e.miller_madow = int(bool(miller_madow))
    e.bias_correct = -1 if bias_correct is None else int(bool(bias_correct))
    e.knn = nonneg_int(k, "k", 1)
    e.normalize = int(bool(normalize))
    e.theiler = nonneg_int(theiler, "theiler")
    if noise is not None:  # None: the library's default (1e-8 for KSG)
        e.noise_sd = float(noise)
    for i, flag in enumerate((x_discrete, y_discrete, z_discrete)):
        p.types[i] = lib.CS_VAR_DISCRETE if flag else lib.CS_VAR_CONTINUOUS
    if gc_form not in ("model", "mixture"):
        raise ValueError(f"gc_form: {gc_form!r} is not 'model' or 'mixture'")
    e.gc_mixture = int(gc_form == "mixture")
    e.noise_seed = nonneg_int(seed, "seed")
    e.threads = int(threads)
    for key, value in (embed or {}).items():
        setattr(p.embed, key, nonneg_int(value, key, 1))
    return p, est


_OPTION_BITS = {"bins": "BINS", "binning": "BINS", "alphabet": "ALPHABET",
                "miller_madow": "MILLER_MADOW", "bias_correct": "BIAS", "gc_form": "GC_FORM",
                "k": "KNN", "theiler": "THEILER", "normalize": "NORMALIZE", "noise": "NOISE",
                "x_discrete": "DISCRETE_VARS", "y_discrete": "DISCRETE_VARS",
                "z_discrete": "DISCRETE_VARS"}
_HISTORY = {"history": "HISTORY", "history_tau": "HISTORY", "source_history": "SOURCE_HISTORY",
            "source_tau": "SOURCE_HISTORY", "delay": "SOURCE_HISTORY",
            "cond_history": "SOURCE_HISTORY", "cond_delay": "SOURCE_HISTORY"}


def _validate(measure, est, given, local=False, surrogates=False, embed=None):
    """The library's one check of a request (cogscope/measure.h): the options
    set away from their defaults against the measure table and the estimator
    registry; the roles are checked when the arrays reach the library."""
    r = ffi.new("cs_measure_request *")
    r.measure, r.estimator, r.roles = measure, est, 0
    options = 0
    for key, value in given.items():
        if key in _OPTION_BITS and value != _DEFAULTS[key]:
            options |= getattr(lib, "CS_OPT_" + _OPTION_BITS[key])
    for key, value in (embed or {}).items():
        if value != 1:
            options |= getattr(lib, "CS_OPT_" + _HISTORY[key])
    if local:
        options |= lib.CS_OPT_LOCAL
    if surrogates:
        options |= lib.CS_OPT_SURROGATES
    r.options = options
    for i, key in enumerate(("x_discrete", "y_discrete", "z_discrete")):
        r.types[i] = lib.CS_VAR_DISCRETE if given.get(key) else lib.CS_VAR_CONTINUOUS
    check(lib.cs_measure_validate(r))


def _run(p, est, units, local, x, y=None, z=None):
    keep = []
    views = []
    for arr, name in ((x, "x"), (y, "y"), (z, "z")):
        if arr is None:
            views.append(EMPTY)
            continue
        a, m = as_samples(arr, name)
        keep.append(a)
        views.append(m)
    calc = ffi.new("cs_info **")
    check(lib.cs_info_create(p, calc))
    c = ffi.gc(calc[0], lib.cs_info_destroy)
    check(lib.cs_info_set_observations(c, *views))
    scale = unit_factor(units, est == lib.CS_EST_DISCRETE)
    if local:
        n = lib.cs_info_count(c)
        out = np.empty(max(n, 1))
        check(lib.cs_info_local(c, ffi.cast("double *", out.ctypes.data), ffi.NULL))
        return out[:n] * scale
    value = ffi.new("double *")
    check(lib.cs_info_average(c, value))
    return value[0] * scale


_DEFAULTS = dict(bins=0, binning="width", alphabet=0, miller_madow=False, bias_correct=None,
                 k=4, theiler=0, normalize=True, noise=None, seed=0, threads=0, x_discrete=False,
                 y_discrete=False, z_discrete=False, gc_form="model")


def _opts(kw):
    unknown = set(kw) - set(_DEFAULTS)
    if unknown:
        raise TypeError(f"unknown option(s): {', '.join(sorted(unknown))}")
    o = dict(_DEFAULTS, **kw)
    o["binning_"] = o.pop("binning")
    return o


def entropy(x, y=None, *, estimator, units=None, local=False, **options):
    """H(X), or the conditional entropy H(X|Y) when y is given (discrete or
    gaussian). Options: bins, binning ('width'|'freq'), alphabet,
    miller_madow, bias_correct, threads."""
    measure = lib.CS_INFO_ENTROPY if y is None else lib.CS_INFO_CENTROPY
    p, est = _params(measure, estimator, **_opts(options))
    _validate(measure, est, options, local)
    return _run(p, est, units, local, x, y)


def mi(x, y, *, estimator, units=None, local=False, **options):
    """I(X;Y). estimator: discrete, gaussian, gcopula, ksg1 or ksg2. Options:
    bins, binning, alphabet, miller_madow (discrete); bias_correct
    (gaussian/gcopula; None = the estimator's default); k, theiler,
    normalize, noise (None: the library's 1e-8 tie-breaking noise for KSG),
    seed (KSG); x_discrete, y_discrete, z_discrete (the variable holds
    integer symbols, e.g. class labels: mixed continuous-discrete
    estimators, docs/metrics.md); gc_form ('model' | 'mixture'); threads."""
    p, est = _params(lib.CS_INFO_MI, estimator, **_opts(options))
    _validate(lib.CS_INFO_MI, est, options, local)
    return _run(p, est, units, local, x, y)


def cmi(x, y, z, *, estimator, units=None, local=False, **options):
    """I(X;Y|Z); options as mi."""
    p, est = _params(lib.CS_INFO_CMI, estimator, **_opts(options))
    _validate(lib.CS_INFO_CMI, est, options, local)
    return _run(p, est, units, local, x, y, z)


def te(source, destination, cond=None, *, estimator, units=None, local=False, history=1,
       source_history=1, delay=1, history_tau=1, source_tau=1, cond_history=1, cond_delay=1,
       **options):
    """Transfer entropy from `source` to `destination` (time along rows),
    conditioned on the optional series `cond`:
    I(Y_{t+1}; X^(l)_{t+1-u} | Y^(k)_t [, Z]) with k = history,
    l = source_history, u = delay (JIDT's conventions, docs/estimators.md)."""
    embed = dict(k=history, k_tau=history_tau, l=source_history, l_tau=source_tau, u=delay,
                 m=cond_history, w=cond_delay)
    p, est = _params(lib.CS_INFO_TE, estimator, embed=embed, **_opts(options))
    _validate(lib.CS_INFO_TE, est, options, local,
              embed=dict(history=history, history_tau=history_tau, source_history=source_history,
                         source_tau=source_tau, delay=delay, cond_history=cond_history,
                         cond_delay=cond_delay))
    return _run(p, est, units, local, source, destination, cond)


def ais(x, *, estimator, units=None, local=False, history=1, history_tau=1, **options):
    """Active information storage I(X^(k)_t; X_{t+1}) with k = history."""
    p, est = _params(lib.CS_INFO_AIS, estimator, embed=dict(k=history, k_tau=history_tau),
                     **_opts(options))
    _validate(lib.CS_INFO_AIS, est, options, local,
              embed=dict(history=history, history_tau=history_tau))
    return _run(p, est, units, local, x)


def significance(measure, *args, surrogates=999, seed=0, **kwargs):
    """Permutation test of mi, cmi, te or ais (`cogscope estimate MEASURE
    --surrogates N --seed S`): the first variable's rows (te: the source
    embedding vectors, ais: the past vectors) are shuffled against the rest
    in `surrogates` seeded permutations. Arguments as the measure's function.
    Returns a dict: value, p_value = (1 + #{surrogate >= value}) / (1 + N),
    surrogate_mean, surrogate_std (in the measure's units)."""
    fns = {"mi": (lib.CS_INFO_MI, 2), "cmi": (lib.CS_INFO_CMI, 3), "te": (lib.CS_INFO_TE, 3),
           "ais": (lib.CS_INFO_AIS, 1)}
    if measure not in fns:
        raise ValueError(f"measure: '{measure}' is not mi, cmi, te or ais")
    code, nargs = fns[measure]
    arrays = list(args) + [None] * (nargs - len(args))
    if len(args) > nargs or sum(a is not None for a in arrays[:nargs]) < (2 if measure == "te"
                                                                          else nargs):
        raise TypeError(f"{measure} takes {nargs} arrays")
    estimator, units = kwargs.pop("estimator"), kwargs.pop("units", None)
    history = {key: kwargs[key] for key in _HISTORY if key in kwargs}
    embed = {}
    for key, field in (("history", "k"), ("history_tau", "k_tau"), ("source_history", "l"),
                       ("source_tau", "l_tau"), ("delay", "u"), ("cond_history", "m"),
                       ("cond_delay", "w")):
        if key in kwargs:
            embed[field] = kwargs.pop(key)
    # the seed also seeds the KSG tie-breaking noise, as `estimate --seed`
    p, est = _params(code, estimator, embed=embed, **_opts(dict(kwargs, seed=seed)))
    _validate(code, est, kwargs, surrogates=True, embed=history)
    keep, views = [], []
    for arr, name in zip(arrays, ("x", "y", "z")):
        if arr is None:
            views.append(EMPTY)
            continue
        a, m = as_samples(arr, name)
        keep.append(a)
        views.append(m)
    views += [EMPTY] * (3 - len(views))
    calc = ffi.new("cs_info **")
    check(lib.cs_info_create(p, calc))
    c = ffi.gc(calc[0], lib.cs_info_destroy)
    check(lib.cs_info_set_observations(c, *views))
    sig = ffi.new("cs_significance *")
    value = ffi.new("double *")
    check(lib.cs_info_average(c, value))
    check(lib.cs_info_surrogates(c, nonneg_int(surrogates, "surrogates", 1),
                                 nonneg_int(seed, "seed"), sig, ffi.NULL))
    scale = unit_factor(units, est == lib.CS_EST_DISCRETE)
    return {"value": value[0] * scale, "p_value": sig.p_value,
            "surrogate_mean": sig.surrogate_mean * scale,
            "surrogate_std": sig.surrogate_std * scale}
