/* Integrated information decomposition (PhiID) of two sources and their
 * futures: discrete tables, Gaussian covariances and the series wrappers.
 * Definitions: cogscope/phiid.h. */
#include "cogscope/phiid.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "cogscope/gaussian.h"
#include "cogscope/measure.h"
#include "pid_ccs.h"
#include "pid_common.h"
#include "gsl_setup.h"

static const char *const atom_names[CS_PHIID_NATOMS] = {"rtr", "rtx", "rty", "rts", "xtr", "xtx", "xty", "xts",
                                                        "ytr", "ytx", "yty", "yts", "str", "stx", "sty", "sts"};

const char *cs_phiid_atom_name(int atom) { return atom >= 0 && atom < CS_PHIID_NATOMS ? atom_names[atom] : NULL; }

/* The four variables as bits of a subset mask: p1 = X1_t, p2 = X2_t,
 * t1 = X1_{t+tau}, t2 = X2_{t+tau}. */
enum { P1 = 1, P2 = 2, T1 = 4, T2 = 8 };

/* The nine MIs of phyid, in its names (x, y the sources; a, b the targets). */
enum { I_XTA, I_XTB, I_YTA, I_YTB, I_XYTA, I_XYTB, I_XTAB, I_YTAB, I_XYTAB, N_MI };
static const int mi_masks[N_MI][2] = {{P1, T1},      {P1, T2},      {P2, T1},      {P2, T2},          {P1 | P2, T1},
                                      {P1 | P2, T2}, {P1, T1 | T2}, {P2, T1 | T2}, {P1 | P2, T1 | T2}};

/* The six PID redundancies, each over (first MI, second MI, joint MI). */
enum { R_XYTA, R_XYTB, R_XYTAB, R_ABTX, R_ABTY, R_ABTXY, N_RED };
static const int red_mis[N_RED][3] = {{I_XTA, I_YTA, I_XYTA}, {I_XTB, I_YTB, I_XYTB}, {I_XTAB, I_YTAB, I_XYTAB},
                                      {I_XTA, I_XTB, I_XTAB}, {I_YTA, I_YTB, I_YTAB}, {I_XYTA, I_XYTB, I_XYTAB}};

/* Double co-information (phyid): coefficients of the MIs and redundancies. */
static const double dc_mi[N_MI] = {-1, -1, -1, -1, 1, 1, 1, 1, -1};
static const double dc_red[N_RED] = {1, 1, -1, 1, 1, -1};

/* atoms = M^-1 knowns, knowns = (rtr, R_xyta, R_xytb, R_xytab, R_abtx,
 * R_abty, R_abtxy, I_xta, I_xtb, I_yta, I_ytb, I_xyta, I_xytb, I_xtab,
 * I_ytab, I_xytab); M is phyid's knowns_to_atoms matrix (each known is the
 * sum of the atoms below it in the product lattice), and this is its exact
 * integer inverse (the Moebius inversion of that lattice). */
static const signed char minv[16][16] = {
    {1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0},        /* rtr */
    {-1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0},       /* rtx */
    {-1, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0},       /* rty */
    {1, -1, -1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0},      /* rts */
    {-1, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0},       /* xtr */
    {1, -1, 0, 0, -1, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0},      /* xtx */
    {1, 0, -1, 0, -1, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0},      /* xty */
    {-1, 1, 1, -1, 1, 0, 0, -1, -1, 0, 0, 0, 0, 1, 0, 0},    /* xts */
    {-1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0},       /* ytr */
    {1, -1, 0, 0, 0, -1, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0},      /* ytx */
    {1, 0, -1, 0, 0, -1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0},      /* yty */
    {-1, 1, 1, -1, 0, 1, 0, 0, 0, -1, -1, 0, 0, 0, 1, 0},    /* yts */
    {1, 0, 0, 0, -1, -1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0},      /* str */
    {-1, 1, 0, 0, 1, 1, -1, -1, 0, -1, 0, 1, 0, 0, 0, 0},    /* stx */
    {-1, 0, 1, 0, 1, 1, -1, 0, -1, 0, -1, 0, 1, 0, 0, 0},    /* sty */
    {1, -1, -1, 1, -1, -1, 1, 1, 1, 1, 1, -1, -1, -1, -1, 1} /* sts */
};

static void assemble(const double mi[N_MI], const double red[N_RED], double rtr, cs_phiid_result *out)
{
    double known[16] = {rtr,          red[R_XYTA], red[R_XYTB], red[R_XYTAB], red[R_ABTX], red[R_ABTY],
                        red[R_ABTXY], mi[I_XTA],   mi[I_XTB],   mi[I_YTA],    mi[I_YTB],   mi[I_XYTA],
                        mi[I_XYTB],   mi[I_XTAB],  mi[I_YTAB],  mi[I_XYTAB]};
    for (int a = 0; a < 16; a++) {
        double v = 0;
        for (int k = 0; k < 16; k++)
            v += minv[a][k] * known[k];
        out->atoms[a] = v;
    }
    out->tdmi = mi[I_XYTAB];
    out->mi_self[0] = mi[I_XTA];
    out->mi_self[1] = mi[I_YTB];
    out->phi_wms = mi[I_XYTAB] - mi[I_XTA] - mi[I_YTB];
    out->phi_r = out->phi_wms + out->atoms[CS_PHIID_RTR];
}

static void mmi_parts(const double mi[N_MI], double red[N_RED], double *rtr)
{
    for (int r = 0; r < N_RED; r++)
        red[r] = fmin(mi[red_mis[r][0]], mi[red_mis[r][1]]);
    *rtr = fmin(fmin(mi[I_XTA], mi[I_XTB]), fmin(mi[I_YTA], mi[I_YTB]));
}

static cs_status check_red(const cs_pid_params *par)
{
    return cs_pid_check_redundancy(CS_INFO_PHIID, CS_EST_DISCRETE, par->redundancy);
}

/* ---- discrete table ---- */

/* The table's variables in messages. */
static const char *const table_names[4] = {"x1_t", "x2_t", "x1_t+tau", "x2_t+tau"};

/* The cell of subset m (a mask of the four variables) holding the table
 * cell with coordinates idx: the subset's variables, row-major. */
static size_t subset_cell(int m, const size_t dims[4], const size_t idx[4])
{
    size_t k = 0;
    for (int v = 0; v < 4; v++)
        if (m & (1 << v))
            k = k * dims[v] + idx[v];
    return k;
}

/* Coordinates idx of cell c of a dims table. */
static void cell_coords(size_t c, const size_t dims[4], size_t idx[4])
{
    for (int v = 3; v >= 0; v--)
        idx[v] = c % dims[v], c /= dims[v];
}

/* Discrete ccs: the expectations over the table p (n cells, sum `total`)
 * of the sign-filtered local redundancies red[] and double redundancy *rtr;
 * marg + moff[m]: the marginal of subset m. */
static void ccs_table_parts(const double *p, const size_t dims[4], size_t n, double total, const double *marg,
                            const size_t moff[16], double red[N_RED], double *rtr)
{
    size_t idx[4];
    memset(red, 0, N_RED * sizeof *red);
    for (size_t c = 0; c < n; c++) {
        double pv = p[c] / total;
        if (!(pv > 0))
            continue;
        cell_coords(c, dims, idx);
        double h[16];
        for (int m = 1; m < 16; m++)
            h[m] = -log(marg[moff[m] + subset_cell(m, dims, idx)]);
        double li[N_MI], lr[N_RED];
        int si[N_MI];
        for (int k = 0; k < N_MI; k++) {
            li[k] = h[mi_masks[k][0]] + h[mi_masks[k][1]] - h[mi_masks[k][0] | mi_masks[k][1]];
            si[k] = pid_sign(li[k]);
        }
        for (int q = 0; q < N_RED; q++) {
            const int *m3 = red_mis[q];
            double co = li[m3[0]] + li[m3[1]] - li[m3[2]];
            int s = pid_sign(co);
            lr[q] = s != 0 && si[m3[0]] == s && si[m3[1]] == s && si[m3[2]] == s ? co : 0;
            red[q] += pv * lr[q];
        }
        double dc = 0;
        for (int k = 0; k < N_MI; k++)
            dc += dc_mi[k] * li[k];
        for (int q = 0; q < N_RED; q++)
            dc += dc_red[q] * lr[q];
        int s = pid_sign(dc);
        if (s != 0 && si[I_XTA] == s && si[I_XTB] == s && si[I_YTA] == s && si[I_YTB] == s)
            *rtr += pv * dc;
    }
}

cs_status cs_phiid_table(const double *p, const size_t dims[4], const cs_pid_params *params, cs_phiid_result *out)
{
    cs_pid_params defp;
    params = pid_params(params, &defp);
    cs_status st;
    if ((st = check_red(params)))
        return st;
    memset(out, 0, sizeof *out);
    size_t n;
    double total;
    if ((st = pid_check_table(p, dims, 4, table_names, "PhiID", &n, &total)))
        return st;
    /* marginals of every subset (mask 1..15); the full table is mask 15 */
    size_t msize[16], moff[16], tot = 0;
    for (int m = 1; m < 16; m++) {
        msize[m] = 1;
        for (int v = 0; v < 4; v++)
            if (m & (1 << v))
                msize[m] *= dims[v];
        moff[m] = tot;
        tot += msize[m];
    }
    double *marg = calloc(tot, sizeof *marg);
    if (!marg)
        return cs_error_set(CS_ENOMEM, "PhiID table: out of memory");
    size_t idx[4];
    for (size_t c = 0; c < n; c++) {
        cell_coords(c, dims, idx);
        double pv = p[c] / total;
        if (!(pv > 0))
            continue;
        for (int m = 1; m < 16; m++)
            marg[moff[m] + subset_cell(m, dims, idx)] += pv;
    }
    double H[16] = {0};
    for (int m = 1; m < 16; m++)
        H[m] = pid_entropy(marg + moff[m], msize[m]);
    double mi[N_MI], red[N_RED], rtr = 0;
    for (int k = 0; k < N_MI; k++)
        mi[k] = H[mi_masks[k][0]] + H[mi_masks[k][1]] - H[mi_masks[k][0] | mi_masks[k][1]];
    if (params->redundancy == CS_PID_MMI)
        mmi_parts(mi, red, &rtr);
    else /* expectations of the filtered local values over the table */
        ccs_table_parts(p, dims, n, total, marg, moff, red, &rtr);
    free(marg);
    assemble(mi, red, rtr, out);
    return CS_OK;
}

/* ---- Gaussian covariance ---- */

/* The ccs integration's spec of the PhiID: the 15 subsets sub[1..15] of the
 * four variables, the nine MIs, the six redundancies and the double
 * redundancy with phyid's coefficients. */
static void phiid_ccs_spec(size_t *const sub[16], const size_t slen[16], pid_ccs_spec *sp)
{
    memset(sp, 0, sizeof *sp);
    sp->nsub = 15;
    for (int m = 1; m < 16; m++)
        sp->sub_idx[m - 1] = sub[m], sp->sub_len[m - 1] = slen[m];
    sp->nmi = N_MI;
    for (int k = 0; k < N_MI; k++) {
        sp->mi_sub[k][0] = mi_masks[k][0] - 1;
        sp->mi_sub[k][1] = mi_masks[k][1] - 1;
        sp->mi_sub[k][2] = (mi_masks[k][0] | mi_masks[k][1]) - 1;
        sp->dc_mi[k] = dc_mi[k];
    }
    sp->nred = N_RED;
    for (int q = 0; q < N_RED; q++) {
        for (int u = 0; u < 3; u++)
            sp->red_mi[q][u] = red_mis[q][u];
        sp->dc_red[q] = dc_red[q];
    }
    sp->has_double = 1;
    sp->dfilter[0] = I_XTA, sp->dfilter[1] = I_XTB, sp->dfilter[2] = I_YTA, sp->dfilter[3] = I_YTB;
}

/* Gaussian ccs: the six redundancies red[] and rtr integrated over the
 * covariance cov (d x d; subsets sub[1..15] of slen[] rows), and the
 * standard error of each atom from the atoms of each shift (the MIs mi[]
 * are exact, so only the integrated knowns vary between shifts). */
static cs_status gaussian_ccs_parts(const double *cov, size_t d, size_t *const sub[16], const size_t slen[16],
                                    const double mi[N_MI], const cs_pid_params *params, double red[N_RED],
                                    double *rtr, double se_atoms[CS_PHIID_NATOMS])
{
    pid_ccs_spec sp;
    phiid_ccs_spec(sub, slen, &sp);
    double v[N_RED + 1];
    size_t R = pid_ccs_shifts(params);
    double *sm = malloc(R * (N_RED + 1) * sizeof *sm);
    if (!sm)
        return cs_error_set(CS_ENOMEM, "Gaussian PhiID: out of memory");
    double worst;
    cs_status st = pid_ccs_integrate(cov, d, &sp, params, v, &worst, sm);
    if (st) {
        free(sm);
        return st;
    }
    memcpy(red, v, N_RED * sizeof *red);
    *rtr = v[N_RED];
    double *atoms_r = malloc(R * CS_PHIID_NATOMS * sizeof *atoms_r);
    if (!atoms_r) {
        free(sm);
        return cs_error_set(CS_ENOMEM, "Gaussian PhiID: out of memory");
    }
    for (size_t r = 0; r < R; r++) {
        cs_phiid_result tmp;
        assemble(mi, sm + r * (N_RED + 1), sm[r * (N_RED + 1) + N_RED], &tmp);
        memcpy(atoms_r + r * CS_PHIID_NATOMS, tmp.atoms, sizeof tmp.atoms);
    }
    for (int a = 0; a < CS_PHIID_NATOMS; a++) {
        double m = 0, var = 0;
        for (size_t r = 0; r < R; r++)
            m += atoms_r[r * CS_PHIID_NATOMS + a];
        m /= (double)R;
        for (size_t r = 0; r < R; r++) {
            double e = atoms_r[r * CS_PHIID_NATOMS + a] - m;
            var += e * e;
        }
        se_atoms[a] = R > 1 ? sqrt(var / (double)(R - 1) / (double)R) : 0;
    }
    free(atoms_r);
    free(sm);
    return CS_OK;
}

cs_status cs_phiid_gaussian_cov(const double *cov, size_t d1, size_t d2, const cs_pid_params *params,
                                cs_phiid_result *out)
{
    info_gsl_setup();
    cs_pid_params defp;
    params = pid_params(params, &defp);
    cs_status st;
    if ((st = check_red(params)))
        return st;
    memset(out, 0, sizeof *out);
    if (!cov || d1 == 0 || d2 == 0)
        return cs_error_set(CS_EINVAL,
                            "Gaussian PhiID: each source needs at least one dimension "
                            "(got %zu and %zu)",
                            d1, d2);
    size_t d = 2 * (d1 + d2);
    if ((st = pid_check_cov(cov, d, "covariance")))
        return st;
    double ld;
    if ((st = cs_gaussian_logdet(cov, d, NULL, d, NULL, "covariance of (X1_t, X2_t, X1_t+tau, X2_t+tau)", &ld)))
        return st;
    /* rows of each variable and of each subset */
    size_t start[4] = {0, d1, d1 + d2, 2 * d1 + d2}, len[4] = {d1, d2, d1, d2};
    size_t *rows = malloc(15 * d * sizeof *rows);
    if (!rows)
        return cs_error_set(CS_ENOMEM, "Gaussian PhiID: out of memory");
    size_t *sub[16] = {0}, slen[16] = {0};
    double hh[16] = {0}; /* 1/2 ln det of each subset */
    for (int m = 1; m < 16; m++) {
        sub[m] = rows + (size_t)(m - 1) * d;
        for (int v = 0; v < 4; v++)
            if (m & (1 << v))
                for (size_t k = 0; k < len[v]; k++)
                    sub[m][slen[m]++] = start[v] + k;
        double l;
        if ((st = cs_gaussian_logdet(cov, d, sub[m], slen[m], NULL, "covariance sub-block", &l))) {
            free(rows);
            return st;
        }
        hh[m] = 0.5 * l;
    }
    double mi[N_MI], red[N_RED], rtr, se_atoms[CS_PHIID_NATOMS] = {0};
    for (int k = 0; k < N_MI; k++)
        mi[k] = hh[mi_masks[k][0]] + hh[mi_masks[k][1]] - hh[mi_masks[k][0] | mi_masks[k][1]];
    if (params->redundancy == CS_PID_MMI)
        mmi_parts(mi, red, &rtr);
    else
        st = gaussian_ccs_parts(cov, d, sub, slen, mi, params, red, &rtr, se_atoms);
    free(rows);
    if (st)
        return st;
    assemble(mi, red, rtr, out);
    out->ccs_stderr = 0;
    for (int a = 0; a < CS_PHIID_NATOMS; a++) {
        out->atom_stderr[a] = se_atoms[a];
        out->ccs_stderr = fmax(out->ccs_stderr, se_atoms[a]);
    }
    return CS_OK;
}

/* ---- series ---- */

static cs_status check_series(cs_matrix x1, cs_matrix x2, size_t tau)
{
    if (!x1.data || !x2.data || x1.cols == 0 || x2.cols == 0)
        return cs_error_set(CS_EINVAL, "PhiID: X1 and X2 each need at least one column");
    if (x1.rows != x2.rows)
        return cs_error_set(CS_ESHAPE, "PhiID: X1 and X2 differ in length (%zu and %zu rows)", x1.rows, x2.rows);
    if (tau < 1)
        return cs_error_set(CS_EINVAL, "PhiID: tau = %zu must be >= 1", tau);
    if (tau >= x1.rows || x1.rows - tau < 2)
        return cs_error_set(CS_EINVAL,
                            "PhiID: tau = %zu leaves %zu lagged samples from a series "
                            "of %zu time steps (at least 2 are needed)",
                            tau, tau < x1.rows ? x1.rows - tau : 0, x1.rows);
    cs_status st;
    if ((st = cs_matrix_check_finite(x1, "X1")) || (st = cs_matrix_check_finite(x2, "X2")))
        return st;
    return CS_OK;
}

/* Discrete: the plug-in table of (X1_t, X2_t, X1_t+tau, X2_t+tau) from the
 * joint codes of the two series (e: x1 | x2, T rows), each series coded
 * once so that a value and its future share a state. */
static cs_status phiid_of_symbols(const cs_estimator *e, size_t d1, size_t d2, size_t tau,
                                  const cs_pid_params *params, cs_phiid_result *out)
{
    size_t T = cs_estimator_rows(e), n = T - tau;
    int32_t *c = malloc(2 * T * sizeof *c);
    double *table = NULL;
    if (!c)
        return cs_error_set(CS_ENOMEM, "PhiID: out of memory");
    /* the lagged pairs: (X1_t, X2_t, X1_t+tau, X2_t+tau) for t = 0..n-1 */
    size_t dims[4];
    const int32_t *codes[4] = {c, c + T, c + tau, c + T + tau};
    cs_status st;
    if (!(st = pid_block_codes(e, 0, d1, "X1", c, &dims[0])) &&
        !(st = pid_block_codes(e, d1, d2, "X2", c + T, &dims[1]))) {
        dims[2] = dims[0], dims[3] = dims[1];
        if (!(st = pid_count_table(codes, dims, 4, n, table_names, "PhiID", &table)) &&
            !(st = cs_phiid_table(table, dims, params, out)))
            out->n = n;
    }
    free(c);
    free(table);
    return st;
}

cs_status cs_phiid_estimate(const cs_estimator_params *ep, cs_matrix x1, cs_matrix x2, size_t tau,
                            const cs_pid_params *params, cs_phiid_result *out)
{
    cs_pid_params defp;
    params = pid_params(params, &defp);
    cs_measure_request r = {CS_INFO_PHIID, ep->estimator, 0, 0, {CS_VAR_CONTINUOUS}};
    cs_status st;
    if ((st = cs_measure_validate(&r)) || (st = check_red(params)) || (st = check_series(x1, x2, tau)))
        return st;
    /* discrete: the series x1 | x2 (coded once); gaussian/gcopula: the lagged
     * samples (X1_t, X2_t, X1_t+tau, X2_t+tau), t = 0..n-1 */
    int disc = ep->estimator == CS_EST_DISCRETE;
    size_t n = x1.rows - tau;
    const cs_matrix blocks[4] = {x1, x2, x1, x2};
    const size_t first[4] = {0, 0, tau, tau};
    static const char *const block_names[4] = {"X1", "X2", "X1", "X2"};
    cs_estimator *e;
    if ((st = pid_blocks_estimator(ep, blocks, first, disc ? 2 : 4, disc ? x1.rows : n, block_names, &e)))
        return st;
    if (disc)
        st = phiid_of_symbols(e, x1.cols, x2.cols, tau, params, out);
    else if (!(st = cs_phiid_gaussian_cov(pid_estimator_cov(e), x1.cols, x2.cols, params, out)))
        out->n = n;
    cs_estimator_destroy(e);
    return st;
}
