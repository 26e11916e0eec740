/* cogscope: the command-line entry point. Dispatches to one subcommand. */
#include <stdio.h>
#include <string.h>

#include <gsl/gsl_errno.h>
#include <hdf5.h>

#include "cogscope/blas.h"

#include "cli.h"
#include "commands.h"
#include "dist.h"

static const struct {
    const char *name;
    int (*run)(int argc, char **argv);
    const char *summary;
} commands[] = {
    {"train", cmd_train, "train a network and write an HDF5 run log"},
    {"info", cmd_info, "say what a run log holds"},
    {"analyze", cmd_analyze, "compute PI, synergy, integration, spectra and the information plane"},
    {"report", cmd_report, "summarise one or more runs as text, JSON or HTML"},
    {"watch", cmd_watch, "follow a run log while it is being written"},
    {"estimate", cmd_estimate, "information and spectral measures on any table"},
    {"import", cmd_import, "make a run log from saved arrays (.npy files, HDF5 datasets)"},
};

/* Commands that split their work under mpirun (docs/distributed.md); the
 * others run on rank 0 alone, so that no two processes write one file. */
static int distributed(int argc, char **argv)
{
    static const char *const measures[] = {"entropy", "mi",    "cmi",   "te",  "ais", "tc",
                                           "dtc",     "oinfo", "sinfo", "tse", NULL};
    if (!strcmp(argv[1], "analyze"))
        return 1;
    if (strcmp(argv[1], "estimate") || argc < 3)
        return 0;
    for (const char *const *m = measures; *m; m++)
        if (!strcmp(argv[2], *m))
            return 1;
    return 0;
}

static void usage(FILE *out)
{
    fprintf(out, "usage: cogscope COMMAND [OPTIONS]\n\ncommands:\n");
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
        fprintf(out, "  %-9s %s\n", commands[i].name, commands[i].summary);
    fprintf(out, "\n'cogscope COMMAND --help' describes a command's options.\n"
                 "Exit codes: 0 success, 1 failure while running, 2 bad usage.\n");
}

int main(int argc, char **argv)
{
    /* Before anything runs BLAS or starts a thread: OpenBLAS falls back to
     * generic SSE3 kernels on CPU models its build does not know, 3-6x
     * slower on this program's work (include/cogscope/blas.h). */
    cs_blas_use_better_kernels();
    /* The process's settings of the libraries it uses (the library sets
     * them itself too, at its entry points): GSL errors come back as codes
     * instead of aborting; HDF5 prints nothing and skips its exit-time
     * clean-up, which must be switched off before HDF5 starts
     * (docs/reliability.md). */
    gsl_set_error_handler_off();
    H5dont_atexit();
    H5Eset_auto2(H5E_DEFAULT, NULL, NULL);
    if (argc < 2) {
        usage(stderr);
        return CLI_USAGE;
    }
    if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") || !strcmp(argv[1], "help")) {
        usage(stdout);
        return cli_stdout_finish(NULL, CLI_OK);
    }
    if (!strcmp(argv[1], "--version")) {
        cs_blas_kernels k;
        cs_blas_kernels_get(&k);
        printf("cogscope %s\nBLAS: %s; kernels %s\n", COGSCOPE_VERSION, k.config, k.kernel);
        return cli_stdout_finish(NULL, CLI_OK);
    }
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
        if (!strcmp(argv[1], commands[i].name)) {
            /* MPI (when built with it) spans the command: every rank runs it
             * and dist_finish agrees on the exit code (tools/dist.h). */
            dist_init(&argc, &argv);
            if (dist_rank() > 0 && !distributed(argc, argv))
                return dist_finish(CLI_OK);
            cli_getopt_reset();
            return dist_finish(cli_stdout_finish(argv[1], commands[i].run(argc - 1, argv + 1)));
        }
    fprintf(stderr, "cogscope: unknown command '%s'\n", argv[1]);
    usage(stderr);
    return CLI_USAGE;
}
