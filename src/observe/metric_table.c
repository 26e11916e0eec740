/* The metric table: every metric `cogscope analyze` writes, and the run-log
 * series the report draws beside them (metric_table.h says what an entry
 * holds; docs/architecture.md, "Metric table", how to add one). Finding
 * entries by name or path, writing and reading them, and the public and
 * report views are in metric_lookup.c.
 *
 * Order matters only for reports: within an HTML section the charts of the
 * entries with a title follow the table, the summary columns follow it, and
 * so do the within-run means (the entries with `within`: run-level first,
 * then per layer). Entries without a title are charted after those, in the
 * order the metrics file holds them, with the file's description. */
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "analyze_internal.h"
#include "metric_table.h"

const char *const obs_spectra_series[4] = {"loss", "pi", "surprise", "tau"};

/* ---- report sections, in order ---- */

static const rm_section sections[] = {
    {"training", "Training",
     "Per-step series smoothed (EMA, docs/report.md) over a faint raw trace; held-out values "
     "once per epoch (markers). Groups: mean across seeds with the 95 % t interval (band)."},
    {"layers", "Layers during training",
     "Per layer (line style): weight and update norms after each step, and the "
     "angle between the rule's update and the backprop gradient (0° = backprop)."},
    {"infoplane", "Information plane", "I(X;T) and I(T;Y) per layer at every probe snapshot."},
    {"integration", "Integration",
     "TC, DTC, S-information, TSE complexity and O-information of the units used "
     "(O > 0 redundancy-dominated, O < 0 synergy-dominated)."},
    {"oinfo", "O-information of random multiplets",
     "Median O-information of random triplets and quadruplets of units with the 5–95 % quantile band (the spread "
     "over multiplets, averaged over the group's runs), and the fraction of multiplets with O < 0."},
    {"pid", "Partial information decomposition about the label",
     "PID atoms of the top unit pairs by I(Xi,Xj;Y), mean over the pairs; Ω = synergy / I(Xi,Xj;Y)."},
    {"omega", "Ω of whole layers",
     "Ω = synergy / I of each layer as a whole (its minimum-information bipartition, principal components, MMI "
     "PID) about the label and about the next layer's state; blank where flagged meaningless "
     "(docs/metrics.md)."},
    {"phiid", "Integrated information (ΦID)",
     "Φ_R = Φ_WMS + double redundancy of two principal components of the "
     "layer state, between consecutive snapshots and within relaxations."},
    {"relaxation", "Relaxation (EP, PC)",
     "Energy of the relaxation phase: at its last iteration for every "
     "snapshot, and along the iterations of the last relaxation."},
    {"teaching", "The teaching signal",
     "What each layer's error signal δ (the rule's `errors`) carries: about the label, I(δ;Y); about the "
     "layer's activity, I(T;δ); in common with backprop's δ, I(δ;δ_BP) (train --reference-errors); what "
     "activity and teaching signal say about the label only together (PID synergy); Ω of δ itself. "
     "analyze --metrics teaching."},
    {"plane", "PI × Ω plane",
     "Training PI (mean of the logged per-step PI since the previous snapshot) and held-out PI (the latest "
     "evaluation) at every snapshot, their gap, and each layer's trajectory in the (Ω, PI) plane with its four "
     "quadrants (thresholds: report --plane-pi, --plane-omega; docs/ipwt.md)."},
    {"teachnorm", "Teaching signal over training: norms and variance",
     "Mean norm of each layer's teaching signal (the logged errors) over the probe samples and the mean "
     "activation variance of its units, per snapshot; their spectra are in Spectra, the coherence between "
     "layers' error norms in Coherence."},
    {"significance", "Significance", "Permutation p-values (analyze --surrogates); the dashed line is p = 0.05."},
    {"spectra", "Spectra", "Welch PSD of the per-step series (log-log); χ of the aperiodic fit in the summary."},
    {"coherence", "Coherence", "Coherence between the mean activity of adjacent layers."},
    {"sigmapi", "ΣPI recomputed",
     "PI recomputed by the analysis (variant in the notes): per-epoch means and ∫PI "
     "windows."},
    {"other", "Other metrics", "Metrics without a table entry, drawn with their file units and descriptions."},
    {NULL, NULL, NULL},
};

/* ---- shorthands ---- */

/* A run-log series the report draws (not computed by the analysis). */
#define LOG_(key, title_, sec, draw_)                                                                                \
    {                                                                                                                \
        key, .shape = OBS_SHAPE_LOG, .title = title_, .section = sec, .draw = draw_                                  \
    }
/* A series the report derives from a metric (a column, a mean, an instance). */
#define VIEW_(key, title_, sec, draw_)                                                                               \
    {                                                                                                                \
        key, .shape = OBS_SHAPE_VIEW, .title = title_, .section = sec, .draw = draw_                                 \
    }
/* A metric of a snapshot task: its values go to field F of the task's row R. */
#define SNAP_(key, task_, R, F) .name = key, .path = "layers/{layer}/" key, .task = &task_, .field = offsetof(R, F)
#define PRESENT_(title_, sec, draw_) .title = title_, .section = sec, .draw = draw_
#define SUMMARY_(stat, head, better) .summary = stat, .summary_title = head, .higher_is = better
#define SIGMAPI_(leaf)                                                                                               \
    .name = "sigmapi." leaf, .path = "sigmapi/" leaf, .task = &obs_task_sigmapi, .group = CS_OBS_SIGMAPI
#define SPECTRUM_(leaf)                                                                                              \
    .name = "spectra.{series}." leaf, .path = "spectra/{series}/" leaf, .task = &obs_task_spectra,                   \
    .group = CS_OBS_SPECTRA

static const obs_metric table[] = {
    /* ---- training, from the run log ---- */
    {"test_acc", .shape = OBS_SHAPE_LOG, PRESENT_("Held-out accuracy", "training", 0),
     SUMMARY_(RM_SUM_LAST, "final test accuracy", +1)},
    LOG_("batch_acc", "Training batch accuracy", "training", RM_SMOOTH),
    LOG_("loss", "Training loss ε [nats]", "training", RM_SMOOTH),
    LOG_("test_loss", "Held-out loss [nats]", "training", 0),
    {"pi", .shape = OBS_SHAPE_LOG, PRESENT_("Predictive integrity PI", "training", RM_SMOOTH | RM_LOG_TOO),
     SUMMARY_(RM_SUM_MEAN, "mean PI", +1)},
    LOG_("log_pi", "log PI", "training", RM_SMOOTH),
    LOG_("surprise", "Surprise S (gradient norm)", "training", RM_SMOOTH | RM_LOG_TOO),
    LOG_("tau", "Output entropy τ [nats]", "training", RM_SMOOTH),
    LOG_("lr", "Learning rate", "training", 0),
    LOG_("test_pi", "Held-out PI", "training", 0),
    LOG_("test_tau", "Held-out τ [nats]", "training", 0),
    LOG_("test_surprise", "Held-out S", "training", 0),

    /* ---- ΣPI recomputed (analyze_sigmapi.c) ---- */
    {SIGMAPI_("step"), .shape = OBS_SHAPE_STEPS, .units = "steps", .description = "training step of each PI value"},
    {SIGMAPI_("pi"), .shape = OBS_SHAPE_STEPS, .units = "1", .within = "steps", .within_key = "sigmapi/mean",
     .description = "PI recomputed per step, variant VARIANT (alpha A, gamma G[, EMA-smoothed])"},
    {SIGMAPI_("log_pi"), .shape = OBS_SHAPE_STEPS, .units = "nats",
     .description = "ln PI per step, computed in the log domain (finite where PI underflows to 0 below ln PI = "
                    "-745.13)"},
    {SIGMAPI_("pi_at_bounds"), .shape = OBS_SHAPE_TWO, .units = "steps",
     .description = "steps where PI is exactly 0 (exp underflow; see log_pi) and exactly 1 in double"},
    {SIGMAPI_("logged_max_abs_diff"), .shape = OBS_SHAPE_SCALAR, .units = "1",
     .description = "max |PI recomputed - PI logged| (sigmapi variant with the run's alpha, gamma; else NaN)"},
    {SIGMAPI_("epoch"), .shape = OBS_SHAPE_EPOCHS, .units = "epochs", .description = "epoch of each per-epoch mean"},
    {SIGMAPI_("epoch_mean"), .shape = OBS_SHAPE_EPOCHS, .units = "1", .description = "mean PI of the epoch's steps"},
    {SIGMAPI_("window_start"), .shape = OBS_SHAPE_WINDOWS, .units = "steps",
     .description = "first step of each ∫PI window"},
    {SIGMAPI_("window_steps"), .shape = OBS_SHAPE_WINDOWS, .units = "steps",
     .description = "steps in each ∫PI window"},
    {SIGMAPI_("window_mean"), .shape = OBS_SHAPE_WINDOWS, .units = "1", .description = "mean PI of each window"},
    {SIGMAPI_("window_var"), .shape = OBS_SHAPE_WINDOWS, .units = "1",
     .description = "variance of PI in each window (divisor n)"},
    {SIGMAPI_("window_integral"), .shape = OBS_SHAPE_WINDOWS, .units = "1",
     .description = "∫PI = mean(PI) exp(-delta Var(PI)) of each window"},
    {SIGMAPI_("integral"), .shape = OBS_SHAPE_SCALAR, .units = "1", .description = "∫PI over the whole run",
     PRESENT_("∫PI", "sigmapi", 0), SUMMARY_(RM_SUM_SCALAR, "∫PI", +1)},
    {SIGMAPI_("mean"), .shape = OBS_SHAPE_SCALAR, .units = "1", .description = "mean PI over the whole run",
     PRESENT_("Mean PI (recomputed)", "sigmapi", 0)},

    /* ---- IPWT: PI per snapshot (obs_task_plane) and the teaching signal over training (obs_task_teach_osc),
     * analyze_ipwt.c; the PI x Omega plane is drawn by report_plane.c ---- */
    {.name = "plane.step",
     .path = "plane/step",
     .shape = OBS_SHAPE_SNAP,
     .units = "steps",
     .task = &obs_task_plane,
     .group = CS_OBS_SIGMAPI,
     .description = "training step of each snapshot"},
    {.name = "plane.pi_train",
     .path = "plane/pi_train",
     .shape = OBS_SHAPE_SNAP,
     .units = "1",
     .task = &obs_task_plane,
     .group = CS_OBS_SIGMAPI,
     .description = "training PI at each snapshot: mean of the logged per-step PI over the steps since the "
                    "previous snapshot",
     PRESENT_("Training PI at the snapshots", "plane", 0)},
    {.name = "plane.pi_eval",
     .path = "plane/pi_eval",
     .shape = OBS_SHAPE_SNAP,
     .units = "1",
     .task = &obs_task_plane,
     .group = CS_OBS_SIGMAPI,
     .description = "held-out PI at each snapshot: the latest /eval/pi of the network at most one update after "
                    "the snapshot's (NaN before the first evaluation)",
     PRESENT_("Held-out PI at the snapshots", "plane", 0)},
    {.name = "plane.pi_gap",
     .path = "plane/pi_gap",
     .shape = OBS_SHAPE_SNAP,
     .units = "1",
     .task = &obs_task_plane,
     .group = CS_OBS_SIGMAPI,
     .description = "generalisation gap pi_train - pi_eval at each snapshot",
     PRESENT_("Generalisation gap: training PI − held-out PI", "plane", 0)},
    {.name = "plane.eval_step",
     .path = "plane/eval_step",
     .shape = OBS_SHAPE_SNAP,
     .units = "steps",
     .task = &obs_task_plane,
     .group = CS_OBS_SIGMAPI,
     .description = "step of the evaluation pi_eval comes from (updates done when it was taken)",
     PRESENT_("Step of the evaluation behind the held-out PI", "plane", RM_HIDDEN)},
    {.name = "error_norm",
     .path = "layers/{layer}/error_norm",
     .shape = OBS_SHAPE_SNAP,
     .units = "loss/state",
     .task = &obs_task_teach_osc,
     .group = CS_OBS_SPECTRA,
     .description = "mean over the probe samples of the L2 norm of the layer's teaching signal (errors)",
     PRESENT_("Teaching-signal norm, mean over the probe samples", "teachnorm", RM_LOG_TOO)},
    {.name = "act_var",
     .path = "layers/{layer}/act_var",
     .shape = OBS_SHAPE_SNAP,
     .units = "state^2",
     .task = &obs_task_teach_osc,
     .group = CS_OBS_SPECTRA,
     .description = "mean over the layer's units of the activation variance across the probe samples (divisor N)",
     PRESENT_("Activation variance, mean over the units", "teachnorm", 0)},
    {.name = "coherence.{pair}.error_norm_freq",
     .path = "coherence/{pair}/error_norm_freq",
     .shape = OBS_SHAPE_FREQS,
     .units = "cycles/step",
     .task = &obs_task_teach_osc,
     .group = CS_OBS_SPECTRA,
     .description = "frequencies of the error-norm coherence (uniformly spaced snapshots)"},
    {.name = "coherence.{pair}.error_norm_coherence",
     .path = "coherence/{pair}/error_norm_coherence",
     .shape = OBS_SHAPE_FREQS,
     .units = "1",
     .task = &obs_task_teach_osc,
     .group = CS_OBS_SPECTRA,
     .description = "magnitude-squared coherence of the two layers' error-norm series (Welch, hann, linear detrend)"},
    {.name = "coherence.{pair}.error_norm_threshold",
     .path = "coherence/{pair}/error_norm_threshold",
     .shape = OBS_SHAPE_SCALAR,
     .units = "1",
     .task = &obs_task_teach_osc,
     .group = CS_OBS_SPECTRA,
     .description = "coherence a frequency must exceed: independence rejected at family-wise 0.05 over the "
                    "positive frequencies (NaN: one segment)"},
    {.name = "coherence.{pair}.error_norm_max",
     .path = "coherence/{pair}/error_norm_max",
     .shape = OBS_SHAPE_SCALAR,
     .units = "1",
     .task = &obs_task_teach_osc,
     .group = CS_OBS_SPECTRA,
     .description = "largest error-norm coherence over the positive frequencies"},
    {.name = "coherence.{pair}.error_norm_max_at",
     .path = "coherence/{pair}/error_norm_max_at",
     .shape = OBS_SHAPE_SCALAR,
     .units = "cycles/step",
     .task = &obs_task_teach_osc,
     .group = CS_OBS_SPECTRA,
     .description = "frequency of error_norm_max"},
    {.name = "coherence.{pair}.error_norm_n_significant",
     .path = "coherence/{pair}/error_norm_n_significant",
     .shape = OBS_SHAPE_SCALAR,
     .units = "frequencies",
     .task = &obs_task_teach_osc,
     .group = CS_OBS_SPECTRA,
     .description = "positive frequencies whose error-norm coherence exceeds error_norm_threshold"},

    /* ---- layers during training, from the run log ---- */
    {"bp_angle_deg", .shape = OBS_SHAPE_LOG, PRESENT_("Angle to the backprop gradient [°]", "layers", RM_SMOOTH),
     SUMMARY_(RM_SUM_MEAN, "angle to bp [°]", -1)},
    LOG_("weight_norm", "Weight norm", "layers", 0),
    LOG_("update_norm", "Update norm", "layers", RM_SMOOTH | RM_LOGY),

    /* ---- the snapshots (analyze_snapshots.c) ---- */
    {.name = "snapshot_step",
     .path = "snapshot_step",
     .shape = OBS_SHAPE_SNAP,
     .units = "steps",
     .description = "training step of each snapshot",
     .task = &obs_task_snapshots,
     .group = CS_OBS_NEEDS_SNAPSHOTS},

    /* ---- PID of the top unit pairs (obs_task_pid); ΦID between snapshots (obs_task_phiid) and of the
     * relaxation (obs_task_relax_phiid) ---- */
    {SNAP_("synergy_mean", obs_task_pid, obs_pid_row, synergy_mean), .shape = OBS_SHAPE_SNAP, .units = "nats",
     .group = CS_OBS_PID, .description = "mean PID synergy over the top pairs",
     PRESENT_("PID synergy, mean of the top pairs [nats]", "pid", 0), SUMMARY_(RM_SUM_LAST, "synergy (end)", 0)},
    {SNAP_("omega_mean", obs_task_pid, obs_pid_row, omega_mean), .shape = OBS_SHAPE_SNAP, .units = "1",
     .group = CS_OBS_PID, .description = "mean Omega over the top pairs",
     PRESENT_("Ω = synergy / I(pair;Y), mean of the top pairs", "pid", 0), SUMMARY_(RM_SUM_LAST, "Ω (end)", 0)},
    {SNAP_("snap_phi_r", obs_task_phiid, obs_phiid_row, phi_r), .shape = OBS_SHAPE_SNAP, .units = "nats",
     .group = CS_OBS_PHIID, .description = "Phi_R between snapshot s-1 and s",
     PRESENT_("Φ_R between consecutive snapshots [nats]", "phiid", 0), SUMMARY_(RM_SUM_LAST, "Φ_R (end)", 0)},
    {SNAP_("snap_phi_wms", obs_task_phiid, obs_phiid_row, phi_wms), .shape = OBS_SHAPE_SNAP, .units = "nats",
     .group = CS_OBS_PHIID, .description = "Phi_WMS between snapshot s-1 and s (2 principal components; s = 0: NaN)",
     PRESENT_("Φ_WMS between consecutive snapshots [nats]", "phiid", 0)},
    {.name = "relax_phi_r",
     .path = "layers/{layer}/relax_phi_r",
     .shape = OBS_SHAPE_RELAX,
     .units = "nats",
     .task = &obs_task_relax_phiid,
     .group = CS_OBS_PHIID,
     .description = "Phi_R of the relaxation",
     .within = "relaxations",
     .within_key = "relax_phi_r_mean",
     PRESENT_("Φ_R of the relaxation [nats]", "phiid", 0)},
    {.name = "relax_phi_wms",
     .path = "layers/{layer}/relax_phi_wms",
     .shape = OBS_SHAPE_RELAX,
     .units = "nats",
     .task = &obs_task_relax_phiid,
     .group = CS_OBS_PHIID,
     .description = "Phi_WMS of the relaxation (2 principal components, iteration t -> t+1)",
     PRESENT_("Φ_WMS of the relaxation [nats]", "phiid", 0)},
    {.name = "relax_phiid_atoms",
     .path = "layers/{layer}/relax_phiid_atoms",
     .shape = OBS_SHAPE_RELAX_ATOMS,
     .units = "nats",
     .task = &obs_task_relax_phiid,
     .group = CS_OBS_PHIID,
     .description = "16 PhiID atoms of the relaxation"},
    {SNAP_("pid_pairs", obs_task_pid, obs_pid_row, pairs), .shape = OBS_SHAPE_SNAP_PAIR_UNITS, .units = "index",
     .group = CS_OBS_PID, .description = "top unit pairs by joint MI with the label"},
    {SNAP_("pid_synergy", obs_task_pid, obs_pid_row, synergy), .shape = OBS_SHAPE_SNAP_PAIRS, .units = "nats",
     .group = CS_OBS_PID, .description = "PID synergy of each top pair",
     PRESENT_("PID synergy per pair [nats]", "pid", RM_HIDDEN)},
    {SNAP_("pid_redundancy", obs_task_pid, obs_pid_row, redundancy), .shape = OBS_SHAPE_SNAP_PAIRS, .units = "nats",
     .group = CS_OBS_PID, .description = "PID redundancy of each top pair",
     PRESENT_("PID redundancy, mean of the top pairs [nats]", "pid", 0)},
    {SNAP_("pid_unique1", obs_task_pid, obs_pid_row, unique1), .shape = OBS_SHAPE_SNAP_PAIRS, .units = "nats",
     .group = CS_OBS_PID, .description = "PID unique information of the first unit",
     PRESENT_("PID unique (lower unit), mean of the top pairs [nats]", "pid", 0)},
    {SNAP_("pid_unique2", obs_task_pid, obs_pid_row, unique2), .shape = OBS_SHAPE_SNAP_PAIRS, .units = "nats",
     .group = CS_OBS_PID, .description = "PID unique information of the second unit",
     PRESENT_("PID unique (higher unit), mean of the top pairs [nats]", "pid", 0)},
    {SNAP_("pid_mi", obs_task_pid, obs_pid_row, mi), .shape = OBS_SHAPE_SNAP_PAIRS, .units = "nats",
     .group = CS_OBS_PID, .description = "I(Xi,Xj;Y) of each top pair",
     PRESENT_("I(Xi,Xj;Y) of the top pairs, mean [nats]", "pid", 0)},
    {SNAP_("pid_omega", obs_task_pid, obs_pid_row, omega), .shape = OBS_SHAPE_SNAP_PAIRS, .units = "1",
     .group = CS_OBS_PID, .description = "Omega = synergy / I(Xi,Xj;Y) of each top pair", .within = "top pairs",
     .within_key = "omega_mean_last", PRESENT_("Ω per pair", "pid", RM_HIDDEN)},
    {SNAP_("snap_phiid_atoms", obs_task_phiid, obs_phiid_row, atoms), .shape = OBS_SHAPE_SNAP_ATOMS, .units = "nats",
     .group = CS_OBS_PHIID, .description = "16 PhiID atoms (rtr rtx ... sts) between snapshot s-1 and s"},
    VIEW_("snap_phiid_atoms_sts", "ΦID double synergy sts between snapshots [nats]", "phiid", 0),
    VIEW_("snap_phiid_atoms_rtr", "ΦID double redundancy rtr between snapshots [nats]", "phiid", 0),
    VIEW_("relax_phiid_atoms_sts", "ΦID double synergy sts of the relaxation [nats]", "phiid", 0),
    VIEW_("relax_phiid_atoms_rtr", "ΦID double redundancy rtr of the relaxation [nats]", "phiid", 0),

/* ---- Omega of the whole layer (obs_task_omega, layer_omega.c): about the label, about the next layer ---- */
#define OMEGA_(key, F) SNAP_(key, obs_task_omega, obs_omega_row, F), .shape = OBS_SHAPE_SNAP, .group = CS_OBS_PID
#define OMEGA_FLAGS_DESC                                                                                             \
    " (sum of: 1 low_mi, 2 few_samples, 4 singular: Omega NaN; 8 I above H(Y) (class model), 16 components "         \
    "truncated, "                                                                                                    \
    "32 constant units dropped)"
    {OMEGA_("layer_omega", omega), .units = "1",
     .description = "Omega = Syn/I of the whole layer about the label (minimum-information bipartition, principal "
                    "components, MMI PID; NaN when flagged meaningless)",
     PRESENT_("Ω of the layer about the label", "omega", 0)},
    {OMEGA_("layer_omega_synergy", synergy), .units = "nats",
     .description = "synergy of the layer's two halves about the label (layer_omega's numerator)",
     PRESENT_("Layer synergy about the label [nats]", "omega", 0)},
    {OMEGA_("layer_omega_mi", mi), .units = "nats",
     .description = "I(layer; label) of the components kept (layer_omega's denominator)",
     PRESENT_("I(layer; label), layer Ω [nats]", "omega", 0)},
    {OMEGA_("layer_omega_p", p), .units = "1", .when = OBS_WHEN_SURROGATES,
     .description = "permutation p-value of layer_omega_synergy (labels shuffled)"},
    {OMEGA_("layer_omega_flags", flags), .units = "flags", .description = "flags of layer_omega" OMEGA_FLAGS_DESC,
     PRESENT_("Flags of layer Ω", "omega", RM_HIDDEN)},
    {OMEGA_("next_omega", next_omega), .units = "1",
     .description = "Omega = Syn/I of the whole layer about the next layer's state (Gaussian; NaN for the last "
                    "layer and when flagged meaningless)",
     PRESENT_("Ω of the layer about the next layer", "omega", 0)},
    {OMEGA_("next_omega_synergy", next_synergy), .units = "nats",
     .description = "synergy of the layer's two halves about the next layer's state",
     PRESENT_("Layer synergy about the next [nats]", "omega", 0)},
    {OMEGA_("next_omega_mi", next_mi), .units = "nats",
     .description = "I(layer; next layer) of the components kept (next_omega's denominator)",
     PRESENT_("I(layer; next layer) [nats]", "omega", 0)},
    {OMEGA_("next_omega_p", next_p), .units = "1", .when = OBS_WHEN_SURROGATES,
     .description = "permutation p-value of next_omega_synergy (next layer's rows shuffled)"},
    {OMEGA_("next_omega_flags", next_flags), .units = "flags", .description = "flags of next_omega" OMEGA_FLAGS_DESC,
     PRESENT_("Flags of next-layer Ω", "omega", RM_HIDDEN)},
#undef OMEGA_
#undef OMEGA_FLAGS_DESC

    /* ---- integration of the units used (obs_task_integration) ---- */
    {SNAP_("oinfo", obs_task_integration, obs_integ_row, oinfo), .shape = OBS_SHAPE_SNAP, .units = "nats",
     .group = CS_OBS_INTEGRATION, .description = "O-information TC - DTC of the units used",
     PRESENT_("O-information [nats]", "integration", 0), SUMMARY_(RM_SUM_LAST, "O-info (end)", 0)},
    {SNAP_("tc", obs_task_integration, obs_integ_row, tc), .shape = OBS_SHAPE_SNAP, .units = "nats",
     .group = CS_OBS_INTEGRATION, .description = "total correlation of the units used",
     PRESENT_("Total correlation TC [nats]", "integration", 0)},
    {SNAP_("dtc", obs_task_integration, obs_integ_row, dtc), .shape = OBS_SHAPE_SNAP, .units = "nats",
     .group = CS_OBS_INTEGRATION, .description = "dual total correlation of the units used",
     PRESENT_("Dual total correlation DTC [nats]", "integration", 0)},
    {SNAP_("sinfo", obs_task_integration, obs_integ_row, sinfo), .shape = OBS_SHAPE_SNAP, .units = "nats",
     .group = CS_OBS_INTEGRATION, .description = "S-information TC + DTC of the units used",
     PRESENT_("S-information [nats]", "integration", 0)},
    {SNAP_("tse", obs_task_integration, obs_integ_row, tse), .shape = OBS_SHAPE_SNAP, .units = "nats",
     .group = CS_OBS_INTEGRATION, .description = "TSE complexity of the first tse_units units used",
     PRESENT_("TSE complexity [nats]", "integration", 0)},
    {SNAP_("tc_p", obs_task_integration, obs_integ_row, tc_p), .shape = OBS_SHAPE_SNAP, .units = "1",
     .group = CS_OBS_INTEGRATION, .when = OBS_WHEN_SURROGATES, .description = "permutation p-value of tc"},
    {SNAP_("dtc_p", obs_task_integration, obs_integ_row, dtc_p), .shape = OBS_SHAPE_SNAP, .units = "1",
     .group = CS_OBS_INTEGRATION, .when = OBS_WHEN_SURROGATES, .description = "permutation p-value of dtc"},
    {SNAP_("oinfo_p", obs_task_integration, obs_integ_row, oinfo_p), .shape = OBS_SHAPE_SNAP, .units = "1",
     .group = CS_OBS_INTEGRATION, .when = OBS_WHEN_SURROGATES,
     .description = "two-sided permutation p-value of oinfo (|O| against |O| of shuffled units)"},

    /* ---- the information plane (obs_task_infoplane) ---- */
    {SNAP_("ixt", obs_task_infoplane, obs_ip_row, ixt), .shape = OBS_SHAPE_SNAP, .units = "nats",
     .group = CS_OBS_INFOPLANE, .description = "I(X;T), continuous estimator on principal components",
     PRESENT_("I(X;T), continuous [nats]", "infoplane", 0)},
    {SNAP_("ity", obs_task_infoplane, obs_ip_row, ity), .shape = OBS_SHAPE_SNAP, .units = "nats",
     .group = CS_OBS_INFOPLANE, .flag = "ity_clamped",
     .description = "I(T;Y), mixed continuous-discrete estimator on principal components (label discrete)",
     PRESENT_("I(T;Y), continuous [nats]", "infoplane", 0)},
    {SNAP_("ixt_binned", obs_task_infoplane, obs_ip_row, ixt_binned), .shape = OBS_SHAPE_SNAP, .units = "nats",
     .group = CS_OBS_INFOPLANE, .flag = "binned_saturated",
     .description = "I(X;T), layer binned (bins per unit), plug-in",
     PRESENT_("I(X;T), binned [nats]", "infoplane", 0)},
    {SNAP_("ity_binned", obs_task_infoplane, obs_ip_row, ity_binned), .shape = OBS_SHAPE_SNAP, .units = "nats",
     .group = CS_OBS_INFOPLANE, .flag = "binned_saturated",
     .description = "I(T;Y), layer binned (bins per unit), plug-in",
     PRESENT_("I(T;Y), binned [nats]", "infoplane", 0)},
    {SNAP_("binned_saturated", obs_task_infoplane, obs_ip_row, saturated), .shape = OBS_SHAPE_SNAP, .units = "flag",
     .group = CS_OBS_INFOPLANE, .flag_word = "saturated",
     .flag_says = "more than N/5 binned states, ~ln N and ~H(Y) whatever the layer does",
     .description = "1: the binned T occupies more than N/5 states, so ixt_binned ~ ln N and ity_binned ~ H(Y) "
                    "whatever the layer does (not a measurement)"},
    {SNAP_("binned_bins", obs_task_infoplane, obs_ip_row, bins), .shape = OBS_SHAPE_SNAP, .units = "bins",
     .group = CS_OBS_INFOPLANE, .description = "bins per unit of the binned values"},
    {SNAP_("binned_states", obs_task_infoplane, obs_ip_row, states), .shape = OBS_SHAPE_SNAP, .units = "states",
     .group = CS_OBS_INFOPLANE, .description = "occupied states of the binned T"},
    {SNAP_("ity_clamped", obs_task_infoplane, obs_ip_row, clamped), .shape = OBS_SHAPE_SNAP, .units = "flag",
     .group = CS_OBS_INFOPLANE, .flag_word = "at a bound",
     .flag_says = "the estimate left [0, H(Y)] and is reported as the bound",
     .description = "1: the mixed I(T;Y) estimate left [0, H(Y)] and is reported as the bound"},
    {SNAP_("ixt_p", obs_task_infoplane, obs_ip_row, ixt_p), .shape = OBS_SHAPE_SNAP, .units = "1",
     .group = CS_OBS_INFOPLANE, .when = OBS_WHEN_SURROGATES, .description = "permutation p-value of ixt"},
    {SNAP_("ity_p", obs_task_infoplane, obs_ip_row, ity_p), .shape = OBS_SHAPE_SNAP, .units = "1",
     .group = CS_OBS_INFOPLANE, .when = OBS_WHEN_SURROGATES, .description = "permutation p-value of ity"},

    /* ---- O-information of random multiplets (obs_task_integration with oinfo) ---- */
    {SNAP_("oinfo3", obs_task_integration, obs_integ_row, o3), .shape = OBS_SHAPE_SNAP_MULTIPLETS, .units = "nats",
     .group = CS_OBS_OINFO, .description = "O-information of random triplets of the units used",
     .within = "random triplets", .within_key = "oinfo3_mean_last"},
    {SNAP_("oinfo4", obs_task_integration, obs_integ_row, o4), .shape = OBS_SHAPE_SNAP_MULTIPLETS, .units = "nats",
     .group = CS_OBS_OINFO, .description = "O-information of random quadruplets of the units used"},
    {SNAP_("oinfo3_summary", obs_task_integration, obs_integ_row, o3_summary), .shape = OBS_SHAPE_SNAP_SUMMARY,
     .units = "nats", .group = CS_OBS_OINFO, .description = "triplets: mean, q05, median, q95, fraction < 0, count"},
    {SNAP_("oinfo4_summary", obs_task_integration, obs_integ_row, o4_summary), .shape = OBS_SHAPE_SNAP_SUMMARY,
     .units = "nats", .group = CS_OBS_OINFO,
     .description = "quadruplets: mean, q05, median, q95, fraction < 0, count"},
    VIEW_("oinfo3_median", "O-information of random triplets: median, 5–95 % band [nats]", "oinfo", RM_BAND_Q),
    VIEW_("oinfo4_median", "O-information of random quadruplets: median, 5–95 % band [nats]", "oinfo", RM_BAND_Q),
    VIEW_("oinfo3_frac_neg", "Fraction of triplets with O < 0", "oinfo", 0),
    VIEW_("oinfo4_frac_neg", "Fraction of quadruplets with O < 0", "oinfo", 0),
    VIEW_("oinfo3_mean", "O-information of random triplets, mean [nats]", "oinfo", RM_HIDDEN),
    VIEW_("oinfo4_mean", "O-information of random quadruplets, mean [nats]", "oinfo", RM_HIDDEN),
    VIEW_("oinfo3_q05", "O of triplets, 5 % quantile", "oinfo", RM_HIDDEN),
    VIEW_("oinfo3_q95", "O of triplets, 95 % quantile", "oinfo", RM_HIDDEN),
    VIEW_("oinfo4_q05", "O of quadruplets, 5 % quantile", "oinfo", RM_HIDDEN),
    VIEW_("oinfo4_q95", "O of quadruplets, 95 % quantile", "oinfo", RM_HIDDEN),
    VIEW_("oinfo3_count", "Triplets evaluated", "oinfo", RM_HIDDEN),
    VIEW_("oinfo4_count", "Quadruplets evaluated", "oinfo", RM_HIDDEN),

    /* ---- the teaching signal (obs_task_teaching, teaching.c) ---- */
    {SNAP_("err_ity", obs_task_teaching, obs_teach_row, ity), .shape = OBS_SHAPE_SNAP, .units = "nats",
     .group = CS_OBS_TEACHING, .flag = "err_zero",
     .description = "I(delta;Y): the error signal about the label, mixed estimator on its principal components",
     PRESENT_("I(δ;Y): error signal about the label [nats]", "teaching", 0),
     SUMMARY_(RM_SUM_LAST, "I(δ;Y) (end)", 0)},
    {SNAP_("err_itd", obs_task_teaching, obs_teach_row, itd), .shape = OBS_SHAPE_SNAP, .units = "nats",
     .group = CS_OBS_TEACHING, .flag = "err_zero",
     .description = "I(T;delta): activity and error signal, continuous estimator on principal components",
     PRESENT_("I(T;δ): activity and error signal [nats]", "teaching", 0)},
    {SNAP_("err_ref_mi", obs_task_teaching, obs_teach_row, ref_mi), .shape = OBS_SHAPE_SNAP, .units = "nats",
     .group = CS_OBS_TEACHING, .flag = "err_ref_same",
     .description = "I(delta;delta_BP): the rule's error signal and backprop's (reference_errors), continuous "
                    "estimator on principal components",
     PRESENT_("I(δ;δ_BP): error signal and backprop's [nats]", "teaching", 0),
     SUMMARY_(RM_SUM_LAST, "I(δ;δ_BP) (end)", 0)},
    {SNAP_("err_zero", obs_task_teaching, obs_teach_row, zero), .shape = OBS_SHAPE_SNAP, .units = "flag",
     .group = CS_OBS_TEACHING, .flag_word = "no error signal",
     .flag_says = "the error signal is constant on every unit (zero): nothing measured",
     .description = "1: the error signal is constant on every unit (e.g. zero): its measures are NaN"},
    {SNAP_("err_ref_same", obs_task_teaching, obs_teach_row, ref_same), .shape = OBS_SHAPE_SNAP, .units = "flag",
     .group = CS_OBS_TEACHING, .flag_word = "is backprop",
     .flag_says = "the error signal is backprop's to float32 precision (bp run; FA/DFA output layer): "
                  "I(δ;δ_BP) would be its entropy",
     .description = "1: the error signal equals backprop's to float32 precision (a bp run; FA's and DFA's output "
                    "layer): I(delta;delta_BP) is NaN, not a comparison"},
    {SNAP_("err_ity_clamped", obs_task_teaching, obs_teach_row, clamped), .shape = OBS_SHAPE_SNAP, .units = "flag",
     .group = CS_OBS_TEACHING, .flag_word = "at a bound",
     .flag_says = "the estimate left [0, H(Y)] and is reported as the bound",
     .description = "1: the mixed I(delta;Y) estimate left [0, H(Y)] and is reported as the bound"},
    {SNAP_("err_dims", obs_task_teaching, obs_teach_row, dims), .shape = OBS_SHAPE_SNAP, .units = "components",
     .group = CS_OBS_TEACHING, .description = "principal components of the error signal used (at most ip_dims)",
     PRESENT_("Principal components of δ used", "teaching", RM_HIDDEN)},
    {SNAP_("err_pid_synergy", obs_task_teaching, obs_teach_row, pid_syn), .shape = OBS_SHAPE_SNAP, .units = "nats",
     .group = CS_OBS_TEACHING, .flag = "err_pid_meaningless",
     .description = "PID (T, delta) -> Y synergy (MMI, vector sources): about the label only from activity and "
                    "teaching signal together",
     PRESENT_("PID (T, δ) → Y: synergy [nats]", "teaching", 0), SUMMARY_(RM_SUM_LAST, "Syn(T,δ;Y) (end)", 0)},
    {SNAP_("err_pid_redundancy", obs_task_teaching, obs_teach_row, pid_red), .shape = OBS_SHAPE_SNAP, .units = "nats",
     .group = CS_OBS_TEACHING, .flag = "err_pid_meaningless",
     .description = "PID (T, delta) -> Y redundancy min(I(T;Y), I(delta;Y))",
     PRESENT_("PID (T, δ) → Y: redundancy [nats]", "teaching", 0)},
    {SNAP_("err_pid_unique_act", obs_task_teaching, obs_teach_row, pid_unq_act), .shape = OBS_SHAPE_SNAP,
     .units = "nats", .group = CS_OBS_TEACHING, .flag = "err_pid_meaningless",
     .description = "PID (T, delta) -> Y unique information of the activity T",
     PRESENT_("PID (T, δ) → Y: unique to the activity [nats]", "teaching", 0)},
    {SNAP_("err_pid_unique_err", obs_task_teaching, obs_teach_row, pid_unq_err), .shape = OBS_SHAPE_SNAP,
     .units = "nats", .group = CS_OBS_TEACHING, .flag = "err_pid_meaningless",
     .description = "PID (T, delta) -> Y unique information of the error signal delta",
     PRESENT_("PID (T, δ) → Y: unique to the error signal [nats]", "teaching", 0)},
    {SNAP_("err_pid_mi", obs_task_teaching, obs_teach_row, pid_mi), .shape = OBS_SHAPE_SNAP, .units = "nats",
     .group = CS_OBS_TEACHING, .flag = "err_pid_meaningless",
     .description = "I(T,delta;Y) of the PID's components (mixed class model)",
     PRESENT_("I(T, δ; Y) [nats]", "teaching", 0)},
    {SNAP_("err_pid_omega", obs_task_teaching, obs_teach_row, pid_omega), .shape = OBS_SHAPE_SNAP, .units = "1",
     .group = CS_OBS_TEACHING, .flag = "err_pid_meaningless",
     .description = "synergy / I(T,delta;Y) of the PID (NaN when err_pid_meaningless)",
     PRESENT_("PID (T, δ) → Y: synergy / I(T,δ;Y)", "teaching", 0)},
    {SNAP_("err_pid_meaningless", obs_task_teaching, obs_teach_row, pid_bad), .shape = OBS_SHAPE_SNAP,
     .units = "flag", .group = CS_OBS_TEACHING, .flag_word = "PID not meaningful",
     .flag_says = "I(T,δ;Y) below 0.01 nats, too few samples per dimension or a singular source (err_pid_flags)",
     .description = "1: the PID's ratio is meaningless (I below mi_min, too few samples per dimension or a "
                    "singular source; which: err_pid_flags)"},
    {SNAP_("err_pid_flags", obs_task_teaching, obs_teach_row, pid_flags), .shape = OBS_SHAPE_SNAP, .units = "bits",
     .group = CS_OBS_TEACHING,
     .description = "CS_OMEGA_* flags of the PID: 1 low_mi, 2 few_samples, 4 singular, 8 clamped, 16 truncated, "
                    "32 dropped (cogscope/omega.h)",
     PRESENT_("PID (T, δ) → Y: CS_OMEGA_* flags", "teaching", RM_HIDDEN)},
    {SNAP_("err_omega", obs_task_teaching, obs_teach_row, om), .shape = OBS_SHAPE_SNAP, .units = "1",
     .group = CS_OBS_TEACHING, .flag = "err_omega_meaningless",
     .description = "Omega of the error signal about the label (the units of delta as a layer: MIB bipartition, "
                    "MMI synergy / I)",
     PRESENT_("Ω of the error signal", "teaching", 0), SUMMARY_(RM_SUM_LAST, "Ω(δ) (end)", 0)},
    {SNAP_("err_omega_synergy", obs_task_teaching, obs_teach_row, om_syn), .shape = OBS_SHAPE_SNAP, .units = "nats",
     .group = CS_OBS_TEACHING, .flag = "err_omega_meaningless",
     .description = "synergy of the error signal's two halves about the label (MMI)",
     PRESENT_("Synergy of the error signal's halves about Y [nats]", "teaching", 0)},
    {SNAP_("err_omega_mi", obs_task_teaching, obs_teach_row, om_mi), .shape = OBS_SHAPE_SNAP, .units = "nats",
     .group = CS_OBS_TEACHING, .flag = "err_omega_meaningless",
     .description = "I(delta;Y) of the components Omega of the error signal keeps (mixed class model)",
     PRESENT_("I(δ;Y) of Ω's components [nats]", "teaching", 0)},
    {SNAP_("err_omega_meaningless", obs_task_teaching, obs_teach_row, om_bad), .shape = OBS_SHAPE_SNAP,
     .units = "flag", .group = CS_OBS_TEACHING, .flag_word = "Ω not meaningful",
     .flag_says = "I(δ;Y) below 0.01 nats, too few samples per dimension or fewer than two varying units "
                  "(err_omega_flags)",
     .description = "1: Omega of the error signal is meaningless (I below mi_min, too few samples per dimension, "
                    "fewer than two varying units; which: err_omega_flags)"},
    {SNAP_("err_omega_flags", obs_task_teaching, obs_teach_row, om_flags), .shape = OBS_SHAPE_SNAP, .units = "bits",
     .group = CS_OBS_TEACHING, .description = "CS_OMEGA_* flags of Omega of the error signal (as err_pid_flags)",
     PRESENT_("Ω of the error signal: CS_OMEGA_* flags", "teaching", RM_HIDDEN)},
    {SNAP_("err_pid_synergy_p", obs_task_teaching, obs_teach_row, pid_syn_p), .shape = OBS_SHAPE_SNAP, .units = "1",
     .group = CS_OBS_TEACHING, .when = OBS_WHEN_SURROGATES,
     .description = "permutation p-value of err_pid_synergy (labels shuffled)"},
    {SNAP_("err_omega_p", obs_task_teaching, obs_teach_row, om_p), .shape = OBS_SHAPE_SNAP, .units = "1",
     .group = CS_OBS_TEACHING, .when = OBS_WHEN_SURROGATES,
     .description = "permutation p-value of the synergy of err_omega (labels shuffled)"},
    {SNAP_("err_ity_p", obs_task_teaching, obs_teach_row, ity_p), .shape = OBS_SHAPE_SNAP, .units = "1",
     .group = CS_OBS_TEACHING, .when = OBS_WHEN_SURROGATES, .description = "permutation p-value of err_ity"},
    {SNAP_("err_itd_p", obs_task_teaching, obs_teach_row, itd_p), .shape = OBS_SHAPE_SNAP, .units = "1",
     .group = CS_OBS_TEACHING, .when = OBS_WHEN_SURROGATES, .description = "permutation p-value of err_itd"},
    {SNAP_("err_ref_p", obs_task_teaching, obs_teach_row, ref_p), .shape = OBS_SHAPE_SNAP, .units = "1",
     .group = CS_OBS_TEACHING, .when = OBS_WHEN_SURROGATES, .description = "permutation p-value of err_ref_mi"},

    /* ---- relaxation energy, from the run log ---- */
    LOG_("relax_energy_final", "Energy at the end of each relaxation", "relaxation", 0),
    LOG_("relax_energy", "Energy along the last relaxation", "relaxation", RM_NO_CSV),

    /* ---- the units used (obs_task_integration) ---- */
    {SNAP_("n_units", obs_task_integration, obs_integ_row, n_units), .shape = OBS_SHAPE_SNAP, .units = "units",
     .group = CS_OBS_INTEGRATION | CS_OBS_OINFO, .description = "units used (non-constant, seeded order, capped)",
     PRESENT_("Units used", "integration", RM_HIDDEN)},
    {SNAP_("n_tse_units", obs_task_integration, obs_integ_row, n_tse_units), .shape = OBS_SHAPE_SNAP,
     .units = "units", .group = CS_OBS_INTEGRATION, .description = "units in the TSE",
     PRESENT_("Units used for TSE", "integration", RM_HIDDEN)},
    {SNAP_("units", obs_task_integration, obs_integ_row, units), .shape = OBS_SHAPE_SNAP_UNITS, .units = "index",
     .group = CS_OBS_INTEGRATION | CS_OBS_OINFO,
     .description = "0-based indices of the units used per snapshot (NaN padding)"},

    /* ---- spectra of the per-step series (obs_task_spectra, spectra.c) ---- */
    {SPECTRUM_("freq"), .shape = OBS_SHAPE_FREQS, .units = "cycles/step",
     .description = "Welch frequencies (fs = 1 per step)"},
    {SPECTRUM_("psd"), .shape = OBS_SHAPE_FREQS, .units = "units^2 step",
     .description = "Welch power spectral density (hann, 50% overlap, constant detrend)"},
    VIEW_("spectra.loss.psd", "PSD of the loss", "spectra", RM_LOGX | RM_LOGY | RM_NO_CSV),
    VIEW_("spectra.pi.psd", "PSD of PI", "spectra", RM_LOGX | RM_LOGY | RM_NO_CSV),
    VIEW_("spectra.surprise.psd", "PSD of S", "spectra", RM_LOGX | RM_LOGY | RM_NO_CSV),
    VIEW_("spectra.tau.psd", "PSD of τ", "spectra", RM_LOGX | RM_LOGY | RM_NO_CSV),
    {SPECTRUM_("nperseg"), .shape = OBS_SHAPE_SCALAR, .units = "steps", .description = "Welch segment length"},
    {SPECTRUM_("nsegments"), .shape = OBS_SHAPE_SCALAR, .units = "1", .description = "Welch segments averaged"},
    {SPECTRUM_("fit_range"), .shape = OBS_SHAPE_TWO, .units = "cycles/step",
     .description = "lowest and highest frequency of the fit"},
    {SPECTRUM_("offset"), .shape = OBS_SHAPE_SCALAR, .units = "log10 power",
     .description = "aperiodic offset b of log10 P = b - chi log10 f"},
    {SPECTRUM_("exponent"), .shape = OBS_SHAPE_SCALAR, .units = "1", .flag = "no_power_law",
     .description = "aperiodic exponent chi (1/f^chi) of the fit; a power law only where no_power_law is 0"},
    {SPECTRUM_("r_squared"), .shape = OBS_SHAPE_SCALAR, .units = "1", .description = "R^2 of the fit (log10 power)"},
    {SPECTRUM_("no_power_law"), .shape = OBS_SHAPE_SCALAR, .units = "flag", .flag_word = "no power law",
     .flag_says = "R^2 of the aperiodic fit below 0.8",
     .description = "1: R^2 < 0.8 (CS_APERIODIC_R2_MIN): the exponent does not describe the spectrum, no peaks "
                    "listed"},
    {SPECTRUM_("fit_error"), .shape = OBS_SHAPE_SCALAR, .units = "log10 power",
     .description = "mean absolute error of the fit"},
    {SPECTRUM_("dof"), .shape = OBS_SHAPE_SCALAR, .units = "1",
     .description = "equivalent degrees of freedom of the Welch PSD (Hann, 50% overlap)"},
    {SPECTRUM_("peak_alpha"), .shape = OBS_SHAPE_SCALAR, .units = "1",
     .description = "family-wise level of the peak test (Bonferroni over the fitted frequencies)"},
    {SPECTRUM_("peak_threshold"), .shape = OBS_SHAPE_SCALAR, .units = "1",
     .description = "PSD / aperiodic power a peak had to exceed (chi^2 quantile / dof)"},
    {SPECTRUM_("peak_candidates"), .shape = OBS_SHAPE_SCALAR, .units = "peaks",
     .description = "peaks the fit found before the significance test"},
    {SPECTRUM_("fit_freq"), .shape = OBS_SHAPE_FIT, .units = "cycles/step",
     .description = "frequencies of the aperiodic fit"},
    {SPECTRUM_("fit_log_power"), .shape = OBS_SHAPE_FIT, .units = "log10 power",
     .description = "log10 PSD over the fit range"},
    {SPECTRUM_("fit_model"), .shape = OBS_SHAPE_FIT, .units = "log10 power",
     .description = "full model (aperiodic + peaks)"},
    {SPECTRUM_("fit_aperiodic"), .shape = OBS_SHAPE_FIT, .units = "log10 power",
     .description = "aperiodic component"},
    {SPECTRUM_("peaks"), .shape = OBS_SHAPE_PEAKS, .units = "mixed",
     .description = "significant peaks (chi^2 test, see peak_alpha): centre (cycles/step), power (log10 above "
                    "aperiodic), width (cycles/step)"},
    /* spectra: summary columns (χ with its fit quality R²) */
    {"spectra.loss.exponent", .shape = OBS_SHAPE_VIEW, PRESENT_("χ of the loss spectrum", "spectra", 0),
     SUMMARY_(RM_SUM_SCALAR, "loss 1/f^χ: χ", 0)},
    {"spectra.loss.r_squared", .shape = OBS_SHAPE_VIEW, PRESENT_("R² of the loss fit", "spectra", 0),
     SUMMARY_(RM_SUM_SCALAR, "χ fit R²", +1)},
    {"spectra.pi.exponent", .shape = OBS_SHAPE_VIEW, PRESENT_("χ of the PI spectrum", "spectra", 0),
     SUMMARY_(RM_SUM_SCALAR, "PI 1/f^χ: χ", 0)},
    {"spectra.pi.r_squared", .shape = OBS_SHAPE_VIEW, PRESENT_("R² of the PI fit", "spectra", 0),
     SUMMARY_(RM_SUM_SCALAR, "PI χ fit R²", +1)},

    /* ---- relaxation spectra (obs_task_relax_psd) ---- */
    {.name = "relax_freq",
     .path = "layers/{layer}/relax_freq",
     .shape = OBS_SHAPE_FREQS,
     .units = "cycles/iteration",
     .task = &obs_task_relax_psd,
     .group = CS_OBS_SPECTRA,
     .description = "frequencies of the relaxation PSD"},
    {.name = "relax_psd",
     .path = "layers/{layer}/relax_psd",
     .shape = OBS_SHAPE_RELAX_FREQS,
     .units = "units^2 iteration",
     .task = &obs_task_relax_psd,
     .group = CS_OBS_SPECTRA,
     .description = "mean PSD of the units' relaxation trajectories (one hann segment)"},

    /* ---- coherence of adjacent layers ({pair} = "A-B"; obs_task_coherence, obs_task_relax_coherence) ---- */
    {.name = "coherence.{pair}.snap_freq",
     .path = "coherence/{pair}/snap_freq",
     .shape = OBS_SHAPE_FREQS,
     .units = "cycles/step",
     .task = &obs_task_coherence,
     .group = CS_OBS_SPECTRA,
     .description = "frequencies of the coherence across snapshots"},
    {.name = "coherence.{pair}.snap_coherence",
     .path = "coherence/{pair}/snap_coherence",
     .shape = OBS_SHAPE_FREQS,
     .units = "1",
     .task = &obs_task_coherence,
     .group = CS_OBS_SPECTRA,
     .description = "mean magnitude-squared coherence of the layers' mean activity across snapshots (probe "
                    "samples as channels, linear detrend)"},
    {.name = "coherence.{pair}.relax_freq",
     .path = "coherence/{pair}/relax_freq",
     .shape = OBS_SHAPE_FREQS,
     .units = "cycles/iteration",
     .task = &obs_task_relax_coherence,
     .group = CS_OBS_SPECTRA,
     .description = "frequencies of the relaxation coherence"},
    {.name = "coherence.{pair}.relax_coherence",
     .path = "coherence/{pair}/relax_coherence",
     .shape = OBS_SHAPE_RELAX_FREQS,
     .units = "1",
     .task = &obs_task_relax_coherence,
     .group = CS_OBS_SPECTRA,
     .description = "mean magnitude-squared coherence of the layers' mean activity over the iterations (relaxed "
                    "samples as channels)"},
};

#define N_TABLE (sizeof table / sizeof table[0])

size_t obs_metric_count(void) { return N_TABLE; }
const obs_metric *obs_metric_at(size_t i) { return i < N_TABLE ? &table[i] : NULL; }

const rm_section *rm_section_at(size_t i)
{
    return i < sizeof sections / sizeof sections[0] - 1 ? &sections[i] : NULL;
}
