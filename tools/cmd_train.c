/* Placeholder until the train subcommand lands; replaced by its implementation. */
#include "cli.h"
#include "commands.h"

int cmd_train(int argc, char **argv) { return cli_usage_error("train", "not built yet"); }
