/* Training throughput of every learning rule, as a ratio to backprop in the
 * same run (driven by bench_rules.sh, which also trains each rule to
 * convergence for the accuracy table).
 *
 *   bench_rules [--data SET] [--data-dir DIR] [--layers N,N,...] [--batch B]
 *               [--steps S] [--repeats R] [--rules bp,fa,...] [--activation A]
 *
 * Defaults: Fashion-MNIST, 784,500,10, batch 32, 100 steps, best of 3.
 * Timed per rule: `steps` minibatches of rule step (its update direction,
 * with the rule's own relaxation/perturbation/label passes and default
 * hyper-parameters) plus the SGD update, on the same consecutive batches for
 * every rule, in rounds over all rules after one untimed warm-up round
 * (thread pools, page faults);
 * gathering the batches is outside the timer. Every rule uses the same
 * hidden activation (default relu, as in the Fashion-MNIST accuracy table)
 * except EP, which needs the hard sigmoid: an activation's cost is not the
 * rule's (PC evaluates it once per inference step). Each rule keeps its
 * best round, as the machine is shared. OpenBLAS/OpenMP threads follow
 * the environment. Prints a table and one JSON object per rule. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cogscope/dataset.h"
#include "cogscope/optim.h"
#include "cogscope/rng.h"
#include "cogscope/rule.h"

#ifndef COGSCOPE_BENCH_DATASETS
#define COGSCOPE_BENCH_DATASETS "datasets" /* digits.csv.gz, relative to the repository root */
#endif

static int die(const char *what)
{
    fprintf(stderr, "bench_rules: %s: %s\n", what, cs_last_error());
    return 1;
}

int main(int argc, char **argv)
{
    const char *data = "fashion-mnist", *data_dir = NULL, *layers = "784,500,10", *only = NULL;
    const char *act_name = "relu";
    size_t batch = 32, steps = 100;
    int repeats = 3;
    for (int i = 1; i + 1 < argc; i += 2) {
        if (!strcmp(argv[i], "--data"))
            data = argv[i + 1];
        else if (!strcmp(argv[i], "--data-dir"))
            data_dir = argv[i + 1];
        else if (!strcmp(argv[i], "--layers"))
            layers = argv[i + 1];
        else if (!strcmp(argv[i], "--batch"))
            batch = strtoull(argv[i + 1], NULL, 10);
        else if (!strcmp(argv[i], "--steps"))
            steps = strtoull(argv[i + 1], NULL, 10);
        else if (!strcmp(argv[i], "--repeats"))
            repeats = atoi(argv[i + 1]);
        else if (!strcmp(argv[i], "--rules"))
            only = argv[i + 1];
        else if (!strcmp(argv[i], "--activation"))
            act_name = argv[i + 1];
        else {
            fprintf(stderr, "bench_rules: unknown option %s\n", argv[i]);
            return 2;
        }
    }
    if (batch == 0 || steps == 0 || repeats < 1) {
        fprintf(stderr, "bench_rules: --batch, --steps and --repeats must be >= 1\n");
        return 2;
    }
    size_t sizes[CS_MLP_MAX_LAYERS], n_layers = 0;
    for (const char *p = layers; *p && n_layers < CS_MLP_MAX_LAYERS;) {
        sizes[n_layers++] = strtoull(p, (char **)&p, 10);
        if (*p == ',')
            p++;
    }
    cs_dataset_options o;
    cs_dataset_options_default(&o);
    o.data_dir = data_dir;
    o.bundled_dir = COGSCOPE_BENCH_DATASETS;
    cs_dataset tr, te;
    if (cs_dataset_load(data, &o, &tr, &te))
        return die(data);
    if (steps * batch > tr.n)
        steps = tr.n / batch;
    double *x = malloc(steps * batch * tr.dim * sizeof(double));
    int32_t *y = malloc(steps * batch * sizeof(int32_t));
    size_t *idx = malloc(steps * batch * sizeof(size_t));
    if (!x || !y || !idx)
        return die("allocation");
    for (size_t i = 0; i < steps * batch; i++)
        idx[i] = i;
    cs_dataset_gather(&tr, idx, steps * batch, x, y);

    /* Rounds over all rules (round 0 is an untimed warm-up), so every rule
     * sees the same background load; each keeps its best round. */
    size_t nr = 0;
    const cs_rule_vtable *vts[32];
    cs_mlp *nets[32];
    double best[32];
    for (size_t ri = 0; ri < cs_rule_count() && nr < 32; ri++) {
        const cs_rule_vtable *vt = cs_rule_at(ri);
        if (only && !strstr(only, vt->name))
            continue;
        cs_activation act;
        if (cs_activation_parse(!strcmp(vt->name, "ep") ? "hardsigmoid" : act_name, &act))
            return die("activation");
        if (cs_mlp_create(sizes, n_layers, act, &nets[nr]))
            return die("network");
        vts[nr] = vt;
        best[nr++] = 1e300;
    }
    double *dir = malloc(nets[0]->n_params * sizeof(double));
    double *logits = malloc(batch * sizes[n_layers - 1] * sizeof(double));
    double series[64];
    for (int rep = -1; rep < repeats; rep++)
        for (size_t i = 0; i < nr; i++) {
            cs_mlp *m = nets[i];
            cs_rng *rng;
            cs_rng_create(1, &rng);
            cs_mlp_init(m, rng);
            cs_rng_destroy(rng);
            cs_rule *r;
            if (cs_rule_create(vts[i], m, NULL, 0, 1, batch, &r))
                return die(vts[i]->name);
            cs_optim_config oc;
            cs_optim_config_default(&oc);
            cs_optim *opt;
            cs_optim_create(&oc, m->n_params, &opt);
            double t0 = cs_time_now();
            for (size_t s = 0; s < steps; s++) {
                cs_rule_batch b = {.x = x + s * batch * tr.dim,
                                   .labels = y + s * batch,
                                   .rows = batch,
                                   .direction = dir,
                                   .logits = logits,
                                   .layer_series = series};
                if (cs_rule_step(r, m, &b))
                    return die(vts[i]->name);
                cs_optim_step(opt, m->params, dir, 1e-3, NULL);
            }
            double t = cs_time_now() - t0;
            if (rep >= 0 && t < best[i])
                best[i] = t;
            cs_optim_destroy(opt);
            cs_rule_destroy(r);
        }
    printf("%-5s %12s %10s   (%s, layers %s, batch %zu, %zu steps, best of %d rounds)\n", "rule", "samples/s",
           "ratio_bp", data, layers, batch, steps, repeats);
    double bp_rate = 0.0;
    for (size_t i = 0; i < nr; i++)
        if (!strcmp(vts[i]->name, "bp"))
            bp_rate = (double)(steps * batch) / best[i];
    for (size_t i = 0; i < nr; i++) {
        double rate = (double)(steps * batch) / best[i], ratio = bp_rate > 0 ? rate / bp_rate : NAN;
        printf("%-5s %12.0f %10.3f\n", vts[i]->name, rate, ratio);
        fprintf(stderr, "{\"rule\":\"%s\",\"samples_per_second\":%.1f,\"ratio_to_bp\":%.4f}\n", vts[i]->name, rate,
                ratio);
        cs_mlp_destroy(nets[i]);
    }
    free(dir);
    free(logits);
    free(x);
    free(y);
    free(idx);
    cs_dataset_free(&tr);
    cs_dataset_free(&te);
    return 0;
}
