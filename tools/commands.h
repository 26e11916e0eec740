/* The subcommands; argv[0] is the subcommand name. */
#ifndef COGSCOPE_COMMANDS_H
#define COGSCOPE_COMMANDS_H

int cmd_train(int argc, char **argv);    /* cmd_train.c */
int cmd_info(int argc, char **argv);     /* cmd_info.c */
int cmd_analyze(int argc, char **argv);  /* cmd_analyze.c */
int cmd_report(int argc, char **argv);   /* cmd_report.c */
int cmd_watch(int argc, char **argv);    /* cmd_watch.c */
int cmd_estimate(int argc, char **argv); /* cmd_estimate.c: dispatches on the measure */
int cmd_import(int argc, char **argv);   /* cmd_import.c */

/* `cogscope estimate MEASURE ...` families; argv[0] is the measure name. */
int cmd_estimate_info(int argc, char **argv);     /* estimate_info.c: entropy mi cmi te ais */
int cmd_estimate_multi(int argc, char **argv);    /* estimate_multi.c: tc dtc oinfo sinfo tse */
int cmd_estimate_decomp(int argc, char **argv);   /* estimate_pid.c: pid phiid */
int cmd_estimate_omega(int argc, char **argv);    /* estimate_omega.c: omega */
int cmd_estimate_spectral(int argc, char **argv); /* estimate_spectral.c: psd csd coherence ... */

#endif
