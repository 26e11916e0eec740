/* Convex solvers on a three-way table p(x1, x2, y) for the PID:
 *   pid_broja_min       min over Delta_P of I_q(X1,X2;Y) (Bertschinger et al. 2014)
 *   pid_maxent_pairwise the maximum-entropy table with p's pairwise marginals (Ince's I_ccs)
 *
 * BROJA. Write f(q) = sum q ln q(y|x1,x2) = -H_q(Y|X1,X2), so that
 * I_q(X1,X2;Y) = H(Y) + f(q) on Delta_P. Its Lagrange dual is
 *     max  sum_{x1,y} a p(x1,y) + sum_{x2,y} b p(x2,y)
 *     s.t. s_b(a,b) = sum_y exp(a(x1,y) + b(x2,y)) <= 1   for each block b = (x1,x2),
 * (minimising the Lagrangian over each column q(x1,x2,.) >= 0, on which f is
 * positively homogeneous, gives 0 or -inf), and at the optimum
 * q(x1,x2,y) = Q_b exp(a + b) with multipliers Q_b = q(x1,x2) >= 0.
 * A primal barrier method struggles here: f is linear along each column's own
 * direction, so its Newton systems degenerate like an LP's as columns empty
 * out (they do: e.g. for SUM and AND the optimum empties two columns). The
 * method of multipliers on the dual does not: with penalty rho it minimises
 *     Psi(a,b) = -p^T(a,b) + 1/(2 rho) sum_b max(0, Q_b + rho (s_b - 1))^2
 * (convex, once differentiable; gradient = marginals of q_c = lambda_b e_c
 * minus p, with lambda_b = max(0, Q_b + rho (s_b - 1)) and e_c = exp(a + b))
 * by a damped (semismooth) Newton method, then sets Q <- lambda. The inner
 * Hessian A diag(q) A^T + rho sum_{lambda_b > 0} v_b v_b^T (v_b = A e_b) stays
 * usably conditioned because rho stays bounded (no barrier parameter -> 0). After each outer step:
 *   primal: q_c = Q_b e_c, rescaled slice by slice onto Delta_P (alternating
 *           row/column scaling, which moves it by the tiny marginal error);
 *           f(q) is an upper bound of the minimum;
 *   dual:   a(x1,.) -= max_x2 ln s_(x1,x2) makes (a,b) feasible; its objective
 *           is a lower bound (weak duality).
 * The solver stops when the difference (the certified gap) is <= tol.
 * One dual variable b(x2,y) per y is fixed at 0 (the rows and columns of each
 * y-slice sum to the same p(y), so one constraint per y is redundant).
 *
 * Maximum entropy. The dual of max H(q) subject to the three pairwise
 * marginals is the unconstrained convex G(t) = sum_c exp((A^T t)_c) - t^T m
 * (the log-linear model with all pairwise interactions); its Newton system is
 * A diag(q) A^T, singular along the gauge directions, so a ridge of 1e-12 of
 * its mean diagonal is added (Levenberg-Marquardt). Cells that no table with
 * these marginals can fill (e.g. q(1,1,0) for AND) have no finite optimum in
 * t; Newton's method still drives them to 0 geometrically while the
 * marginals converge, and it stops when every marginal matches within tol. */
#include "pid_solvers.h"

#include "pid_common.h"

#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_errno.h>
#include <gsl/gsl_linalg.h>

/* Solve (H + ridge) d = rhs for a symmetric positive semi-definite H (k x k,
 * overwritten). The ridge grows until the Cholesky factorisation succeeds. */
static cs_status solve_spd(double *H, size_t k, double ridge_rel, const double *rhs, double *d)
{
    double dmax = 0;
    for (size_t i = 0; i < k; i++)
        dmax = fmax(dmax, H[i * k + i]);
    if (!(dmax > 0))
        dmax = 1;
    double *work = malloc(k * k * sizeof *work);
    if (!work)
        return cs_error_set(CS_ENOMEM, "PID solver: cannot allocate a %zu x %zu Newton system", k, k);
    double ridge = ridge_rel * dmax;
    for (int attempt = 0; attempt < 8; attempt++, ridge *= 100) {
        memcpy(work, H, k * k * sizeof *work);
        for (size_t i = 0; i < k; i++)
            work[i * k + i] += ridge;
        gsl_matrix_view m = gsl_matrix_view_array(work, k, k);
        if (gsl_linalg_cholesky_decomp1(&m.matrix) != GSL_SUCCESS)
            continue;
        gsl_vector_const_view b = gsl_vector_const_view_array(rhs, k);
        gsl_vector_view x = gsl_vector_view_array(d, k);
        if (gsl_linalg_cholesky_solve(&m.matrix, &b.vector, &x.vector) != GSL_SUCCESS)
            continue;
        free(work);
        return CS_OK;
    }
    free(work);
    return cs_error_set(CS_ENOCONV, "PID solver: the Newton system could not be factorised");
}

/* Penalty of the method of multipliers: starts at RHO_START and doubles each
 * outer step up to RHO_MAX (measured: 4-20 outer steps to a 1e-12 gap on
 * random 3x4x3 to 16x16x8 tables; a fixed rho = 100 needed up to 500). */
#define RHO_START 100.0
#define RHO_MAX 1e8
#define RHO_GROWTH 2.0

/* ------------------------------------------------------------------------- */
/* BROJA                                                                      */

typedef struct {
    size_t n1, n2, ny;
    size_t K; /* dual variables: na a's then nb b's */
    size_t na;
    double *pv;        /* K target marginals */
    size_t nb_blocks;  /* blocks (x1, x2) with at least one support cell */
    size_t *blk_start; /* nb_blocks + 1 offsets into the cells */
    size_t *blk_i;     /* x1 of each block */
    size_t nc;         /* support cells, grouped by block */
    size_t *c_a;       /* a-variable of each cell */
    long *c_b;         /* b-variable of each cell, -1 when fixed at 0 */
    size_t *c_cell;    /* index i*n2*ny + j*ny + k of the cell in the table */
} broja_prob;

static void broja_free(broja_prob *b)
{
    free(b->pv);
    free(b->blk_start);
    free(b->blk_i);
    free(b->c_a);
    free(b->c_b);
    free(b->c_cell);
}

static cs_status broja_setup(size_t n1, size_t n2, size_t ny, const double *pik, const double *pjk, broja_prob *B)
{
    memset(B, 0, sizeof *B);
    B->n1 = n1, B->n2 = n2, B->ny = ny;
    long *ia = malloc(n1 * ny * sizeof *ia), *ib = malloc(n2 * ny * sizeof *ib);
    cs_status st = CS_OK;
    if (!ia || !ib) {
        st = cs_error_set(CS_ENOMEM, "BROJA: out of memory");
        goto out;
    }
    size_t K = 0;
    for (size_t i = 0; i < n1; i++)
        for (size_t k = 0; k < ny; k++)
            ia[i * ny + k] = pik[i * ny + k] > 0 ? (long)K++ : -1;
    B->na = K;
    for (size_t k = 0; k < ny; k++) {
        long last = -1;
        for (size_t j = 0; j < n2; j++) {
            ib[j * ny + k] = -1;
            if (pjk[j * ny + k] > 0)
                last = (long)j;
        }
        for (size_t j = 0; j < n2; j++)
            if (pjk[j * ny + k] > 0 && (long)j != last)
                ib[j * ny + k] = (long)K++;
    }
    B->K = K;
    if (K > PID_SOLVER_MAX_VARS) {
        st = cs_error_set(CS_ELIMIT,
                          "BROJA: the table (%zu x %zu sources, %zu target states) has %zu "
                          "independent marginal constraints, over the solver's limit of %d",
                          n1, n2, ny, K, PID_SOLVER_MAX_VARS);
        goto out;
    }
    size_t nc = 0, nblk = 0;
    for (size_t i = 0; i < n1; i++)
        for (size_t j = 0; j < n2; j++) {
            size_t cnt = 0;
            for (size_t k = 0; k < ny; k++)
                cnt += pik[i * ny + k] > 0 && pjk[j * ny + k] > 0;
            nc += cnt;
            nblk += cnt > 0;
        }
    B->pv = malloc((K ? K : 1) * sizeof *B->pv);
    B->blk_start = malloc((nblk + 1) * sizeof *B->blk_start);
    B->blk_i = malloc((nblk ? nblk : 1) * sizeof *B->blk_i);
    B->c_a = malloc((nc ? nc : 1) * sizeof *B->c_a);
    B->c_b = malloc((nc ? nc : 1) * sizeof *B->c_b);
    B->c_cell = malloc((nc ? nc : 1) * sizeof *B->c_cell);
    if (!B->pv || !B->blk_start || !B->blk_i || !B->c_a || !B->c_b || !B->c_cell) {
        st = cs_error_set(CS_ENOMEM, "BROJA: out of memory for %zu cells", nc);
        goto out;
    }
    for (size_t i = 0; i < n1; i++)
        for (size_t k = 0; k < ny; k++)
            if (ia[i * ny + k] >= 0)
                B->pv[ia[i * ny + k]] = pik[i * ny + k];
    for (size_t j = 0; j < n2; j++)
        for (size_t k = 0; k < ny; k++)
            if (ib[j * ny + k] >= 0)
                B->pv[ib[j * ny + k]] = pjk[j * ny + k];
    size_t c = 0, b = 0;
    for (size_t i = 0; i < n1; i++)
        for (size_t j = 0; j < n2; j++) {
            size_t c0 = c;
            for (size_t k = 0; k < ny; k++)
                if (pik[i * ny + k] > 0 && pjk[j * ny + k] > 0) {
                    B->c_a[c] = (size_t)ia[i * ny + k];
                    B->c_b[c] = ib[j * ny + k];
                    B->c_cell[c] = (i * n2 + j) * ny + k;
                    c++;
                }
            if (c > c0) {
                B->blk_start[b] = c0;
                B->blk_i[b] = i;
                b++;
            }
        }
    B->blk_start[nblk] = nc;
    B->nb_blocks = nblk;
    B->nc = nc;
out:
    free(ia);
    free(ib);
    return st;
}

/* e_c = exp(a + b) for every cell and s_b per block; returns 0 if any
 * exponent overflows (the caller treats the point as infinitely bad). */
static int broja_exp(const broja_prob *B, const double *x, double *e, double *s)
{
    for (size_t b = 0; b < B->nb_blocks; b++) {
        double sum = 0;
        for (size_t c = B->blk_start[b]; c < B->blk_start[b + 1]; c++) {
            double z = x[B->c_a[c]] + (B->c_b[c] >= 0 ? x[B->c_b[c]] : 0.0);
            if (z > 700)
                return 0;
            e[c] = exp(z);
            sum += e[c];
        }
        s[b] = sum;
    }
    return 1;
}

static double broja_psi(const broja_prob *B, const double *x, const double *Q, double rho, double *e, double *s)
{
    if (!broja_exp(B, x, e, s))
        return INFINITY;
    double v = 0;
    for (size_t k = 0; k < B->K; k++)
        v -= B->pv[k] * x[k];
    double pen = 0;
    for (size_t b = 0; b < B->nb_blocks; b++) {
        double l = Q[b] + rho * (s[b] - 1);
        if (l > 0)
            pen += l * l;
    }
    return v + pen / (2 * rho);
}

/* Sum of the len cells line[0], line[step], ... */
static double line_sum(const double *line, size_t len, size_t step)
{
    double sum = 0;
    for (size_t c = 0; c < len; c++)
        sum += line[c * step];
    return sum;
}

/* Scale each of nl lines (line l starts at q + l * lstep; its len cells are
 * `step` apart) to sum to its target t[l * tstep]. Returns 0 when a line
 * with a positive target has no mass. */
static int scale_lines(double *q, size_t nl, size_t lstep, size_t len, size_t step, const double *t, size_t tstep)
{
    for (size_t l = 0; l < nl; l++) {
        double *line = q + l * lstep, sum = line_sum(line, len, step), target = t[l * tstep];
        if (target > 0 && !(sum > 0))
            return 0;
        if (sum > 0)
            for (size_t c = 0; c < len; c++)
                line[c * step] *= target / sum;
    }
    return 1;
}

/* Scale q (a full n1 x n2 x ny table, zero off the support) slice by slice
 * until its (x1,y) and (x2,y) marginals match within 1e-14: in slice y the
 * rows (x1 fixed) must sum to p(x1,y), the columns (x2 fixed) to p(x2,y).
 * Returns 0 when that fails (a marginal with positive target has no mass,
 * or the zero pattern of q cannot carry the marginals): q is then not in
 * Delta_P and its objective is no bound. */
static int rescale_slices(double *q, size_t n1, size_t n2, size_t ny, const double *pik, const double *pjk)
{
    for (size_t k = 0; k < ny; k++) {
        double *qk = q + k; /* cell (i, j) of the slice is qk[(i * n2 + j) * ny] */
        double err = INFINITY;
        for (int it = 0; it < 1000 && err > 1e-14; it++) {
            if (!scale_lines(qk, n1, n2 * ny, n2, ny, pik + k, ny) ||
                !scale_lines(qk, n2, ny, n1, n2 * ny, pjk + k, ny))
                return 0;
            /* the columns are now exact: measure the rows */
            err = 0;
            for (size_t i = 0; i < n1; i++)
                err = fmax(err, fabs(line_sum(qk + i * n2 * ny, n2, ny) - pik[i * ny + k]));
        }
        if (!(err <= 1e-14))
            return 0;
    }
    return 1;
}

/* f(q) = sum q ln q(y|x1,x2) over a full table. */
static double cond_neg_entropy(const double *q, size_t n1, size_t n2, size_t ny)
{
    double f = 0;
    for (size_t ij = 0; ij < n1 * n2; ij++) {
        const double *col = q + ij * ny;
        double Q = 0;
        for (size_t k = 0; k < ny; k++)
            Q += col[k];
        if (!(Q > 0))
            continue;
        for (size_t k = 0; k < ny; k++)
            if (col[k] > 0)
                f += col[k] * log(col[k] / Q);
    }
    return f;
}

/* The solver's scratch: x, xt, grad, d (K); H (K x K); Q, s, st (blocks);
 * e, et (support cells); q (the table's cells). */
typedef struct {
    double *x, *xt, *grad, *d, *H, *Q, *s, *st, *e, *et, *q;
} broja_work;

static void broja_work_free(broja_work *w)
{
    free(w->x);
    free(w->xt);
    free(w->grad);
    free(w->d);
    free(w->H);
    free(w->Q);
    free(w->s);
    free(w->st);
    free(w->e);
    free(w->et);
    free(w->q);
}

static cs_status broja_work_alloc(const broja_prob *B, size_t ncell, broja_work *w)
{
    size_t K = B->K, nc = B->nc, nblk = B->nb_blocks;
    w->x = calloc(K ? K : 1, sizeof *w->x);
    w->xt = calloc(K ? K : 1, sizeof *w->xt);
    w->grad = calloc(K ? K : 1, sizeof *w->grad);
    w->d = calloc(K ? K : 1, sizeof *w->d);
    w->H = calloc(K > 0 ? K * K : 1, sizeof *w->H);
    w->Q = calloc(nblk ? nblk : 1, sizeof *w->Q);
    w->s = calloc(nblk ? nblk : 1, sizeof *w->s);
    w->st = calloc(nblk ? nblk : 1, sizeof *w->st);
    w->e = calloc(nc ? nc : 1, sizeof *w->e);
    w->et = calloc(nc ? nc : 1, sizeof *w->et);
    w->q = calloc(ncell, sizeof *w->q);
    if (!w->x || !w->xt || !w->grad || !w->d || !w->H || !w->Q || !w->s || !w->st || !w->e || !w->et || !w->q)
        return cs_error_set(CS_ENOMEM, "BROJA: out of memory");
    return CS_OK;
}

/* Start: multipliers Q = column masses of the conditionally independent
 * member of Delta_P, q0 = p(x1,y) p(x2,y) / p(y); duals at 0. */
static void broja_start(const broja_prob *B, const pid_margins *mg, double *Q)
{
    size_t n2 = B->n2, ny = B->ny;
    for (size_t b = 0; b < B->nb_blocks; b++) {
        double m = 0;
        for (size_t c = B->blk_start[b]; c < B->blk_start[b + 1]; c++) {
            size_t k = B->c_cell[c] % ny, ij = B->c_cell[c] / ny;
            size_t i = ij / n2, j = ij % n2;
            m += mg->p1y[i * ny + k] * mg->p2y[j * ny + k] / mg->py[k];
        }
        Q[b] = m;
    }
}

/* Gradient and Hessian (K x K) of Psi(x; Q) from the cell exponentials e
 * and block sums s of x. */
static void broja_newton_system(const broja_prob *B, const broja_work *w, double rho)
{
    size_t K = B->K;
    double *grad = w->grad, *H = w->H;
    const double *e = w->e;
    memset(grad, 0, K * sizeof *grad);
    for (size_t k = 0; k < K; k++)
        grad[k] = -B->pv[k];
    memset(H, 0, K * K * sizeof *H);
    for (size_t b = 0; b < B->nb_blocks; b++) {
        double lam = w->Q[b] + rho * (w->s[b] - 1);
        if (!(lam > 0))
            continue;
        size_t c0 = B->blk_start[b], c1 = B->blk_start[b + 1];
        for (size_t c = c0; c < c1; c++) {
            double qc = lam * e[c];
            size_t a = B->c_a[c];
            long bb = B->c_b[c];
            grad[a] += qc;
            H[a * K + a] += qc;
            if (bb >= 0) {
                grad[bb] += qc;
                H[bb * K + bb] += qc;
                H[a * K + bb] += qc;
                H[bb * K + a] += qc;
            }
        }
        /* rho v v^T, v = sum_c e_c (u_a(c) + u_b(c)): pairs of cells */
        for (size_t c = c0; c < c1; c++) {
            size_t ra[2] = {B->c_a[c], 0};
            int nra = 1;
            if (B->c_b[c] >= 0)
                ra[nra++] = (size_t)B->c_b[c];
            for (size_t c2 = c0; c2 < c1; c2++) {
                double wt = rho * e[c] * e[c2];
                size_t rb[2] = {B->c_a[c2], 0};
                int nrb = 1;
                if (B->c_b[c2] >= 0)
                    rb[nrb++] = (size_t)B->c_b[c2];
                for (int u = 0; u < nra; u++)
                    for (int v = 0; v < nrb; v++)
                        H[ra[u] * K + rb[v]] += wt;
            }
        }
    }
}

/* Inner problem: minimise Psi(x; Q) over x by damped Newton steps with a
 * backtracking line search, until the gradient, the step or the descent
 * vanish to rounding. */
static cs_status broja_inner(const broja_prob *B, broja_work *w, double rho)
{
    size_t K = B->K;
    for (int inner = 0; inner < 200; inner++) {
        double f0 = broja_psi(B, w->x, w->Q, rho, w->e, w->s);
        broja_newton_system(B, w, rho);
        double gmax = 0;
        for (size_t k = 0; k < K; k++)
            gmax = fmax(gmax, fabs(w->grad[k]));
        if (gmax <= 1e-15)
            break;
        for (size_t k = 0; k < K; k++)
            w->xt[k] = -w->grad[k];
        cs_status st = solve_spd(w->H, K, 1e-13, w->xt, w->d);
        if (st)
            return st;
        double gd = 0;
        for (size_t k = 0; k < K; k++)
            gd += w->grad[k] * w->d[k];
        if (!(gd < 0))
            break; /* no descent left at this precision */
        double t = 1, ft = INFINITY;
        for (; t > 1e-12; t *= 0.5) {
            for (size_t k = 0; k < K; k++)
                w->xt[k] = w->x[k] + t * w->d[k];
            ft = broja_psi(B, w->xt, w->Q, rho, w->et, w->st);
            if (ft <= f0 + 1e-4 * t * gd)
                break;
        }
        if (!(ft <= f0 + 1e-4 * t * gd) && !(ft < f0))
            break; /* the line search found nothing: converged to rounding */
        double dmax = 0;
        for (size_t k = 0; k < K; k++) {
            dmax = fmax(dmax, fabs(t * w->d[k]));
            w->x[k] = w->xt[k];
        }
        if (dmax <= 1e-15)
            break;
    }
    return CS_OK;
}

/* The primal bound: the iterate q = Q e rescaled onto Delta_P and its
 * -H(Y|X1,X2) lowers *best when that rescaling succeeds. */
static void broja_primal(const broja_prob *B, broja_work *w, const pid_margins *mg, double *best)
{
    size_t n1 = B->n1, n2 = B->n2, ny = B->ny;
    memset(w->q, 0, n1 * n2 * ny * sizeof *w->q);
    for (size_t b = 0; b < B->nb_blocks; b++)
        for (size_t c = B->blk_start[b]; c < B->blk_start[b + 1]; c++)
            w->q[B->c_cell[c]] = w->Q[b] * w->e[c];
    if (rescale_slices(w->q, n1, n2, ny, mg->p1y, mg->p2y)) {
        double fq = cond_neg_entropy(w->q, n1, n2, ny);
        if (fq < *best)
            *best = fq;
    }
}

/* The dual bound: a(x1,.) -= max over the blocks of row x1 of ln s_b makes
 * every constraint hold; sum_y p(x1,y) * shift = p(x1) * shift. */
static double broja_dual(const broja_prob *B, const broja_work *w, const pid_margins *mg)
{
    size_t ny = B->ny, nblk = B->nb_blocks;
    double dual = 0;
    for (size_t k = 0; k < B->K; k++)
        dual += B->pv[k] * w->x[k];
    for (size_t b = 0; b < nblk;) {
        size_t i = B->blk_i[b], b1 = b;
        double shift = -INFINITY;
        for (; b1 < nblk && B->blk_i[b1] == i; b1++)
            shift = fmax(shift, log(w->s[b1]));
        double pi = 0;
        for (size_t kk = 0; kk < ny; kk++)
            pi += mg->p1y[i * ny + kk];
        dual -= pi * shift;
        b = b1;
    }
    return dual;
}

cs_status pid_broja_min(const double *p, size_t n1, size_t n2, size_t ny, double tol, int max_iter, double *min_mi,
                        double *gap_out, int *iterations)
{
    broja_prob B;
    memset(&B, 0, sizeof B);
    broja_work w;
    memset(&w, 0, sizeof w);
    /* Delta_P is fixed by p(x1,y) and p(x2,y) */
    pid_margins mg;
    cs_status st = pid_margins_of(p, n1, n2, ny, &mg);
    if (st)
        return st;
    if ((st = broja_setup(n1, n2, ny, mg.p1y, mg.p2y, &B)) || (st = broja_work_alloc(&B, n1 * n2 * ny, &w)))
        goto out;
    double hy = pid_entropy(mg.py, ny);
    broja_start(&B, &mg, w.Q);
    double rho = RHO_START;
    double best_primal = INFINITY, best_dual = -INFINITY;
    int outer;
    for (outer = 1; outer <= max_iter; outer++) {
        if ((st = broja_inner(&B, &w, rho)))
            goto out;
        /* multiplier update */
        if (!broja_exp(&B, w.x, w.e, w.s)) {
            st = cs_error_set(CS_ENOCONV, "BROJA: the dual iterates diverged");
            goto out;
        }
        for (size_t b = 0; b < B.nb_blocks; b++) {
            double lam = w.Q[b] + rho * (w.s[b] - 1);
            w.Q[b] = lam > 0 ? lam : 0;
        }
        broja_primal(&B, &w, &mg, &best_primal);
        double dual = broja_dual(&B, &w, &mg);
        if (dual > best_dual)
            best_dual = dual;
        if (best_primal - best_dual <= tol)
            break;
        /* The multiplier step converges linearly at a rate that improves with
         * rho; grow it geometrically (the inner Newton systems tolerate it). */
        if (rho < RHO_MAX)
            rho *= RHO_GROWTH;
    }
    if (outer > max_iter)
        outer = max_iter;
    double gap = best_primal - best_dual;
    if (iterations)
        *iterations = outer;
    if (!(gap <= tol)) {
        st = cs_error_set(CS_ENOCONV,
                          "BROJA: no convergence in %d iterations: the certified gap is %.3g nats, "
                          "above the tolerance %.3g",
                          max_iter, gap, tol);
        goto out;
    }
    *min_mi = hy + best_primal;
    *gap_out = gap > 0 ? gap : 0;
out:
    broja_free(&B);
    pid_margins_free(&mg);
    broja_work_free(&w);
    return st;
}

/* ------------------------------------------------------------------------- */
/* Maximum entropy with pairwise marginals                                   */

cs_status pid_maxent_pairwise(const double *p, size_t n1, size_t n2, size_t ny, double tol, int max_iter, double *q,
                              double *resid, int *iterations)
{
    size_t ncell = n1 * n2 * ny;
    size_t nij = n1 * n2, nik = n1 * ny, njk = n2 * ny;
    pid_margins mg;
    cs_status st = pid_margins_of(p, n1, n2, ny, &mg);
    if (st)
        return st;
    const double *m = mg.p12; /* the pairwise marginals p12 | p1y | p2y, contiguous */
    long *var = malloc((nij + nik + njk) * sizeof *var);
    size_t *cell = NULL;
    size_t(*cv)[3] = NULL;
    double *th = NULL, *tt = NULL, *b = NULL, *grad = NULL, *H = NULL, *d = NULL, *qc = NULL;
    if (!var) {
        st = cs_error_set(CS_ENOMEM, "maximum entropy: out of memory");
        goto out;
    }
    size_t K = 0;
    for (size_t r = 0; r < nij + nik + njk; r++)
        var[r] = m[r] > 0 ? (long)K++ : -1;
    if (K > PID_SOLVER_MAX_VARS) {
        st = cs_error_set(CS_ELIMIT,
                          "I_ccs: the table (%zu x %zu sources, %zu target states) has %zu pairwise "
                          "marginal constraints, over the maximum-entropy solver's limit of %d",
                          n1, n2, ny, K, PID_SOLVER_MAX_VARS);
        goto out;
    }
    size_t nc = 0;
    for (size_t i = 0; i < n1; i++)
        for (size_t j = 0; j < n2; j++)
            for (size_t k = 0; k < ny; k++)
                nc += var[i * n2 + j] >= 0 && var[nij + i * ny + k] >= 0 && var[nij + nik + j * ny + k] >= 0;
    cell = malloc((nc ? nc : 1) * sizeof *cell);
    cv = malloc((nc ? nc : 1) * sizeof *cv);
    th = calloc(K ? K : 1, sizeof *th);
    tt = calloc(K ? K : 1, sizeof *tt);
    b = calloc(K ? K : 1, sizeof *b);
    grad = calloc(K ? K : 1, sizeof *grad);
    d = calloc(K ? K : 1, sizeof *d);
    H = calloc(K > 0 ? K * K : 1, sizeof *H);
    qc = calloc(nc ? nc : 1, sizeof *qc);
    if (!cell || !cv || !th || !tt || !b || !grad || !d || !H || !qc) {
        st = cs_error_set(CS_ENOMEM, "maximum entropy: out of memory");
        goto out;
    }
    nc = 0;
    for (size_t i = 0; i < n1; i++)
        for (size_t j = 0; j < n2; j++)
            for (size_t k = 0; k < ny; k++) {
                long v0 = var[i * n2 + j], v1 = var[nij + i * ny + k], v2 = var[nij + nik + j * ny + k];
                if (v0 >= 0 && v1 >= 0 && v2 >= 0) {
                    cell[nc] = (i * n2 + j) * ny + k;
                    cv[nc][0] = (size_t)v0, cv[nc][1] = (size_t)v1, cv[nc][2] = (size_t)v2;
                    nc++;
                }
            }
    for (size_t r = 0; r < nij + nik + njk; r++)
        if (var[r] >= 0)
            b[var[r]] = m[r];
    /* start from the uniform table on the support */
    for (size_t k = 0; k < K; k++)
        th[k] = log(1.0 / (double)nc) / 3.0;
    double res = INFINITY;
    int it;
    for (it = 0; it <= max_iter; it++) {
        double G = 0;
        for (size_t c = 0; c < nc; c++) {
            qc[c] = exp(th[cv[c][0]] + th[cv[c][1]] + th[cv[c][2]]);
            G += qc[c];
        }
        for (size_t k = 0; k < K; k++) {
            grad[k] = -b[k];
            G -= th[k] * b[k];
        }
        for (size_t c = 0; c < nc; c++)
            for (int u = 0; u < 3; u++)
                grad[cv[c][u]] += qc[c];
        res = 0;
        for (size_t k = 0; k < K; k++)
            res = fmax(res, fabs(grad[k]));
        if (res <= tol || it == max_iter)
            break;
        memset(H, 0, K * K * sizeof *H);
        for (size_t c = 0; c < nc; c++)
            for (int u = 0; u < 3; u++)
                for (int v = 0; v < 3; v++)
                    H[cv[c][u] * K + cv[c][v]] += qc[c];
        for (size_t k = 0; k < K; k++)
            tt[k] = -grad[k];
        if ((st = solve_spd(H, K, 1e-12, tt, d)))
            goto out;
        double gd = 0;
        for (size_t k = 0; k < K; k++)
            gd += grad[k] * d[k];
        if (!(gd < 0))
            break;
        double t = 1, Gt = INFINITY;
        for (; t > 1e-12; t *= 0.5) {
            for (size_t k = 0; k < K; k++)
                tt[k] = th[k] + t * d[k];
            Gt = 0;
            int ok = 1;
            for (size_t c = 0; c < nc && ok; c++) {
                double z = tt[cv[c][0]] + tt[cv[c][1]] + tt[cv[c][2]];
                if (z > 700)
                    ok = 0;
                else
                    Gt += exp(z);
            }
            if (!ok)
                continue;
            for (size_t k = 0; k < K; k++)
                Gt -= tt[k] * b[k];
            if (Gt <= G + 1e-4 * t * gd)
                break;
        }
        if (!(Gt <= G + 1e-4 * t * gd))
            break; /* no further progress at this precision */
        memcpy(th, tt, K * sizeof *th);
    }
    if (iterations)
        *iterations = it;
    *resid = res;
    if (!(res <= tol)) {
        st = cs_error_set(CS_ENOCONV,
                          "I_ccs: the maximum-entropy fit stopped after %d iterations with a "
                          "marginal error of %.3g, above the tolerance %.3g",
                          it, res, tol);
        goto out;
    }
    memset(q, 0, ncell * sizeof *q);
    for (size_t c = 0; c < nc; c++)
        q[cell[c]] = qc[c];
out:
    pid_margins_free(&mg);
    free(var);
    free(cell);
    free(cv);
    free(th);
    free(tt);
    free(b);
    free(grad);
    free(d);
    free(H);
    free(qc);
    return st;
}
