/* The convex solvers of the discrete PID on a three-way table p(x1, x2, y)
 * (broja.c): I_broja's minimisation and I_ccs's maximum-entropy table. Not a
 * public header; nats. */
#ifndef COGSCOPE_PID_SOLVERS_H
#define COGSCOPE_PID_SOLVERS_H

#include "cogscope/core.h"

/* Largest number of dual variables (marginal constraints) the convex solvers
 * accept: their Newton systems are dense (K x K). 1500 covers e.g. 24 x 24
 * source alphabets with a 30-state target. */
#define PID_SOLVER_MAX_VARS 1500

/* min over q in Delta_P of I_q(X1,X2;Y) for a normalised table p (n1 x n2 x
 * ny, row-major): method of multipliers on the dual (see cogscope/pid.h).
 * *min_mi is the value of a feasible q (an upper bound), *gap a certified
 * bound on its distance to the minimum. CS_ELIMIT for too many constraints,
 * CS_ENOCONV when the gap is still above tol after max_iter outer steps. */
cs_status pid_broja_min(const double *p, size_t n1, size_t n2, size_t ny, double tol, int max_iter, double *min_mi,
                        double *gap, int *iterations);

/* The maximum-entropy table q (n1 x n2 x ny, caller-owned) with the pairwise
 * marginals p(x1,x2), p(x1,y), p(x2,y) of the normalised table p: Newton's
 * method on the dual (log-linear model). *resid: largest marginal error. */
cs_status pid_maxent_pairwise(const double *p, size_t n1, size_t n2, size_t ny, double tol, int max_iter, double *q,
                              double *resid, int *iterations);

#endif
