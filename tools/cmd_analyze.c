/* Placeholder until the analyze subcommand lands; replaced by its implementation. */
#include "cli.h"
#include "commands.h"

int cmd_analyze(int argc, char **argv) { return cli_usage_error("analyze", "not built yet"); }
