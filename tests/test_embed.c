/* Time-series embedding for TE/AIS: the JIDT conventions documented in
 * cogscope/embed.h, checked on ramp series whose values name their own time
 * index, so every cell of the embedding can be predicted by hand. */
#include <criterion/criterion.h>

#include "cogscope/embed.h"

#define N 20

static double xs[N], ys[2 * N], zs[N];

static void ramps(void)
{
    for (int t = 0; t < N; t++) {
        xs[t] = t;
        ys[2 * t] = 100 + t;
        ys[2 * t + 1] = 200 + t;
        zs[t] = 1000 + t;
    }
}

Test(embed, te_layout_matches_jidt_conventions)
{
    ramps();
    cs_matrix x = cs_matrix_view(xs, N, 1), y = cs_matrix_view(ys, N, 2), z = cs_matrix_view(zs, N, 1);
    cs_embed_params p;
    cs_embed_params_default(&p);
    p.k = 2; /* Y_t, Y_{t-1} */
    p.l = 2;
    p.l_tau = 2; /* X_{t+1-u}, X_{t-1-u} */
    p.u = 3;
    /* t_first = max((k-1)k_tau, u-1+(l-1)l_tau, w-1+(m-1)m_tau) = max(1, 4, 0) = 4 */
    cr_assert_eq(cs_embed_te_count(N, &p, 1), N - 1 - 4);
    cs_embedding e;
    cr_assert_eq(cs_embed_te(x, y, z, &p, &e), CS_OK, "%s", cs_last_error());
    cr_assert_eq(e.n, 15);
    cr_assert_eq(e.t_first, 4);
    cr_assert_eq(e.d_future, 2);
    cr_assert_eq(e.d_past, 4);
    cr_assert_eq(e.d_source, 2);
    cr_assert_eq(e.d_cond, 1);
    cr_assert_eq(e.data.cols, 9);
    for (size_t i = 0; i < e.n; i++) {
        size_t t = 4 + i;
        const double *r = cs_matrix_row(e.data, i);
        cr_expect_eq(e.time[i], t + 1);
        /* future Y_{t+1} (both components) */
        cr_expect_eq(r[e.future + 0], 100 + t + 1);
        cr_expect_eq(r[e.future + 1], 200 + t + 1);
        /* past lag-major: Y_t (c0, c1), Y_{t-1} (c0, c1) */
        cr_expect_eq(r[e.past + 0], 100 + t);
        cr_expect_eq(r[e.past + 1], 200 + t);
        cr_expect_eq(r[e.past + 2], 100 + t - 1);
        cr_expect_eq(r[e.past + 3], 200 + t - 1);
        /* source X_{t+1-u} = X_{t-2}, then X_{t-4} */
        cr_expect_eq(r[e.source + 0], t - 2);
        cr_expect_eq(r[e.source + 1], t - 4);
        /* cond Z_{t+1-w} = Z_t */
        cr_expect_eq(r[e.cond], 1000 + t);
    }
    cr_expect_eq(e.origin[e.past + 3], 1);
    cr_expect_eq(e.origin[e.source + 1], 0);
    cs_embedding_free(&e);
}

Test(embed, te_default_is_one_step)
{
    ramps();
    cs_matrix x = cs_matrix_view(xs, N, 1), y = cs_matrix_view(zs, N, 1), none = {0};
    cs_embed_params p;
    cs_embed_params_default(&p);
    cs_embedding e;
    cr_assert_eq(cs_embed_te(x, y, none, &p, &e), CS_OK);
    cr_expect_eq(e.n, N - 1);
    cr_expect_eq(e.d_cond, 0);
    /* TE = I(Y_{t+1}; X_t | Y_t): row 0 is t = 0 */
    const double *r = cs_matrix_row(e.data, 0);
    cr_expect_eq(r[e.future], 1001);
    cr_expect_eq(r[e.past], 1000);
    cr_expect_eq(r[e.source], 0);
    cs_embedding_free(&e);
}

Test(embed, ais_layout)
{
    ramps();
    cs_matrix x = cs_matrix_view(xs, N, 1);
    cs_embedding e;
    cr_assert_eq(cs_embed_ais(x, 3, 2, &e), CS_OK);
    /* t_first = (k-1) k_tau = 4 */
    cr_assert_eq(e.n, N - 5);
    cr_expect_eq(e.d_source, 0);
    cr_expect_eq(e.d_cond, 0);
    const double *r = cs_matrix_row(e.data, 0);
    cr_expect_eq(r[e.future], 5);
    cr_expect_eq(r[e.past + 0], 4);
    cr_expect_eq(r[e.past + 1], 2);
    cr_expect_eq(r[e.past + 2], 0);
    cr_expect_eq(e.time[0], 5);
    cs_embedding_free(&e);
}

Test(embed, errors)
{
    ramps();
    cs_matrix x = cs_matrix_view(xs, N, 1), y = cs_matrix_view(zs, N - 1, 1), none = {0};
    cs_embed_params p;
    cs_embed_params_default(&p);
    cs_embedding e;
    cr_expect_eq(cs_embed_te(x, y, none, &p, &e), CS_ESHAPE);
    cr_expect(strstr(cs_last_error(), "20 vs 19") != NULL, "%s", cs_last_error());
    y.rows = N;
    p.k = N; /* needs (k-1) + 2 = N + 1 steps */
    cr_expect_eq(cs_embed_te(x, y, none, &p, &e), CS_EINVAL);
    cr_expect(strstr(cs_last_error(), "too short") != NULL, "%s", cs_last_error());
    p.k = N - 1; /* exactly one usable row */
    cr_assert_eq(cs_embed_te(x, y, none, &p, &e), CS_OK);
    cr_expect_eq(e.n, 1);
    cs_embedding_free(&e);
    p.k = 1;
    p.u = 0;
    cr_expect_eq(cs_embed_te(x, y, none, &p, &e), CS_EINVAL);
    cr_expect(strstr(cs_last_error(), "delay u") != NULL, "%s", cs_last_error());
    cr_expect_eq(cs_embed_ais(x, 0, 1, &e), CS_EINVAL);
    cr_expect_eq(cs_embed_ais(x, N, 1, &e), CS_EINVAL);
}
