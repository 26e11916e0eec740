/* The training configuration, resolved once: defaults (the rule's, then the
 * documented ones), validation of every value in one place, the names parsed
 * into a read-only plan (train_internal.h). cs_train_config_resolve is the
 * public face of the same function, so the CLI and the loop check the same
 * things the same way. */
#include <math.h>
#include <string.h>

#include "cogscope/sigmapi.h"
#include "train_internal.h"

#define DEFAULT_LOG_EVERY 50
#define DEFAULT_PROBE 512
#define DEFAULT_HIDDEN 100

void cs_train_config_default(cs_train_config *c)
{
    memset(c, 0, sizeof *c);
    c->rule = "bp";
    c->lr = NAN;
    c->momentum = NAN;
    c->weight_decay = NAN;
    c->pi_alpha = NAN;
    c->pi_gamma = NAN;
    c->seed = 1;
    c->reference_errors = 1;
}

/* The data, before a network is sized from them: every feature finite as
 * float32 (a CSV value beyond ±3.4e38 turns into Inf and would only show up
 * as a "diverged" loss), and no more classes than samples (one stray label
 * of 999999 would size a million output units). CS_EFORMAT naming the
 * dataset, the split, the sample and the feature. */
static cs_status check_data(const cs_dataset *d, const char *name, const char *split)
{
    /* Blocks scanned without a branch per value (vectorised; Fashion-MNIST
     * is 55 M values), the first bad value looked for only in a bad block. */
    size_t total = d->n * d->dim;
    for (size_t lo = 0; lo < total; lo += 4096) {
        size_t hi = total - lo < 4096 ? total : lo + 4096;
        int bad = 0;
        for (size_t i = lo; i < hi; i++)
            bad |= !isfinite(d->x[i]);
        for (size_t i = lo; bad && i < hi; i++)
            if (!isfinite(d->x[i]))
                return cs_error_set(CS_EFORMAT,
                                    "%s: %s sample %zu, feature %zu is %s as float32: inputs must be "
                                    "finite and within ±3.4e38 (scale the features)",
                                    name, split, i / d->dim, i % d->dim, isnan(d->x[i]) ? "NaN" : "Inf");
    }
    if (d->classes > d->n) {
        int32_t top = 0;
        for (size_t i = 0; i < d->n; i++)
            top = d->y[i] > top ? d->y[i] : top;
        return cs_error_set(CS_EFORMAT,
                            "%s: label %d makes %zu classes for %zu %s samples: labels must be class "
                            "numbers 0..K-1 (relabel the data)",
                            name, (int)top, d->classes, d->n, split);
    }
    return CS_OK;
}

/* The rule by name (CS_EINVAL listing the known ones) with its options
 * checked against its declaration. */
static cs_status resolve_rule(const cs_train_config *in, const cs_rule_vtable **vt)
{
    *vt = cs_rule_find(in->rule);
    if (!*vt) {
        char names[512] = "";
        for (size_t i = 0; i < cs_rule_count(); i++) {
            if (i)
                strncat(names, ", ", sizeof names - strlen(names) - 1);
            strncat(names, cs_rule_at(i)->name, sizeof names - strlen(names) - 1);
        }
        return cs_error_set(CS_EINVAL, "--rule: '%s' is not a known rule (%s)", in->rule ? in->rule : "", names);
    }
    return cs_rule_check_options(*vt, in->rule_opts, in->n_rule_opts);
}

/* Unset hyper-parameters from the rule's defaults (then the documented
 * ones); names parsed and values range-checked, each error naming its flag. */
static cs_status resolve_hyper(train_plan *p)
{
    cs_train_config *c = &p->c;
    const cs_rule_defaults *d = &p->vt->defaults;
    cs_status st;
    if (!c->activation)
        c->activation = d->activation ? d->activation : "tanh";
    if ((st = cs_activation_parse(c->activation, &p->act)))
        return st;
    if (!c->optimizer)
        c->optimizer = d->optimizer ? d->optimizer : "sgd";
    if ((st = cs_optim_parse(c->optimizer, &p->optim)))
        return st;
    if (!c->epochs)
        c->epochs = d->epochs ? d->epochs : 10;
    if (!c->batch)
        c->batch = d->batch ? d->batch : 32;
    if (isnan(c->lr))
        c->lr = d->lr > 0 ? d->lr : 0.01;
    if (isnan(c->momentum))
        c->momentum = d->momentum;
    if (isnan(c->weight_decay))
        c->weight_decay = d->weight_decay;
    if (!c->schedule)
        c->schedule = d->schedule ? d->schedule : "constant";
    if (strcmp(c->schedule, "constant") && strcmp(c->schedule, "cosine"))
        return cs_error_set(CS_EINVAL, "--lr-schedule: '%s' is not 'constant' or 'cosine'", c->schedule);
    p->cosine = !strcmp(c->schedule, "cosine");
    if (!(c->weight_decay >= 0.0) || !isfinite(c->weight_decay))
        return cs_error_set(CS_EINVAL, "--weight-decay %g must be a finite number >= 0", c->weight_decay);
    if (!(c->lr > 0.0) || !isfinite(c->lr))
        return cs_error_set(CS_EINVAL, "--lr %g must be a finite number > 0", c->lr);
    if (!(c->momentum >= 0.0 && c->momentum < 1.0))
        return cs_error_set(CS_EINVAL, "--momentum %g must be in [0, 1)", c->momentum);
    if (c->epochs > 1000000)
        return cs_error_set(CS_EINVAL, "--epochs %zu is more than 1000000", c->epochs);
    if (c->batch > 1000000)
        return cs_error_set(CS_EINVAL, "--batch %zu is more than 1000000", c->batch);
    return CS_OK;
}

/* ΣPI parameters, logging and threads: defaults and ranges. */
static cs_status resolve_run(cs_train_config *c)
{
    if (isnan(c->pi_alpha))
        c->pi_alpha = CS_SIGMAPI_ALPHA;
    if (isnan(c->pi_gamma))
        c->pi_gamma = CS_SIGMAPI_GAMMA;
    if (!(c->pi_alpha >= 0.0) || !isfinite(c->pi_alpha))
        return cs_error_set(CS_EINVAL, "--pi-alpha %g must be >= 0", c->pi_alpha);
    if (!(c->pi_gamma >= 0.0 && c->pi_gamma <= 1.0))
        return cs_error_set(CS_EINVAL, "--pi-gamma %g must be in [0, 1]", c->pi_gamma);
    if (!c->log_every)
        c->log_every = DEFAULT_LOG_EVERY;
    if (!c->probe_size)
        c->probe_size = DEFAULT_PROBE;
    if (c->threads < 0)
        return cs_error_set(CS_EINVAL, "--threads %d must be >= 0 (0 = all cores)", c->threads);
    c->threads = cs_threads_resolve(c->threads);
    if (!c->dataset_name)
        c->dataset_name = "";
    return CS_OK;
}

/* Layer sizes against the training data: default {dim, 100, classes},
 * input = features, one output unit per class (more would be classes that
 * never occur, almost surely a typo in --layers; fewer cannot be trained). */
static cs_status resolve_layers(cs_train_config *c, const cs_dataset *train)
{
    if (train->n == 0)
        return cs_error_set(CS_EINVAL, "the training set is empty");
    cs_status st = check_data(train, c->dataset_name, "training");
    if (st)
        return st;
    if (c->n_layers == 0) {
        c->n_layers = 3;
        c->sizes[0] = train->dim;
        c->sizes[1] = DEFAULT_HIDDEN;
        c->sizes[2] = train->classes;
    }
    if (c->sizes[0] != train->dim)
        return cs_error_set(CS_EINVAL, "--layers: the input layer has %zu units but the data have %zu features",
                            c->sizes[0], train->dim);
    if (c->n_layers >= 2 && c->sizes[c->n_layers - 1] != train->classes)
        return cs_error_set(CS_EINVAL,
                            "--layers: the output layer has %zu units but the labels go up to %zu (%zu classes)",
                            c->sizes[c->n_layers - 1], train->classes - 1, train->classes);
    return CS_OK;
}

/* The network and the rule built once and dropped, so bad layer sizes and
 * bad rule option values (checked by the rule's create) surface here as
 * CS_EINVAL rather than mid-run. */
static cs_status check_network(const train_plan *p)
{
    const cs_train_config *c = &p->c;
    cs_mlp *m;
    cs_status st = cs_mlp_create(c->sizes, c->n_layers, p->act, &m);
    if (st)
        return st;
    cs_rule *r;
    st = cs_rule_create(p->vt, m, c->rule_opts, c->n_rule_opts, c->seed, c->batch, &r);
    cs_rule_destroy(st ? NULL : r);
    cs_mlp_destroy(m);
    return st;
}

cs_status train_plan_resolve(const cs_train_config *in, const cs_dataset *train, train_plan *out)
{
    memset(out, 0, sizeof *out);
    out->c = *in;
    cs_status st = resolve_rule(in, &out->vt);
    if (!st)
        st = resolve_hyper(out);
    if (!st)
        st = resolve_run(&out->c);
    if (!st && train)
        st = resolve_layers(&out->c, train);
    if (st || (!train && out->c.n_layers == 0)) /* layers come from the data later */
        return st;
    return check_network(out);
}

cs_status cs_train_config_resolve(const cs_train_config *in, const cs_dataset *train, cs_train_config *out)
{
    train_plan p;
    cs_status st = train_plan_resolve(in, train, &p);
    *out = p.c;
    return st;
}

/* Labels of a split inside the network's output units (the training split's
 * classes were matched to the output layer by resolve_layers; a test split
 * may still hold a label beyond them). */
static cs_status check_labels(const cs_dataset *d, size_t classes, const char *split)
{
    for (size_t i = 0; i < d->n; i++)
        if (d->y[i] < 0 || (size_t)d->y[i] >= classes)
            return cs_error_set(CS_EINVAL, "%s label %d at row %zu is outside the %zu output units", split,
                                (int)d->y[i], i, classes);
    return CS_OK;
}

cs_status train_check_splits(const train_plan *p, const cs_dataset *train, const cs_dataset *test)
{
    size_t classes = p->c.sizes[p->c.n_layers - 1];
    cs_status st = check_data(test, p->c.dataset_name, "test");
    if (!st)
        st = check_labels(test, classes, "test");
    if (!st)
        st = check_labels(train, classes, "training");
    return st;
}
