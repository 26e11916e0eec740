/* Placeholder until this estimate family lands; replaced by its implementation. */
#include "cli.h"
#include "commands.h"

int cmd_estimate_spectral(int argc, char **argv) { return cli_usage_error("estimate", "not built yet"); }
