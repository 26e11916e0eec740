/* ΣPI: epsilon, tau, S and PI against the worked example of the SigmaPI
 * formula (tests/data/sigmapi.json, copied from the project's shared
 * reference set, /work/shared/reference/sigmapi.json: "the SigmaPI formula",
 * reference implementation = the SigmaPI package), plus closed forms. */
#include <criterion/criterion.h>
#include <math.h>

#include "cogscope/observe.h"
#include "cogscope/sigmapi.h"
#include "testutil.h"

/* The number after "key": inside the file's "case" object. */
static double ref_number(const char *json, const char *key)
{
    const char *c = strstr(json, "\"case\"");
    cr_assert(c, "no \"case\" in sigmapi.json");
    char pat[64];
    snprintf(pat, sizeof pat, "\"%s\":", key);
    const char *p = strstr(c, pat);
    cr_assert(p, "no %s in sigmapi.json", key);
    return strtod(p + strlen(pat), NULL);
}

Test(sigmapi, reference_case)
{
    char *json = tu_slurp(COGSCOPE_TEST_DATA "/sigmapi.json");
    cr_assert(json);
    /* The case's inputs, as in the file: logits [[2,1,0],[0.5,0.5,3]], labels
     * [0,1], gradient [0.3,-0.4,1.2]. */
    const double logits[6] = {2, 1, 0, 0.5, 0.5, 3};
    const int32_t labels[2] = {0, 1};
    const double grads[3] = {0.3, -0.4, 1.2};
    cr_assert(strstr(json, "[\n    2,\n    1,\n    0\n   ]") != NULL, "reference inputs changed");
    double eps, tau;
    size_t ok;
    cr_assert_eq(cs_sigmapi_batch(logits, labels, 2, 3, &eps, &tau, &ok), CS_OK);
    double S = cs_sigmapi_norm(grads, 3);
    double pi = cs_sigmapi_pi(eps, tau, S, CS_SIGMAPI_ALPHA, CS_SIGMAPI_GAMMA);
    /* The reference rounds to 6 decimals and states tolerance 1e-6. */
    double tol = ref_number(json, "tolerance");
    cr_expect(tol > 0 && tol <= 1e-6);
    cr_expect(fabs(eps - ref_number(json, "epsilon")) <= tol, "eps %.9f", eps);
    cr_expect(fabs(tau - ref_number(json, "tau")) <= tol, "tau %.9f", tau);
    cr_expect(fabs(S - ref_number(json, "surprise")) <= tol, "S %.9f", S);
    cr_expect(fabs(eps / tau - ref_number(json, "normalized_error")) <= tol);
    cr_expect(fabs(0.5 * eps / tau + 0.5 * S - ref_number(json, "cognitive_cost")) <= tol);
    cr_expect(fabs(pi - ref_number(json, "pi")) <= tol, "pi %.9f", pi);
    cr_expect_eq(ok, 1); /* row 0 right (class 0), row 1 wrong (argmax 2) */
    free(json);
}

Test(sigmapi, closed_forms)
{
    /* Uniform logits: eps = tau = log C exactly. */
    double z[8] = {0};
    int32_t y[2] = {3, 0};
    double eps, tau;
    cr_assert_eq(cs_sigmapi_batch(z, y, 2, 4, &eps, &tau, NULL), CS_OK);
    cr_expect(fabs(eps - log(4.0)) < 1e-15);
    cr_expect(fabs(tau - log(4.0)) < 1e-15);
    /* Two classes with logit gap d: p = 1/(1+e^-d); tau = binary entropy. */
    double d = 3.0, z2[2] = {d, 0};
    int32_t y2[1] = {1};
    cs_sigmapi_batch(z2, y2, 1, 2, &eps, &tau, NULL);
    double p = 1 / (1 + exp(-d));
    cr_expect(fabs(eps + log(1 - p)) < 1e-14);
    cr_expect(fabs(tau - (-p * log(p) - (1 - p) * log(1 - p))) < 1e-14);
    /* PI: gamma = 1 leaves only exp(-alpha S); gamma = 0 only the error ratio. */
    cr_expect(fabs(cs_sigmapi_pi(1, 2, 3, 2, 1) - exp(-6)) < 1e-15);
    cr_expect(fabs(cs_sigmapi_pi(1, 2, 3, 1, 0) - exp(-1 / (2 + 1e-9))) < 1e-15);
}

Test(sigmapi, extreme_logits_stay_finite)
{
    /* Logit gaps of 1e4: softmax underflows to exact 0/1; eps must be the gap
     * for a wrong label (log-sum-exp), tau 0, nothing NaN. */
    double z[3] = {1e4, 0, -1e4};
    int32_t right[1] = {0}, wrong[1] = {2};
    double eps, tau;
    cs_sigmapi_batch(z, right, 1, 3, &eps, &tau, NULL);
    cr_expect(eps >= 0 && eps < 1e-300); /* log(1 + e^-1e4 + e^-2e4) underflows to 0 */
    cr_expect(tau >= 0 && tau < 1e-100);
    cs_sigmapi_batch(z, wrong, 1, 3, &eps, &tau, NULL);
    cr_expect(fabs(eps - 2e4) < 1e-9);
    /* tau ~ 1e-9 guard: a confident network's PI stays finite */
    double pi = cs_sigmapi_pi(eps, tau, 0.0, 1, 0.5);
    cr_expect(isfinite(pi) && pi >= 0);
}

Test(sigmapi, norm_is_robust)
{
    double big[2] = {3e200, 4e200}, tiny[2] = {3e-200, 4e-200}, nan[2] = {1, NAN};
    cr_expect(fabs(cs_sigmapi_norm(big, 2) / 5e200 - 1) < 1e-15);
    cr_expect(fabs(cs_sigmapi_norm(tiny, 2) / 5e-200 - 1) < 1e-15);
    cr_expect(isnan(cs_sigmapi_norm(nan, 2)));
    cr_expect_eq(cs_sigmapi_norm(big, 0), 0.0);
}

Test(sigmapi, bad_input)
{
    double z[4] = {0};
    int32_t y[2] = {0, 2};
    cr_expect_eq(cs_sigmapi_batch(z, y, 2, 2, NULL, NULL, NULL), CS_EINVAL);
    cr_expect(strstr(cs_last_error(), "label 2 of row 1") != NULL, "%s", cs_last_error());
    cr_expect_eq(cs_sigmapi_batch(z, y, 0, 2, NULL, NULL, NULL), CS_EINVAL);
    cr_expect_eq(cs_sigmapi_batch(z, y, 1, 1, NULL, NULL, NULL), CS_EINVAL);
}

/* The finding: PI reached exactly 0 (FA steps with epsilon/tau up to 3.9e5:
 * exp underflows) and exactly 1, against documentation saying (0, 1]. ln PI
 * is now computed in the log domain and stays finite; PI = exp(ln PI) is
 * exactly 0 below the documented underflow point and exactly 1 only when the
 * cost is below 2^-54. */
Test(sigmapi, log_domain_at_extreme_epsilon_over_tau)
{
    /* epsilon / tau = 3.9e5 (tau 1e-5, epsilon 3.9): cost 0.5 * 3.9e5 + 0.5 * S */
    double eps = 3.9, tau = 1e-5, S = 2.0;
    double lp = cs_sigmapi_log_pi(eps, tau, S, 1.0, 0.5);
    double expect = -(0.5 * eps / (tau + CS_SIGMAPI_TAU_EPS) + 0.5 * S);
    cr_expect(isfinite(lp));
    cr_expect(fabs(lp - expect) <= 1e-12 * fabs(expect), "%.17g vs %.17g", lp, expect);
    cr_expect_eq(cs_sigmapi_pi(eps, tau, S, 1.0, 0.5), 0.0); /* underflow, documented */
    /* the documented underflow point */
    cr_expect_gt(exp(CS_SIGMAPI_LOG_PI_UNDERFLOW), 0.0);
    cr_expect_eq(exp(nextafter(CS_SIGMAPI_LOG_PI_UNDERFLOW, -INFINITY)), 0.0);
    /* just above it PI is a tiny positive number, and ln PI recovers it */
    double eps2 = 2 * 700.0 * 1.0; /* tau 1, gamma 0.5, S 0: ln PI = -700 */
    cr_expect(fabs(cs_sigmapi_log_pi(eps2, 1.0 - CS_SIGMAPI_TAU_EPS, 0, 1.0, 0.5) + 700.0) < 1e-9);
    cr_expect_gt(cs_sigmapi_pi(eps2, 1.0 - CS_SIGMAPI_TAU_EPS, 0, 1.0, 0.5), 0.0);
    /* exactly 1 at zero cost, and below 1 for any cost >= 2^-53 */
    cr_expect_eq(cs_sigmapi_pi(0, 1, 0, 1, 0.5), 1.0);
    cr_expect_lt(cs_sigmapi_pi(0, 1, ldexp(1, -52), 1, 0.5), 1.0);
    /* NaN in, NaN out, in both domains */
    cr_expect(isnan(cs_sigmapi_log_pi(NAN, 1, 1, 1, 0.5)));
    cr_expect(isnan(cs_sigmapi_pi(1, 1, NAN, 1, 0.5)));
}

/* The analysis' PI series carries ln PI from the log domain for every variant. */
Test(sigmapi, series_log_pi_for_every_variant)
{
    double eps[3] = {0.1, 3.9, 0.2}, tau[3] = {0.5, 1e-5, 0.3}, s[3] = {0.3, 1.0, 2e3};
    double pi[3], lp[3];
    for (int v = 0; v < 3; v++) {
        cr_assert_eq(cs_obs_pi_series((cs_pi_variant)v, eps, tau, s, 3, 1.0, 0.5, 0, pi, lp), CS_OK);
        for (int i = 0; i < 3; i++) {
            cr_expect(isfinite(lp[i]) && lp[i] <= 0, "variant %d step %d: ln PI %g", v, i, lp[i]);
            cr_expect_eq(pi[i], exp(lp[i]));
            cr_expect_eq(lp[i], cs_obs_log_pi((cs_pi_variant)v, eps[i], tau[i], s[i], 1.0, 0.5));
        }
    }
    /* sigmapi: step 1 underflows PI but not ln PI */
    cr_assert_eq(cs_obs_pi_series(CS_PI_SIGMAPI, eps, tau, s, 3, 1.0, 0.5, 0, pi, lp), CS_OK);
    cr_expect_eq(pi[1], 0.0);
    cr_expect_lt(lp[1], CS_SIGMAPI_LOG_PI_UNDERFLOW);
}
