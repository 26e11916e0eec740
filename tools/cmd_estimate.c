/* cogscope estimate MEASURE ...: route to the family that implements MEASURE. */
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "commands.h"

static const char *const info_measures[] = {"entropy", "mi", "cmi", "te", "ais", NULL};
static const char *const multi_measures[] = {"tc", "dtc", "oinfo", "sinfo", "tse", NULL};
static const char *const decomp_measures[] = {"pid", "phiid", NULL};
static const char *const layer_measures[] = {"omega", NULL};
static const char *const spectral_measures[] = {"psd",         "csd",        "coherence", "periodogram",
                                                "spectrogram", "multitaper", "aperiodic", NULL};

static int member(const char *const *list, const char *name)
{
    for (; *list; list++)
        if (!strcmp(*list, name))
            return 1;
    return 0;
}

static void usage(FILE *out)
{
    fprintf(out, "usage: cogscope estimate MEASURE --input FILE [OPTIONS]\n\n"
                 "information:  entropy mi cmi te ais\n"
                 "higher-order: tc dtc oinfo sinfo tse pid phiid\n"
                 "layer:        omega\n"
                 "spectral:     psd csd coherence periodogram spectrogram multitaper aperiodic\n\n"
                 "'cogscope estimate MEASURE --help' lists a measure's options.\n");
}

int cmd_estimate(int argc, char **argv)
{
    if (argc < 2 || argv[1][0] == '-') {
        if (argc >= 2 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))) {
            usage(stdout);
            return CLI_OK;
        }
        usage(stderr);
        return CLI_USAGE;
    }
    const char *measure = argv[1];
    if (member(info_measures, measure))
        return cmd_estimate_info(argc - 1, argv + 1);
    if (member(multi_measures, measure))
        return cmd_estimate_multi(argc - 1, argv + 1);
    if (member(decomp_measures, measure))
        return cmd_estimate_decomp(argc - 1, argv + 1);
    if (member(layer_measures, measure))
        return cmd_estimate_omega(argc - 1, argv + 1);
    if (member(spectral_measures, measure))
        return cmd_estimate_spectral(argc - 1, argv + 1);
    return cli_usage_error("estimate", "unknown measure '%s'", measure);
}
