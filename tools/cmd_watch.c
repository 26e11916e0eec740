/* Placeholder until the watch subcommand lands; replaced by its implementation. */
#include "cli.h"
#include "commands.h"

int cmd_watch(int argc, char **argv) { return cli_usage_error("watch", "not built yet"); }
