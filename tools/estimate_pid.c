/* Placeholder until the PID/PhiID estimate paths land; replaced by their implementation. */
#include "cli.h"
#include "commands.h"

int cmd_estimate_pid(int argc, char **argv) { return cli_usage_error("estimate", "not built yet"); }
int cmd_estimate_phiid(int argc, char **argv) { return cli_usage_error("estimate", "not built yet"); }
