/* Reading HDF5 files from outside without letting them crash the tool.
 *
 * HDF5 1.10 trusts the structures it reads: a corrupt global heap (where
 * variable-length strings live) sends H5Aread into a SIGSEGV, and no check in
 * cogscope can see that coming. So every HDF5 file a command is about to read
 * is first read in a child process: every object, every attribute (converted
 * to its native type, so variable-length data are fetched from the heap),
 * every dataset's type, layout and filters and its data up to a budget, then
 * cogscope's own run-log and metrics readers. If the child dies of a signal
 * the file is damaged, and the parent says so (exit 1) without ever touching
 * the file's structures itself. The child reads the same bytes with the same
 * library, so a file that passes does not crash the parent's read, unless it
 * changes in between (a live run: `watch` re-checks each file it opens).
 *
 * Cost (docs/reliability.md): one fork plus one more read of the metadata,
 * a few ms for the logs of the test suite; the data budget bounds the rest. */
#define _GNU_SOURCE
#include "cli.h"

#include <errno.h>
#include <hdf5.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "cogscope/observe.h"
#include "cogscope/runlog.h"

/* Bytes of dataset data the child reads in all, and at most per dataset:
 * enough to cover whole logs of the test suite and typical runs while
 * keeping the check's cost bounded on multi-GB logs. */
#define PROBE_DATA_BUDGET ((hsize_t)256 << 20)
#define PROBE_DATASET_MAX ((hsize_t)64 << 20)
/* A check that runs longer than 10 s, plus 1 s per 50 MB of file, is taken
 * as a hang of the library on the file (a corrupt global heap can make
 * H5HG_read loop forever). */
#define PROBE_SECONDS_BASE 10
#define PROBE_BYTES_PER_SECOND (50L << 20)

/* Child exit codes. */
enum { CHILD_OTHER = 10, CHILD_RUNLOG, CHILD_METRICS, CHILD_NOT_HDF5 };

typedef struct {
    hsize_t data_left;
} walk_ctx;

/* Close the identifiers that were opened (negative: not opened). */
static void close_ids(hid_t plist, hid_t type1, hid_t type2, hid_t space)
{
    if (plist >= 0)
        H5Pclose(plist);
    if (type1 >= 0)
        H5Tclose(type1);
    if (type2 >= 0)
        H5Tclose(type2);
    if (space >= 0)
        H5Sclose(space);
}

/* Read one attribute as its native type (variable-length parts included). */
static herr_t read_attr(hid_t loc, const char *name, const H5A_info_t *ainfo, void *op_data)
{
    (void)ainfo;
    (void)op_data;
    hid_t a = H5Aopen(loc, name, H5P_DEFAULT);
    if (a < 0)
        return 0;
    hid_t ft = H5Aget_type(a), sp = H5Aget_space(a);
    hid_t mt = ft >= 0 ? H5Tget_native_type(ft, H5T_DIR_ASCEND) : H5I_INVALID_HID;
    hssize_t np = sp >= 0 ? H5Sget_simple_extent_npoints(sp) : -1;
    size_t sz = mt >= 0 ? H5Tget_size(mt) : 0;
    if (np >= 0 && sz > 0 && (hsize_t)np < ((hsize_t)1 << 30) / sz) {
        void *buf = calloc((size_t)np ? (size_t)np : 1, sz);
        if (buf && H5Aread(a, mt, buf) >= 0 && H5Tdetect_class(mt, H5T_VLEN) > 0)
            H5Dvlen_reclaim(mt, sp, H5P_DEFAULT, buf);
        else if (buf && H5Tget_class(mt) == H5T_STRING && H5Tis_variable_str(mt) > 0)
            H5Dvlen_reclaim(mt, sp, H5P_DEFAULT, buf);
        free(buf);
    }
    close_ids(H5I_INVALID_HID, mt, ft, sp);
    H5Aclose(a);
    return 0;
}

/* A dataset's creation properties (filters, chunking) and, within the
 * budget, its data as stored (a byte copy of the file type). */
static void read_dataset(hid_t d, walk_ctx *c)
{
    hid_t dcpl = H5Dget_create_plist(d), ft = H5Dget_type(d), sp = H5Dget_space(d);
    if (dcpl >= 0) {
        int nf = H5Pget_nfilters(dcpl);
        for (int i = 0; i < nf; i++) {
            unsigned flags, cd[8];
            size_t ncd = 8;
            char name[64];
            H5Pget_filter2(dcpl, (unsigned)i, &flags, &ncd, cd, sizeof name, name, NULL);
        }
    }
    hssize_t np = sp >= 0 ? H5Sget_simple_extent_npoints(sp) : -1;
    size_t sz = ft >= 0 ? H5Tget_size(ft) : 0;
    /* bytes = 0 (not read) when np * sz would exceed the per-dataset cap */
    hsize_t bytes = np > 0 && sz > 0 && (hsize_t)np <= PROBE_DATASET_MAX / sz ? (hsize_t)np * sz : 0;
    int plain = ft >= 0 && H5Tdetect_class(ft, H5T_VLEN) <= 0 && H5Tis_variable_str(ft) <= 0 &&
                H5Tget_class(ft) != H5T_REFERENCE;
    if (plain && bytes > 0 && bytes <= PROBE_DATASET_MAX && bytes <= c->data_left) {
        void *buf = malloc((size_t)bytes);
        if (buf) {
            H5Dread(d, ft, H5S_ALL, H5S_ALL, H5P_DEFAULT, buf);
            c->data_left -= bytes;
            free(buf);
        }
    }
    close_ids(dcpl, ft, H5I_INVALID_HID, sp);
}

static herr_t visit(hid_t root, const char *name, const H5O_info_t *info, void *op_data)
{
    hid_t o = H5Oopen(root, name, H5P_DEFAULT);
    if (o < 0)
        return 0;
    H5Aiterate2(o, H5_INDEX_NAME, H5_ITER_NATIVE, NULL, read_attr, NULL);
    if (info->type == H5O_TYPE_DATASET)
        read_dataset(o, op_data);
    H5Oclose(o);
    return 0;
}

static hid_t open_any(const char *path)
{
    hid_t fapl = H5Pcreate(H5P_FILE_ACCESS);
    H5Pset_file_locking(fapl, 1, 1); /* a file being created is not opened */
    hid_t f = H5Fopen(path, H5F_ACC_RDONLY, fapl);
    if (f < 0) { /* a live run: only a SWMR reader may open it */
        H5Pset_metadata_read_attempts(fapl, 1);
        f = H5Fopen(path, H5F_ACC_RDONLY | H5F_ACC_SWMR_READ, fapl);
    }
    H5Pclose(fapl);
    return f;
}

static int classify(const char *path);

/* The child's whole work; returns its exit code. */
static int probe_child(const char *path)
{
    H5dont_atexit(); /* as the CLI's main, for the harnesses that have none */
    H5Eset_auto2(H5E_DEFAULT, NULL, NULL);
    if (H5Fis_hdf5(path) <= 0)
        return CHILD_NOT_HDF5;
    hid_t f = open_any(path);
    if (f < 0)
        return CHILD_NOT_HDF5;
    walk_ctx c = {PROBE_DATA_BUDGET};
    H5Ovisit2(f, H5_INDEX_NAME, H5_ITER_NATIVE, visit, &c, H5O_INFO_BASIC);
    H5Fclose(f);
    return classify(path);
}

/* The kind of an HDF5 file, by cogscope's own readers (a child exit code). */
static int classify(const char *path)
{
    cs_runlog *r = NULL;
    if (cs_runlog_open(path, &r) == CS_OK) {
        cs_runlog_close_reader(r);
        return CHILD_RUNLOG;
    }
    cs_metrics *m = NULL;
    if (cs_metrics_read(path, &m) == CS_OK) {
        cs_metrics_destroy(m);
        return CHILD_METRICS;
    }
    return CHILD_OTHER;
}

/* The HDF5 signature sits at 0 or at a power of two from 512 on (after a
 * user block); only such files need the (forking) check of what they are. */
static int looks_like_hdf5(const char *path)
{
    static const unsigned char sig[8] = {0x89, 'H', 'D', 'F', '\r', '\n', 0x1a, '\n'};
    FILE *f = fopen(path, "rb");
    if (!f)
        return 0;
    int found = 0;
    unsigned char buf[8];
    for (long off = 0; off <= 65536 && !found; off = off ? off * 2 : 512)
        found = fseek(f, off, SEEK_SET) == 0 && fread(buf, 1, 8, f) == 8 && !memcmp(buf, sig, 8);
    fclose(f);
    return found;
}

cs_status cli_h5_check(const char *spec, int *kind)
{
    *kind = CLI_H5_NONE;
    char path[4096];
    const char *colon = strstr(spec, ":/"); /* FILE.h5:/dataset */
    size_t len = colon ? (size_t)(colon - spec) : strlen(spec);
    if (len >= sizeof path)
        return CS_OK; /* the command's own open names the problem */
    memcpy(path, spec, len);
    path[len] = '\0';
    if (access(path, R_OK) != 0 || !looks_like_hdf5(path))
        return CS_OK;
    /* COGSCOPE_TRUST_FILES=1: files the user vouches for skip the check
     * (its cost: docs/reliability.md) and are classified in-process. */
    const char *trust = getenv("COGSCOPE_TRUST_FILES");
    if (trust && !strcmp(trust, "1")) {
        int code = classify(path);
        *kind = code == CHILD_RUNLOG ? CLI_H5_RUNLOG : code == CHILD_METRICS ? CLI_H5_METRICS : CLI_H5_OTHER;
        return CS_OK;
    }
    struct stat sb;
    unsigned limit = PROBE_SECONDS_BASE;
    if (stat(path, &sb) == 0 && sb.st_size / PROBE_BYTES_PER_SECOND < 600)
        limit += (unsigned)(sb.st_size / PROBE_BYTES_PER_SECOND);
    fflush(stdout);
    fflush(stderr);
    pid_t parent = getpid();
    pid_t pid = fork();
    if (pid < 0)
        return cs_error_set(CS_EIO, "%s: cannot start the check of the file: %s", path, strerror(errno));
    if (pid == 0) {
        /* Die of the signal itself (no sanitizer report turning it into an
         * exit code), and with the parent. */
        int sigs[] = {SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGABRT, SIGALRM};
        for (size_t i = 0; i < sizeof sigs / sizeof *sigs; i++)
            signal(sigs[i], SIG_DFL);
        prctl(PR_SET_PDEATHSIG, SIGKILL);
        if (getppid() != parent)
            _exit(CHILD_NOT_HDF5);
        alarm(limit);
        _exit(probe_child(path));
    }
    int status;
    while (waitpid(pid, &status, 0) < 0)
        if (errno != EINTR)
            return cs_error_set(CS_EIO, "%s: the check of the file failed: %s", path, strerror(errno));
    if (WIFSIGNALED(status)) {
        int sig = WTERMSIG(status);
        if (sig == SIGALRM)
            return cs_error_set(CS_EFORMAT,
                                "%s: reading the file's HDF5 structures did not finish "
                                "in %u s: the file is damaged (or its file system stalled)",
                                path, limit);
        return cs_error_set(CS_EFORMAT,
                            "%s: the file is damaged: the HDF5 library crashed reading "
                            "it (%s, in a checked child process); it was not read",
                            path, strsignal(sig));
    }
    int code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    *kind = code == CHILD_RUNLOG    ? CLI_H5_RUNLOG
            : code == CHILD_METRICS ? CLI_H5_METRICS
            : code == CHILD_OTHER   ? CLI_H5_OTHER
                                    : CLI_H5_NONE;
    return CS_OK;
}
