/* Placeholder until the report subcommand lands; replaced by its implementation. */
#include "cli.h"
#include "commands.h"

int cmd_report(int argc, char **argv) { return cli_usage_error("report", "not built yet"); }
