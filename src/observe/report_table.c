/* The report metric table: for each metric key (a run-log series or a
 * metrics-file dataset, docs/report.md "Metric keys") its title, section,
 * how it is drawn and whether it is a summary column.
 *
 * This is the report side of the metric table that issue 11 puts into the
 * analysis (name, path, shape, units, meaning, function): units and
 * descriptions already come from the metrics file's dataset attributes, so
 * the entries here hold presentation only, and a name missing from the
 * table still appears everywhere through the generic entry. Order matters:
 * charts and summary columns follow it. */
#include <string.h>

#include "report_internal.h"

static const rm_section sections[] = {
    {"training", "Training", "Per-step series smoothed (EMA, docs/report.md) over a faint raw trace; held-out values "
                             "once per epoch (markers). Groups: mean across seeds with the 95 % t interval (band)."},
    {"layers", "Layers during training", "Per layer (line style): weight and update norms after each step, and the "
                                         "angle between the rule's update and the backprop gradient (0° = backprop)."},
    {"infoplane", "Information plane", "I(X;T) and I(T;Y) per layer at every probe snapshot."},
    {"integration", "Integration", "TC, DTC, S-information, TSE complexity and O-information of the units used "
                                   "(O > 0 redundancy-dominated, O < 0 synergy-dominated)."},
    {"oinfo", "O-information of random multiplets",
     "Median O-information of random triplets and quadruplets of units with the 5–95 % quantile band (the spread "
     "over multiplets, averaged over the group's runs), and the fraction of multiplets with O < 0."},
    {"pid", "Partial information decomposition about the label",
     "PID atoms of the top unit pairs by I(Xi,Xj;Y), mean over the pairs; Ω = synergy / I(Xi,Xj;Y)."},
    {"phiid", "Integrated information (ΦID)", "Φ_R = Φ_WMS + double redundancy of two principal components of the "
                                             "layer state, between consecutive snapshots and within relaxations."},
    {"relaxation", "Relaxation (EP, PC)", "Energy of the relaxation phase: at its last iteration for every "
                                          "snapshot, and along the iterations of the last relaxation."},
    {"significance", "Significance", "Permutation p-values (analyze --surrogates); the dashed line is p = 0.05."},
    {"spectra", "Spectra", "Welch PSD of the per-step series (log-log); χ of the aperiodic fit in the summary."},
    {"coherence", "Coherence", "Coherence between the mean activity of adjacent layers."},
    {"sigmapi", "ΣPI recomputed", "PI recomputed by the analysis (variant in the notes): per-epoch means and ∫PI "
                                  "windows."},
    {"other", "Other metrics", "Metrics without a table entry, drawn with their file units and descriptions."},
    {NULL, NULL, NULL},
};

#define S_(name, title, sec, fl) {name, title, sec, fl, RM_SUM_NONE, NULL, 0}

static const rm_def table[] = {
    /* training, from the run log */
    {"test_acc", "Held-out accuracy", "training", 0, RM_SUM_LAST, "final test accuracy", +1},
    S_("batch_acc", "Training batch accuracy", "training", RM_SMOOTH),
    S_("loss", "Training loss ε [nats]", "training", RM_SMOOTH),
    S_("test_loss", "Held-out loss [nats]", "training", 0),
    {"pi", "Predictive integrity PI", "training", RM_SMOOTH | RM_LOG_TOO, RM_SUM_MEAN, "mean PI", +1},
    S_("log_pi", "log PI", "training", RM_SMOOTH),
    S_("surprise", "Surprise S (gradient norm)", "training", RM_SMOOTH | RM_LOG_TOO),
    S_("tau", "Output entropy τ [nats]", "training", RM_SMOOTH),
    S_("lr", "Learning rate", "training", 0),
    S_("test_pi", "Held-out PI", "training", 0),
    S_("test_tau", "Held-out τ [nats]", "training", 0),
    S_("test_surprise", "Held-out S", "training", 0),
    {"sigmapi.integral", "∫PI", "sigmapi", 0, RM_SUM_SCALAR, "∫PI", +1},
    S_("sigmapi.mean", "Mean PI (recomputed)", "sigmapi", 0),
    /* layers during training */
    {"bp_angle_deg", "Angle to the backprop gradient [°]", "layers", RM_SMOOTH, RM_SUM_MEAN, "angle to bp [°]", -1},
    S_("weight_norm", "Weight norm", "layers", 0),
    S_("update_norm", "Update norm", "layers", RM_SMOOTH | RM_LOGY),
    /* analysis per snapshot */
    {"synergy_mean", "PID synergy, mean of the top pairs [nats]", "pid", 0, RM_SUM_LAST, "synergy (end)", 0},
    {"omega_mean", "Ω = synergy / I(pair;Y), mean of the top pairs", "pid", 0, RM_SUM_LAST, "Ω (end)", 0},
    S_("pid_synergy", "PID synergy per pair [nats]", "pid", RM_HIDDEN),
    S_("pid_redundancy", "PID redundancy, mean of the top pairs [nats]", "pid", 0),
    S_("pid_unique1", "PID unique (lower unit), mean of the top pairs [nats]", "pid", 0),
    S_("pid_unique2", "PID unique (higher unit), mean of the top pairs [nats]", "pid", 0),
    S_("pid_mi", "I(Xi,Xj;Y) of the top pairs, mean [nats]", "pid", 0),
    S_("pid_omega", "Ω per pair", "pid", RM_HIDDEN),
    {"snap_phi_r", "Φ_R between consecutive snapshots [nats]", "phiid", 0, RM_SUM_LAST, "Φ_R (end)", 0},
    S_("snap_phi_wms", "Φ_WMS between consecutive snapshots [nats]", "phiid", 0),
    S_("relax_phi_r", "Φ_R of the relaxation [nats]", "phiid", 0),
    S_("relax_phi_wms", "Φ_WMS of the relaxation [nats]", "phiid", 0),
    S_("snap_phiid_atoms_sts", "ΦID double synergy sts between snapshots [nats]", "phiid", 0),
    S_("snap_phiid_atoms_rtr", "ΦID double redundancy rtr between snapshots [nats]", "phiid", 0),
    S_("relax_phiid_atoms_sts", "ΦID double synergy sts of the relaxation [nats]", "phiid", 0),
    S_("relax_phiid_atoms_rtr", "ΦID double redundancy rtr of the relaxation [nats]", "phiid", 0),
    {"oinfo", "O-information [nats]", "integration", 0, RM_SUM_LAST, "O-info (end)", 0},
    S_("tc", "Total correlation TC [nats]", "integration", 0),
    S_("dtc", "Dual total correlation DTC [nats]", "integration", 0),
    S_("sinfo", "S-information [nats]", "integration", 0),
    S_("tse", "TSE complexity [nats]", "integration", 0),
    S_("ixt", "I(X;T), continuous [nats]", "infoplane", 0),
    S_("ity", "I(T;Y), continuous [nats]", "infoplane", 0),
    S_("ixt_binned", "I(X;T), binned [nats]", "infoplane", 0),
    S_("ity_binned", "I(T;Y), binned [nats]", "infoplane", 0),
    S_("oinfo3_median", "O-information of random triplets: median, 5–95 % band [nats]", "oinfo", RM_BAND_Q),
    S_("oinfo4_median", "O-information of random quadruplets: median, 5–95 % band [nats]", "oinfo", RM_BAND_Q),
    S_("oinfo3_frac_neg", "Fraction of triplets with O < 0", "oinfo", 0),
    S_("oinfo4_frac_neg", "Fraction of quadruplets with O < 0", "oinfo", 0),
    S_("oinfo3_mean", "O-information of random triplets, mean [nats]", "oinfo", RM_HIDDEN),
    S_("oinfo4_mean", "O-information of random quadruplets, mean [nats]", "oinfo", RM_HIDDEN),
    S_("oinfo3_q05", "O of triplets, 5 % quantile", "oinfo", RM_HIDDEN),
    S_("oinfo3_q95", "O of triplets, 95 % quantile", "oinfo", RM_HIDDEN),
    S_("oinfo4_q05", "O of quadruplets, 5 % quantile", "oinfo", RM_HIDDEN),
    S_("oinfo4_q95", "O of quadruplets, 95 % quantile", "oinfo", RM_HIDDEN),
    S_("oinfo3_count", "Triplets evaluated", "oinfo", RM_HIDDEN),
    S_("oinfo4_count", "Quadruplets evaluated", "oinfo", RM_HIDDEN),
    S_("relax_energy_final", "Energy at the end of each relaxation", "relaxation", 0),
    S_("relax_energy", "Energy along the last relaxation", "relaxation", RM_NO_CSV),
    S_("n_units", "Units used", "integration", RM_HIDDEN),
    S_("n_tse_units", "Units used for TSE", "integration", RM_HIDDEN),
    S_("spectra.loss.psd", "PSD of the loss", "spectra", RM_LOGX | RM_LOGY | RM_NO_CSV),
    S_("spectra.pi.psd", "PSD of PI", "spectra", RM_LOGX | RM_LOGY | RM_NO_CSV),
    S_("spectra.surprise.psd", "PSD of S", "spectra", RM_LOGX | RM_LOGY | RM_NO_CSV),
    S_("spectra.tau.psd", "PSD of τ", "spectra", RM_LOGX | RM_LOGY | RM_NO_CSV),
    /* spectra: summary columns (χ with its fit quality R²) */
    {"spectra.loss.exponent", "χ of the loss spectrum", "spectra", 0, RM_SUM_SCALAR, "loss 1/f^χ: χ", 0},
    {"spectra.loss.r_squared", "R² of the loss fit", "spectra", 0, RM_SUM_SCALAR, "χ fit R²", +1},
    {"spectra.pi.exponent", "χ of the PI spectrum", "spectra", 0, RM_SUM_SCALAR, "PI 1/f^χ: χ", 0},
    {"spectra.pi.r_squared", "R² of the PI fit", "spectra", 0, RM_SUM_SCALAR, "PI χ fit R²", +1},
    {NULL, NULL, NULL, 0, RM_SUM_NONE, NULL, 0},
};

/* Generic entries for names the table does not have. */
static const rm_def generic = {"", NULL, "other", 0, RM_SUM_NONE, NULL, 0};
static const rm_def generic_p = {"", NULL, "significance", RM_PVALUE, RM_SUM_NONE, NULL, 0};
static const rm_def generic_spectrum = {"", NULL, "spectra", RM_LOGX | RM_LOGY | RM_NO_CSV, RM_SUM_NONE, NULL, 0};
static const rm_def generic_coherence = {"", NULL, "coherence", RM_NO_CSV, RM_SUM_NONE, NULL, 0};
static const rm_def generic_hidden = {"", NULL, "other", RM_HIDDEN, RM_SUM_NONE, NULL, 0};
static const rm_def generic_sigmapi = {"", NULL, "sigmapi", 0, RM_SUM_NONE, NULL, 0};
static const rm_def generic_atoms = {"", NULL, "phiid", RM_HIDDEN, RM_SUM_NONE, NULL, 0};
static const rm_def generic_log = {"", NULL, "layers", RM_SMOOTH, RM_SUM_NONE, NULL, 0};

const rm_def *rm_table_find_log(const char *name)
{
    const rm_def *d = rm_table_find(name);
    return d == &generic ? &generic_log : d;
}

static int ends_with(const char *s, const char *suffix)
{
    size_t a = strlen(s), b = strlen(suffix);
    return a >= b && !strcmp(s + a - b, suffix);
}

const rm_def *rm_table_find(const char *name)
{
    for (size_t i = 0; table[i].name; i++)
        if (!strcmp(table[i].name, name))
            return &table[i];
    if (ends_with(name, "_p"))
        return &generic_p;
    if (strstr(name, "_phiid_atoms_")) /* the 14 other atoms: exported, not charted */
        return &generic_atoms;
    if (!strncmp(name, "spectra.", 8))
        return ends_with(name, ".psd") ? &generic_spectrum : &generic_hidden;
    if (!strncmp(name, "coherence.", 10))
        return ends_with(name, "_coherence") ? &generic_coherence : &generic_hidden;
    if (!strncmp(name, "sigmapi.", 8))
        return ends_with(name, ".pi") || ends_with(name, "_start") || ends_with(name, "_steps") ? &generic_hidden
                                                                                                : &generic_sigmapi;
    return &generic;
}

const rm_def *rm_table_at(size_t i)
{
    return i < sizeof table / sizeof table[0] - 1 ? &table[i] : NULL;
}

const rm_section *rm_section_at(size_t i)
{
    return i < sizeof sections / sizeof sections[0] - 1 ? &sections[i] : NULL;
}
