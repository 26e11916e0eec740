/* Window functions, evaluated with scipy.signal.windows' formulas in the same
 * order so that values agree to a few ulp (a Welch PSD compared with scipy at
 * 1e-10 relative must not be limited by the window). */
#include "cogscope/spectral.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static const struct {
    const char *name;
    cs_window_kind kind;
} window_names[] = {
    {"hann", CS_WINDOW_HANN},          {"hanning", CS_WINDOW_HANN},    {"hamming", CS_WINDOW_HAMMING},
    {"blackman", CS_WINDOW_BLACKMAN},  {"boxcar", CS_WINDOW_BOXCAR},   {"rect", CS_WINDOW_BOXCAR},
    {"rectangular", CS_WINDOW_BOXCAR}, {"ones", CS_WINDOW_BOXCAR},     {"tukey", CS_WINDOW_TUKEY},
    {"bartlett", CS_WINDOW_BARTLETT},  {"flattop", CS_WINDOW_FLATTOP},
};

cs_status cs_window_parse(const char *text, cs_window_kind *kind, double *param)
{
    if (!text || !*text)
        return cs_error_set(CS_EINVAL, "window: empty name");
    const char *colon = strchr(text, ':');
    size_t len = colon ? (size_t)(colon - text) : strlen(text);
    for (size_t i = 0; i < sizeof window_names / sizeof window_names[0]; i++) {
        if (strlen(window_names[i].name) != len || strncasecmp(text, window_names[i].name, len))
            continue;
        *kind = window_names[i].kind;
        *param = 0.0;
        if (*kind == CS_WINDOW_TUKEY) {
            *param = 0.5; /* scipy.signal.windows.tukey's default alpha */
            if (colon) {
                char *end;
                double a = strtod(colon + 1, &end);
                if (end == colon + 1 || *end || !isfinite(a) || a < 0.0 || a > 1.0)
                    return cs_error_set(CS_EINVAL, "window '%s': Tukey alpha must be a number in [0, 1]", text);
                *param = a;
            }
        } else if (colon) {
            return cs_error_set(CS_EINVAL, "window '%s': only tukey takes a parameter", text);
        }
        return CS_OK;
    }
    return cs_error_set(CS_EINVAL,
                        "unknown window '%s' (known: hann, hamming, blackman, boxcar, "
                        "tukey[:alpha], bartlett, flattop)",
                        text);
}

const char *cs_window_name(cs_window_kind kind)
{
    switch (kind) {
    case CS_WINDOW_HANN: return "hann";
    case CS_WINDOW_HAMMING: return "hamming";
    case CS_WINDOW_BLACKMAN: return "blackman";
    case CS_WINDOW_BOXCAR: return "boxcar";
    case CS_WINDOW_TUKEY: return "tukey";
    case CS_WINDOW_BARTLETT: return "bartlett";
    case CS_WINDOW_FLATTOP: return "flattop";
    case CS_WINDOW_USER: return "user";
    }
    return "unknown";
}

/* scipy's general_cosine: w = sum_k a[k] cos(k * fac) with
 * fac = np.linspace(-pi, pi, m) (i * step + start, last point exactly pi). */
static void general_cosine(size_t m, const double *a, size_t na, double *w)
{
    double step = (2.0 * M_PI) / (double)(m - 1);
    for (size_t i = 0; i < m; i++) {
        double fac = (i == m - 1) ? M_PI : (double)i * step + (-M_PI);
        double s = 0.0;
        for (size_t k = 0; k < na; k++)
            s += a[k] * cos((double)k * fac);
        w[i] = s;
    }
}

/* The symmetric window of length m >= 2 into w[0..m). */
static void symmetric(cs_window_kind kind, double alpha, size_t m, double *w)
{
    static const double hann_a[] = {0.5, 0.5};
    static const double hamming_a[] = {0.54, 0.46};
    static const double blackman_a[] = {0.42, 0.50, 0.08};
    static const double flattop_a[] = {0.21557895, 0.41663158, 0.277263158, 0.083578947, 0.006947368};
    switch (kind) {
    case CS_WINDOW_HANN: general_cosine(m, hann_a, 2, w); return;
    case CS_WINDOW_HAMMING: general_cosine(m, hamming_a, 2, w); return;
    case CS_WINDOW_BLACKMAN: general_cosine(m, blackman_a, 3, w); return;
    case CS_WINDOW_FLATTOP: general_cosine(m, flattop_a, 5, w); return;
    case CS_WINDOW_BARTLETT:
        for (size_t i = 0; i < m; i++) {
            double n = (double)i;
            w[i] = n <= (double)(m - 1) / 2.0 ? 2.0 * n / (double)(m - 1) : 2.0 - 2.0 * n / (double)(m - 1);
        }
        return;
    case CS_WINDOW_TUKEY: {
        size_t width = (size_t)floor(alpha * (double)(m - 1) / 2.0);
        for (size_t i = 0; i < m; i++) {
            double n = (double)i;
            if (i < width + 1)
                w[i] = 0.5 * (1 + cos(M_PI * (-1 + 2.0 * n / alpha / (double)(m - 1))));
            else if (i >= m - width - 1)
                w[i] = 0.5 * (1 + cos(M_PI * (-2.0 / alpha + 1 + 2.0 * n / alpha / (double)(m - 1))));
            else
                w[i] = 1.0;
        }
        return;
    }
    default:
        for (size_t i = 0; i < m; i++)
            w[i] = 1.0;
        return;
    }
}

cs_status cs_window_fill(cs_window_kind kind, double param, int periodic, size_t n, double *w)
{
    if (kind == CS_WINDOW_USER || (unsigned)kind > CS_WINDOW_USER)
        return cs_error_set(CS_EINVAL, "window: kind %d cannot be generated", (int)kind);
    if (n == 0)
        return cs_error_set(CS_EINVAL, "window: length must be >= 1");
    if (kind == CS_WINDOW_TUKEY) {
        if (!(param >= 0.0 && param <= 1.0))
            return cs_error_set(CS_EINVAL, "window: Tukey alpha = %g is outside [0, 1]", param);
        if (param <= 0.0)
            kind = CS_WINDOW_BOXCAR;
        else if (param >= 1.0)
            kind = CS_WINDOW_HANN; /* scipy: tukey(alpha >= 1) is hann */
    }
    /* scipy's _len_guards: windows of length 0 or 1 are ones. */
    if (n == 1) {
        w[0] = 1.0;
        return CS_OK;
    }
    if (!periodic) {
        symmetric(kind, param, n, w);
        return CS_OK;
    }
    /* DFT-even: the symmetric window of n + 1 points without its last point. */
    double *tmp = malloc((n + 1) * sizeof *tmp);
    if (!tmp)
        return cs_error_set(CS_ENOMEM, "window: cannot allocate %zu values", n + 1);
    symmetric(kind, param, n + 1, tmp);
    memcpy(w, tmp, n * sizeof *w);
    free(tmp);
    return CS_OK;
}
