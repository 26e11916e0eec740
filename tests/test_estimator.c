/* The estimator registry and the measure table (cogscope/estimator.h,
 * cogscope/measure.h): names and aliases, the one validation with messages
 * that name the role or option, and the prepare-once / query-many estimator
 * against independent values (a plug-in entropy counted here, the Gaussian MI
 * of the sample correlation in closed form) and against the cs_info
 * calculator on the same columns (same numbers, bit for bit). */
#include <criterion/criterion.h>
#include <math.h>
#include <string.h>

#include "cogscope/estimator.h"
#include "cogscope/info.h"
#include "cogscope/measure.h"

static const cs_matrix none = {NULL, 0, 0, 0};

Test(registry, names_aliases_and_unknown)
{
    cs_info_estimator e;
    for (int i = 0; i < CS_EST_COUNT; i++) {
        const cs_estimator_entry *r = cs_estimator_lookup((cs_info_estimator)i);
        cr_assert_not_null(r);
        cr_expect_eq(cs_info_estimator_parse(r->name, &e), CS_OK);
        cr_expect_eq((int)e, i);
    }
    cr_expect_eq(cs_info_estimator_parse("binned", &e), CS_OK);
    cr_expect_eq(e, CS_EST_DISCRETE);
    cr_expect_eq(cs_info_estimator_parse("ksg", &e), CS_OK);
    cr_expect_eq(e, CS_EST_KSG1);
    cr_expect_str_eq(cs_info_estimator_label(CS_EST_DISCRETE), "binned");
    cr_expect_str_eq(cs_info_estimator_label(CS_EST_GAUSSIAN), "gaussian");
    cr_expect_eq(cs_info_estimator_parse("kde", &e), CS_EINVAL);
    cr_expect(strstr(cs_last_error(), "'kde'") && strstr(cs_last_error(), "ksg2"), "%s", cs_last_error());
    cr_expect_null(cs_estimator_lookup(CS_EST_COUNT));
}

/* Each refusal names what does not fit. */
Test(measure_table, validation_names_role_and_option)
{
    struct {
        cs_measure_request r;
        const char *needle;
    } bad[] = {
        {{CS_INFO_ENTROPY, CS_EST_KSG1, CS_ROLE_BIT_X, 0, {0}}, "not available with the ksg1 estimator"},
        {{CS_INFO_MI, CS_EST_GAUSSIAN, CS_ROLE_BIT_X | CS_ROLE_BIT_Y, CS_OPT_KNN, {0}},
         "--k is not an option of the gaussian"},
        {{CS_INFO_CMI, CS_EST_DISCRETE, CS_ROLE_BIT_X | CS_ROLE_BIT_Y, 0, {0}}, "cmi needs --z"},
        {{CS_INFO_TE, CS_EST_KSG1, CS_ROLE_BIT_X, 0, {0}}, "te needs --y (the destination)"},
        {{CS_INFO_AIS, CS_EST_KSG1, CS_ROLE_BIT_X | CS_ROLE_BIT_Y, 0, {0}}, "ais takes no --y"},
        {{CS_INFO_ENTROPY, CS_EST_DISCRETE, CS_ROLE_BIT_X, CS_OPT_SURROGATES, {0}}, "--surrogates tests dependence"},
        {{CS_INFO_MI, CS_EST_KSG1, CS_ROLE_BIT_X | CS_ROLE_BIT_Y, CS_OPT_ANALYTIC, {0}},
         "--analytic is not an option of the ksg1"},
        {{CS_INFO_MI, CS_EST_GCOPULA, CS_ROLE_BIT_X | CS_ROLE_BIT_Y, CS_OPT_GC_FORM, {0}},
         "--gc-form is for a variable typed discrete"},
        {{CS_INFO_MI, CS_EST_KSG2, CS_ROLE_BIT_X | CS_ROLE_BIT_Y, CS_OPT_DISCRETE_VARS, {0, 1, 0}},
         "ksg2 has no form"},
        {{CS_INFO_TE, CS_EST_GAUSSIAN, CS_ROLE_BIT_X | CS_ROLE_BIT_Y, 0, {1, 0, 0}}, "te with a discrete variable"},
        {{CS_INFO_AIS, CS_EST_GAUSSIAN, CS_ROLE_BIT_X, CS_OPT_SOURCE_HISTORY, {0}},
         "--source-history is not an option of ais"},
        {{CS_INFO_MI, CS_EST_GCOPULA, 0, CS_OPT_COVARIANCE, {0}},
         "--cov is not an option of the gcopula estimator (it is for gaussian)"},
        {{CS_INFO_MI, CS_EST_GAUSSIAN, 0, CS_OPT_COVARIANCE | CS_OPT_LOCAL, {0}}, "need samples, not --cov"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        cr_expect_eq(cs_measure_validate(&bad[i].r), CS_EINVAL, "case %zu", i);
        cr_expect(strstr(cs_last_error(), bad[i].needle) != NULL, "case %zu: %s", i, cs_last_error());
    }
    cs_measure_request ok[] = {
        {CS_INFO_TE,
         CS_EST_KSG2,
         CS_ROLE_BIT_X | CS_ROLE_BIT_Y | CS_ROLE_BIT_Z,
         CS_OPT_KNN | CS_OPT_THEILER | CS_OPT_HISTORY | CS_OPT_SOURCE_HISTORY | CS_OPT_SURROGATES,
         {0}},
        {CS_INFO_MI, CS_EST_GCOPULA, CS_ROLE_BIT_X | CS_ROLE_BIT_Y, CS_OPT_GC_FORM | CS_OPT_DISCRETE_VARS, {0, 1, 0}},
        {CS_INFO_ENTROPY, CS_EST_DISCRETE, CS_ROLE_BIT_X, CS_OPT_BINS | CS_OPT_LOCAL, {0}},
        {CS_INFO_MI, CS_EST_GAUSSIAN, CS_ROLE_BIT_X | CS_ROLE_BIT_Y, CS_OPT_COVARIANCE | CS_OPT_ANALYTIC, {0}},
    };
    for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++)
        cr_expect_eq(cs_measure_validate(&ok[i]), CS_OK, "case %zu: %s", i, cs_last_error());
}

/* n x 3: a, b = 0.6 a + noise, a class label from a; deterministic. */
static void make_data(double *d, size_t n)
{
    cs_rng *rng;
    cr_assert_eq(cs_rng_create(11, &rng), CS_OK);
    for (size_t i = 0; i < n; i++) {
        double a = cs_rng_gaussian(rng, 1), b = 0.6 * a + cs_rng_gaussian(rng, 1);
        d[3 * i] = a;
        d[3 * i + 1] = b;
        d[3 * i + 2] = a + 0.5 * cs_rng_gaussian(rng, 1) > 0.3 ? 2 : a > -0.5 ? 1 : 0;
    }
    cs_rng_destroy(rng);
}

Test(estimator, gaussian_mi_is_the_closed_form_of_the_sample_correlation)
{
    enum { N = 500 };
    static double d[N * 3];
    make_data(d, N);
    cs_estimator_params p;
    cs_estimator_params_default(CS_EST_GAUSSIAN, &p);
    cs_estimator *e;
    cr_assert_eq(cs_estimator_create(&p, cs_matrix_view(d, N, 3), NULL, &e), CS_OK, "%s", cs_last_error());
    cr_expect_eq(cs_estimator_rows(e), N);
    /* sample correlation of columns 0 and 1, computed here */
    double ma = 0, mb = 0, saa = 0, sbb = 0, sab = 0;
    for (size_t i = 0; i < N; i++)
        ma += d[3 * i], mb += d[3 * i + 1];
    ma /= N, mb /= N;
    for (size_t i = 0; i < N; i++) {
        double u = d[3 * i] - ma, v = d[3 * i + 1] - mb;
        saa += u * u, sbb += v * v, sab += u * v;
    }
    double r = sab / sqrt(saa * sbb), truth = -0.5 * log(1 - r * r);
    size_t c0 = 0, c1 = 1;
    double mi, mi_again, h;
    cr_assert_eq(cs_estimator_cmi(e, &c0, 1, &c1, 1, NULL, 0, &mi, NULL), CS_OK);
    cr_expect(fabs(mi - truth) < 1e-12, "%.17g vs %.17g", mi, truth);
    /* the reversed sets give the same value; a query never changes the estimator */
    cr_assert_eq(cs_estimator_cmi(e, &c1, 1, &c0, 1, NULL, 0, &mi_again, NULL), CS_OK);
    cr_expect(fabs(mi_again - mi) < 1e-14);
    /* H(a) = 0.5 ln(2 pi e var_ML) */
    cr_assert_eq(cs_estimator_entropy(e, &c0, 1, &h), CS_OK);
    cr_expect(fabs(h - 0.5 * log(2 * M_PI * M_E * saa / N)) < 1e-12, "%.17g", h);
    /* same number as the calculator on the same columns */
    cs_info_params ip;
    cs_info_params_default(CS_INFO_MI, CS_EST_GAUSSIAN, &ip);
    double via_info;
    cs_matrix a = {d, N, 1, 3}, b = {d + 1, N, 1, 3};
    cr_assert_eq(cs_info_mi(&ip, a, b, &via_info), CS_OK);
    cr_expect_eq(mi, via_info);
    /* bad queries name the set */
    size_t far = 7;
    cr_expect_eq(cs_estimator_cmi(e, &far, 1, &c1, 1, NULL, 0, &mi, NULL), CS_EINVAL);
    cr_expect(strstr(cs_last_error(), "x: column 7 is out of range"), "%s", cs_last_error());
    cr_expect_eq(cs_estimator_cmi(e, &c0, 1, &c0, 1, NULL, 0, &mi, NULL), CS_EINVAL);
    cr_expect(strstr(cs_last_error(), "used twice"), "%s", cs_last_error());
    cs_estimator_destroy(e);
}

Test(estimator, discrete_entropy_is_the_plug_in_count)
{
    enum { N = 500 };
    static double d[N * 3];
    make_data(d, N);
    cs_estimator_params p;
    cs_estimator_params_default(CS_EST_DISCRETE, &p);
    cs_var_type types[3] = {CS_VAR_CONTINUOUS, CS_VAR_CONTINUOUS, CS_VAR_DISCRETE};
    p.bins = 4;
    cs_estimator *e;
    cr_assert_eq(cs_estimator_create(&p, cs_matrix_view(d, N, 3), types, &e), CS_OK, "%s", cs_last_error());
    size_t label = 2;
    double h, counts[3] = {0}, truth = 0;
    for (size_t i = 0; i < N; i++)
        counts[(int)d[3 * i + 2]]++;
    for (int c = 0; c < 3; c++)
        truth -= counts[c] / N * log(counts[c] / N);
    /* the label is typed discrete: used as symbols, not binned into 4 bins */
    cr_assert_eq(cs_estimator_entropy(e, &label, 1, &h), CS_OK);
    cr_expect(fabs(h - truth) < 1e-13, "%.17g vs %.17g", h, truth);
    cs_estimator_destroy(e);
}

/* Per-column types: a gcopula estimator over [a, b, label] with the label
 * typed discrete answers I(a; label) with the class-conditional model, the
 * number the calculator gives with y typed discrete; KSG on columns that are
 * not consecutive gives the calculator's number too. */
Test(estimator, typed_columns_and_any_column_sets_match_the_calculator)
{
    enum { N = 400 };
    static double d[N * 3];
    make_data(d, N);
    cs_matrix a = {d, N, 1, 3}, lab = {d + 2, N, 1, 3};
    cs_var_type types[3] = {CS_VAR_CONTINUOUS, CS_VAR_CONTINUOUS, CS_VAR_DISCRETE};
    size_t c0 = 0, c2 = 2;
    for (int k = 0; k < 2; k++) {
        cs_info_estimator est = k ? CS_EST_KSG1 : CS_EST_GCOPULA;
        cs_estimator_params p;
        cs_estimator_params_default(est, &p);
        cs_estimator *e;
        cr_assert_eq(cs_estimator_create(&p, cs_matrix_view(d, N, 3), types, &e), CS_OK, "%s", cs_last_error());
        double v, ref;
        cr_assert_eq(cs_estimator_cmi(e, &c0, 1, &c2, 1, NULL, 0, &v, NULL), CS_OK, "%s", cs_last_error());
        cs_info_params ip;
        cs_info_params_default(CS_INFO_MI, est, &ip);
        ip.types[CS_ROLE_Y] = CS_VAR_DISCRETE;
        cr_assert_eq(cs_info_mi(&ip, a, lab, &ref), CS_OK);
        cr_expect_eq(v, ref, "%s: %.17g vs %.17g", cs_info_estimator_name(est), v, ref);
        cr_expect(v > 0.1, "%g", v);
        double h;
        cr_expect_eq(cs_estimator_entropy(e, &c0, 1, &h), CS_EINVAL);
        cs_estimator_destroy(e);
    }
    /* KSG-2 on columns {1} and {0} of a 3-column estimator vs the calculator */
    cs_estimator_params p;
    cs_estimator_params_default(CS_EST_KSG2, &p);
    cs_estimator *e;
    cr_assert_eq(cs_estimator_create(&p, cs_matrix_view(d, N, 3), NULL, &e), CS_OK);
    size_t c1 = 1;
    double v, ref, sv[3], ref_sv[3];
    cr_assert_eq(cs_estimator_cmi(e, &c1, 1, &c0, 1, NULL, 0, &v, NULL), CS_OK);
    cr_assert_eq(cs_estimator_surrogate_values(e, &c1, 1, &c0, 1, NULL, 0, 0, 3, 5, sv), CS_OK);
    cs_info_params ip;
    cs_info_params_default(CS_INFO_MI, CS_EST_KSG2, &ip);
    cs_info *c;
    cr_assert_eq(cs_info_create(&ip, &c), CS_OK);
    cr_assert_eq(cs_info_set_observations(c, (cs_matrix){d + 1, N, 1, 3}, a, none), CS_OK);
    cr_assert_eq(cs_info_average(c, &ref), CS_OK);
    cr_assert_eq(cs_info_surrogate_values(c, 0, 3, 5, ref_sv), CS_OK);
    cr_expect_eq(v, ref);
    for (int s = 0; s < 3; s++)
        cr_expect_eq(sv[s], ref_sv[s]);
    cs_info_destroy(c);
    cs_estimator_destroy(e);
}
