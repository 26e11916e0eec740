/* cogscope estimate omega: Omega = Syn / I of a whole layer (the --x
 * columns) about a target (--y), continuous or discrete (--y-discrete);
 * library: cogscope/omega.h. Options, inputs and the JSON preamble shared
 * with the other estimate families are in estimate_common.c. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "commands.h"
#include "estimate_common.h"
#include "cogscope/json.h"
#include "cogscope/omega.h"

static const char *const CMD = "estimate";
static const cli_choice gc_forms[] = {{"model", 0}, {"mixture", 1}, {NULL, 0}};

typedef struct {
    est_opts eo;
    est_var x, y;
    int y_discrete, gc_mixture;
    uint64_t components, exact_units, surrogates, seed;
    double min_spd, mi_min;
    cs_omega_params par;
    cli_args args;
} opts;

#define O(member) offsetof(opts, member)

static const cli_opt options[] = {
    {.name = "Input:", .type = CLI_SECTION},
    {.type = CLI_INCLUDE, .sub = est_input_opts, .field = O(eo)},
    {"x", CLI_COLS, O(x.text), "COLS", .help = "0-based column list (\"0-99\") of the layer's units (required)"},
    {"y", CLI_COLS, O(y.text), "COLS", .help = "the target's column(s) (required)"},
    {"y-discrete", CLI_FLAG, O(y_discrete), NULL, .tag = CS_OPT_DISCRETE_VARS,
     .help = "the target is a class label (integer codes; several columns\nmake one joint label)"},
    {.name = "\nEstimator:", .type = CLI_SECTION},
    {"estimator", CLI_STRING, O(eo.est_text), "E", .help = "gaussian or gcopula (required)"},
    {"bias-correct", CLI_FLAG, O(eo.bias), NULL, .tag = CS_OPT_BIAS,
     .help = "analytic Gaussian bias correction of every entropy (default)"},
    {"no-bias-correct", CLI_CLEAR, O(eo.bias), NULL, .tag = CS_OPT_BIAS, .help = "plug-in values"},
    {"gc-form", CLI_ENUM, O(gc_mixture), "F", .choices = gc_forms, .def = "model",
     .help = "--y-discrete: model (class-conditional Gaussians, bias-corrected)\nor mixture (Gaussian mixture, "
             "no correction)"},
    {"components", CLI_U64, O(components), "K", .min = 1, .max = 32, .range = CLI_MIN | CLI_MAX,
     .help = "principal components kept per half of the layer and of\na continuous target (default 8)"},
    {"min-samples-per-dim", CLI_DOUBLE, O(min_spd), "X", .min = 0, .range = CLI_MIN | CLI_MIN_OPEN,
     .help = "fewer components until every class (discrete y) or the\nsample (continuous y) has X samples per "
             "dimension (default 5)"},
    {"mi-min", CLI_DOUBLE, O(mi_min), "X", .min = 0, .range = CLI_MIN,
     .help = "flag low_mi (omega null) below this I, nats (default 0.01)"},
    {"exact-units", CLI_U64, O(exact_units), "N", .min = 0, .max = 20, .range = CLI_MIN | CLI_MAX,
     .help = "exhaustive minimum-information bipartition up to N units,\nspectral bisection above (default 16)"},
    {"surrogates", CLI_U64, O(surrogates), "N", .min = 0, .max = 1000000, .range = CLI_MIN | CLI_MAX,
     .tag = CS_OPT_SURROGATES, .help = "permutation surrogates (target shuffled) for p (default 0)"},
    {"seed", CLI_U64, O(seed), "S", .help = "surrogate seed (default 1)"},
    {.name = "\nOutput:", .type = CLI_SECTION},
    {.type = CLI_INCLUDE, .sub = est_output_opts, .field = O(eo)},
    {0},
};

static const cli_command spec = {
    .cmd = CMD,
    .usage = "usage: cogscope estimate omega --input FILE --x COLS --y COLS [--y-discrete]\n"
             "                               --estimator gaussian|gcopula [--surrogates N] [OPTIONS]\n"
             "\n"
             "Omega = Syn(X1..Xn;Y) / I(X1..Xn;Y) of a whole layer (the --x columns) about the\n"
             "target Y: the layer is split at its minimum-information bipartition A | B, each\n"
             "half reduced to its principal components, and S = I(A,B;Y) - max(I(A;Y), I(B;Y))\n"
             "(MMI PID). A discrete target uses the class-conditional Gaussian model. Flags\n"
             "(low_mi, few_samples, singular) make omega null; docs/metrics.md has the method.\n"
             "\n",
    .opts = options,
};

/* The options, checked, into o->par: -1 to go on, else the exit code. */
static int parse(int argc, char **argv, opts *o)
{
    memset(o, 0, sizeof *o);
    est_opts_init(&o->eo, EST_BIT(CS_EST_GAUSSIAN) | EST_BIT(CS_EST_GCOPULA), 0);
    o->x.flag = "--x", o->y.flag = "--y";
    cs_omega_params_default(&o->par);
    o->components = o->par.max_components;
    o->exact_units = o->par.exact_max_units;
    o->min_spd = o->par.min_samples_per_dim;
    o->mi_min = o->par.mi_min;
    o->seed = o->par.seed;
    int rc = cli_parse(&spec, argc, argv, o, &o->args);
    if (rc >= 0)
        return rc;
    if ((rc = est_opts_estimator(CMD, &o->eo, "omega")))
        return rc;
    if (!o->eo.input)
        return cli_usage_error(CMD, "--input FILE is required");
    o->x.file = o->y.file = o->eo.input;
    if ((rc = est_var_parse(CMD, &o->x)) || (rc = est_var_parse(CMD, &o->y)))
        return rc;
    if (!o->x.cols || !o->y.cols)
        return cli_usage_error(CMD, "omega needs --x (the layer's units) and --y (the target)");
    for (size_t i = 0; i < o->x.ncols; i++)
        for (size_t k = 0; k < o->y.ncols; k++)
            if (o->x.cols[i] == o->y.cols[k])
                return cli_usage_error(CMD, "--y: column %zu is also in --x", o->y.cols[k]);
    o->par.est.estimator = o->eo.est;
    o->par.est.bias_correct = o->eo.bias;
    o->par.est.gc_mixture = o->gc_mixture;
    if (o->gc_mixture && !o->y_discrete)
        return cli_usage_error(CMD, "--gc-form is for a discrete target (--y-discrete)");
    o->par.est.threads = (int)o->eo.threads;
    o->par.max_components = (size_t)o->components;
    o->par.exact_max_units = (size_t)o->exact_units;
    o->par.min_samples_per_dim = o->min_spd;
    o->par.mi_min = o->mi_min;
    o->par.surrogates = (size_t)o->surrogates;
    o->par.seed = o->seed;
    return -1;
}

static cs_status compute(opts *o, cs_omega_result *r)
{
    cs_matrix data = {0};
    cs_status st = est_table_read(o->eo.input, &data);
    int xchecks = o->eo.strict ? EST_PRUNE | EST_STRICT : 0;
    if (!st)
        st = est_var_select(&o->x, data, xchecks, 0);
    if (!st)
        st = est_var_select(&o->y, data, o->y_discrete ? EST_SYMBOLS : 0, 0);
    if (!st && (st = cs_omega_layer(o->x.data, o->y.data, o->y_discrete ? CS_VAR_DISCRETE : CS_VAR_CONTINUOUS,
                                    &o->par, NULL, r)))
        cs_error_prefix("%s: ", o->eo.input);
    cs_matrix_free(&data);
    return st;
}

static void json_pair(cs_json *j, const char *key, double a, double b)
{
    double v[2] = {a, b};
    cs_json_key(j, key);
    cs_json_numbers(j, v, 2);
}

static void json_flags(cs_json *j, unsigned flags)
{
    cs_json_key(j, "flags");
    cs_json_begin_array(j);
    for (unsigned bit = 1; bit && cs_omega_flag_name(bit); bit <<= 1)
        if (flags & bit)
            cs_json_string(j, cs_omega_flag_name(bit));
    cs_json_end_array(j);
}

static void print_json(const opts *o, const cs_omega_result *r)
{
    double u = o->eo.to_unit;
    cs_json j;
    est_json_begin(&j, "omega", &o->eo);
    cs_json_kv_number(&j, "synergy", r->synergy * u);
    cs_json_kv_number(&j, "mi", r->mi * u);
    cs_json_kv_number(&j, "omega", r->omega);
    cs_json_kv_number(&j, "p", r->p_value);
    cs_json_kv_number(&j, "p_mi", r->p_mi);
    cs_json_kv_number(&j, "redundancy", r->redundancy * u);
    json_pair(&j, "unique", r->unique[0] * u, r->unique[1] * u);
    json_pair(&j, "mi_parts", r->mi_parts[0] * u, r->mi_parts[1] * u);
    cs_json_kv_number(&j, "null_synergy", r->null_synergy * u);
    cs_json_kv_number(&j, "null_omega", r->null_omega);
    cs_json_kv_int(&j, "surrogates", (long long)r->surrogates);
    json_flags(&j, r->flags);
    cs_json_key(&j, "meaningful");
    cs_json_bool(&j, !(r->flags & CS_OMEGA_MEANINGLESS));
    cs_json_kv_int(&j, "n", (long long)r->samples);
    if (o->y_discrete) {
        cs_json_kv_int(&j, "classes", (long long)r->classes);
        cs_json_kv_number(&j, "h_y", r->h_y * u);
    }
    cs_json_kv_int(&j, "layer_units", (long long)r->units);
    cs_json_kv_int(&j, "dropped_units", (long long)r->dropped);
    cs_json_key(&j, "parts");
    cs_json_ints(&j, (long long[]){(long long)r->part_units[0], (long long)r->part_units[1]}, 2);
    cs_json_key(&j, "components");
    cs_json_ints(&j, (long long[]){(long long)r->components[0], (long long)r->components[1]}, 2);
    if (!o->y_discrete)
        cs_json_kv_int(&j, "target_components", (long long)r->target_components);
    json_pair(&j, "variance_kept", r->variance_kept[0], r->variance_kept[1]);
    cs_json_kv_string(&j, "partition", r->exact_partition == 1 ? "exact" : "spectral");
    cs_json_kv_number(&j, "partition_mi", r->partition_mi * u);
    cs_json_key(&j, "params");
    cs_json_begin_object(&j);
    est_json_source(&j, &o->eo, o->eo.input);
    est_json_list(&j, "x", o->x.cols, o->x.ncols);
    est_json_list(&j, "y", o->y.cols, o->y.ncols);
    cs_json_key(&j, "y_discrete");
    cs_json_bool(&j, o->y_discrete);
    cs_json_key(&j, "bias_correct");
    cs_json_bool(&j, o->par.est.bias_correct != 0);
    if (o->y_discrete)
        cs_json_kv_string(&j, "gc_form", o->gc_mixture ? "mixture" : "model");
    cs_json_kv_int(&j, "components", (long long)o->par.max_components);
    cs_json_kv_number(&j, "min_samples_per_dim", o->par.min_samples_per_dim);
    cs_json_kv_number(&j, "mi_min", o->par.mi_min);
    cs_json_kv_int(&j, "exact_units", (long long)o->par.exact_max_units);
    cs_json_kv_int(&j, "seed", (long long)o->par.seed);
    cs_json_end_object(&j);
    cs_json_end_object(&j);
}

static void print_text(const opts *o, const cs_omega_result *r)
{
    double u = o->eo.to_unit;
    const char *un = o->eo.units;
    printf("omega (%s), %s, n = %zu, %zu units (%zu | %zu, %s bipartition), %zu + %zu components\n", o->eo.est_text,
           un, r->samples, r->units, r->part_units[0], r->part_units[1],
           r->exact_partition == 1 ? "exact" : "spectral", r->components[0], r->components[1]);
    printf("  synergy        %.10g\n", r->synergy * u);
    printf("  I(X;Y)         %.10g\n", r->mi * u);
    printf("  omega          %.10g\n", r->omega);
    printf("  I(A;Y) I(B;Y)  %.10g %.10g\n", r->mi_parts[0] * u, r->mi_parts[1] * u);
    printf("  redundancy     %.10g\n", r->redundancy * u);
    if (r->surrogates)
        printf("  p (synergy)    %.6g   p (I) %.6g   null synergy %.6g, null omega %.6g (%zu surrogates)\n",
               r->p_value, r->p_mi, r->null_synergy * u, r->null_omega, r->surrogates);
    for (unsigned bit = 1; bit && cs_omega_flag_name(bit); bit <<= 1)
        if (r->flags & bit)
            printf("  flag: %s%s\n", cs_omega_flag_name(bit),
                   (bit & CS_OMEGA_MEANINGLESS) ? " (omega is meaningless)" : "");
}

int cmd_estimate_omega(int argc, char **argv)
{
    opts o;
    int rc = parse(argc, argv, &o);
    if (rc < 0) {
        cs_omega_result r;
        cs_status st = compute(&o, &r);
        if (st)
            rc = cli_fail(CMD, st);
        else {
            if (o.eo.json)
                print_json(&o, &r);
            else
                print_text(&o, &r);
            rc = CLI_OK;
        }
    }
    est_var_free(&o.x);
    est_var_free(&o.y);
    return rc;
}
