/* The discrete (plug-in) estimator: W becomes int32 symbols with one
 * alphabet per column; entropies of joint codes (cogscope/discrete.h);
 * surrogates recombine the codes of X with the fixed codes of the rest. */
#include <stdlib.h>
#include <string.h>

#include "cogscope/discrete.h"
#include "estimator_impl.h"

/* Symbols of every column of W by its type: a column typed discrete is used
 * as symbols, never binned; the others are binned when bins > 0. */
static cs_status symbolise_columns(cs_estimator *e)
{
    e->alph = malloc((e->D ? e->D : 1) * sizeof *e->alph);
    if (!e->alph)
        return cs_error_set(CS_ENOMEM, "out of memory");
    cs_matrix W = cs_matrix_view(e->W, e->n, e->D);
    for (size_t j = 0; j < e->D; j++) {
        cs_matrix col = {W.data + j, e->n, 1, e->D};
        cs_symbols s;
        cs_status st = e->p.bins && e->types[j] != CS_VAR_DISCRETE ? cs_discrete_bin(col, e->p.bins, e->p.binning, &s)
                                                                   : cs_discrete_from_matrix(col, e->p.alphabet, &s);
        if (st)
            return cs_error_prefix("column %zu: ", j);
        for (size_t i = 0; i < e->n; i++)
            e->W[i * e->D + j] = s.data[i];
        e->alph[j] = s.alphabet[0];
        cs_symbols_free(&s);
    }
    return CS_OK;
}

static cs_status disc_prepare(cs_estimator *e)
{
    cs_status st;
    if (!e->alph && (st = symbolise_columns(e)))
        return st;
    if ((st = cs_symbols_alloc(e->n, e->D, &e->sym)))
        return st;
    for (size_t i = 0; i < e->n * e->D; i++)
        e->sym.data[i] = (int32_t)e->W[i];
    memcpy(e->sym.alphabet, e->alph, e->D * sizeof *e->alph);
    free(e->W);
    e->W = NULL;
    return CS_OK;
}

cs_status est_create_symbols(const cs_estimator_params *p, cs_symbols *sym, const cs_var_type *types,
                             cs_estimator **out)
{
    cs_status st = est_create_owned(p, NULL, sym->rows, sym->cols, types, out);
    if (!st) {
        (*out)->sym = *sym;
        memset(sym, 0, sizeof *sym);
    }
    return st;
}

cs_status est_disc_codes(const cs_estimator *e, const size_t *idx, size_t m, int32_t *codes, size_t *states)
{
    return cs_discrete_joint(&e->sym, idx, m, codes, states);
}

double est_disc_alphabet_product(const cs_estimator *e, const size_t *idx, size_t m)
{
    return cs_discrete_alphabet_product(&e->sym, idx, m);
}

/* Entropy (h != NULL) or local entropies (tmp) of the joint codes of idx. */
static cs_status disc_h(const cs_estimator *e, const size_t *idx, size_t m, double *h, double *tmp)
{
    int32_t *codes = malloc((e->n ? e->n : 1) * sizeof *codes);
    if (!codes)
        return cs_error_set(CS_ENOMEM, "out of memory");
    size_t states;
    cs_status st = est_disc_codes(e, idx, m, codes, &states);
    if (!st)
        st = h ? cs_discrete_entropy_codes(codes, e->n, states, e->p.miller_madow, h)
               : cs_discrete_local_entropy_codes(codes, e->n, states, e->p.miller_madow, tmp);
    free(codes);
    return st;
}

static cs_status disc_entropy(const cs_estimator *e, const size_t *idx, size_t m, double *h)
{
    *h = 0;
    return disc_h(e, idx, m, h, NULL);
}

static cs_status disc_local_entropy(const cs_estimator *e, const size_t *idx, size_t m, double *tmp, double *shift)
{
    *shift = 0;
    return disc_h(e, idx, m, NULL, tmp);
}

/* What a discrete surrogate keeps fixed: the codes of X and, per term,
 * the codes of the term's sets without X (n entries each). */
typedef struct {
    const cs_estimator *e;
    const est_term *t;
    size_t nt;
    int32_t *codeA, *rest[4];
    size_t statesA, rest_states[4];
    double fixed; /* the terms without X */
} disc_surr;

/* One surrogate: X's codes permuted, paired with each term's fixed rest. */
static cs_status disc_surr_value(const void *ctx, void *scratch, const size_t *perm, double *value)
{
    const disc_surr *c = ctx;
    size_t n = c->e->n;
    int32_t *pa = scratch, *joint = pa + n; /* n each */
    for (size_t i = 0; i < n; i++)
        pa[i] = c->codeA[perm[i]];
    double v = c->fixed;
    cs_status r = CS_OK;
    for (size_t k = 0; k < c->nt && !r; k++) {
        if (!(c->t[k].mask & EST_X))
            continue;
        size_t js;
        double h;
        if (!(r = cs_discrete_pair(pa, c->statesA, c->rest[k], c->rest_states[k], n, joint, &js)))
            r = cs_discrete_entropy_codes(joint, n, js, c->e->p.miller_madow, &h);
        v += c->t[k].sign * h;
    }
    *value = v;
    return r;
}

static cs_status disc_surrogates(cs_estimator *e, const est_sets *s, const est_term *t, size_t nt, size_t first,
                                 size_t ns, uint64_t seed, double *vals)
{
    size_t n = e->n;
    size_t idx[e->D ? e->D : 1];
    /* Codes of every term with X removed (fixed under the shuffle), and of X. */
    disc_surr c = {.e = e, .t = t, .nt = nt, .codeA = malloc(n * sizeof *c.codeA)};
    cs_status st = c.codeA ? est_disc_codes(e, idx, est_union(s, EST_X, idx), c.codeA, &c.statesA)
                           : cs_error_set(CS_ENOMEM, "out of memory");
    for (size_t k = 0; k < nt && !st; k++) {
        c.rest[k] = malloc(n * sizeof *c.rest[k]);
        if (!c.rest[k]) {
            st = cs_error_set(CS_ENOMEM, "out of memory");
            break;
        }
        st = est_disc_codes(e, idx, est_union(s, t[k].mask & ~EST_X, idx), c.rest[k], &c.rest_states[k]);
        if (!st && !(t[k].mask & EST_X)) {
            double h;
            st = cs_discrete_entropy_codes(c.rest[k], n, c.rest_states[k], e->p.miller_madow, &h);
            c.fixed += t[k].sign * h;
        }
    }
    if (!st)
        st = est_surrogate_loop(disc_surr_value, &c, 2 * n * sizeof(int32_t), n, e->p.threads, first, ns, seed, vals);
    free(c.codeA);
    for (size_t k = 0; k < 4; k++)
        free(c.rest[k]);
    return st;
}

static void disc_clear(cs_estimator *e) { cs_symbols_free(&e->sym); }

const est_ops est_discrete_ops = {disc_prepare,    disc_entropy, disc_local_entropy, NULL,
                                  disc_surrogates, NULL,         disc_clear};
