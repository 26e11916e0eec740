/* Placeholder until the info subcommand lands; replaced by its implementation. */
#include "cli.h"
#include "commands.h"

int cmd_info(int argc, char **argv) { return cli_usage_error("info", "not built yet"); }
