/* HDF5 set-up, attribute reading and writing, and failure reasons, shared by
 * the run log (runlog*.c), the metrics file (metrics.c) and the array and
 * table readers of src/io. Private to io. Strings are written fixed-length (NUL-padded UTF-8; h5py reads
 * them as bytes): variable-length strings live in the global heap, and a
 * damaged heap crashes HDF5 1.10.8 inside H5Aread. Readers accept every form
 * h5py and other writers produce: fixed-length NUL-terminated, NUL-padded or
 * space-padded, and variable-length, of either character set, as scalars or
 * 1-element arrays (arrays: h5_attr_get_strings).
 *
 * Writers return 1 on success, 0 on failure (the HDF5 error stack holds the
 * reason). Readers return 1 = read, 0 = absent, -1 = present but of the
 * wrong kind; they clear the HDF5 error stack. */
#ifndef COGSCOPE_H5ATTR_H
#define COGSCOPE_H5ATTR_H

#include <hdf5.h>
#include <stddef.h>
#include <stdint.h>

int h5_attr_put_string(hid_t loc, const char *name, const char *value);
/* A 1-D attribute of n strings. */
int h5_attr_put_strings(hid_t loc, const char *name, const char *const *values, size_t n);
/* n numbers from memory type `mtype` stored as file type `ftype`; a scalar
 * dataspace when `scalar` (then n must be 1), else 1-D of n. */
int h5_attr_put_num(hid_t loc, const char *name, hid_t ftype, hid_t mtype, const void *v, size_t n, int scalar);
int h5_attr_put_f64(hid_t loc, const char *name, double v);
int h5_attr_put_i64(hid_t loc, const char *name, int64_t v);

/* A scalar string attribute into out[n] (truncated to fit; "" unless read). */
int h5_attr_get_string(hid_t obj, const char *name, char *out, size_t n);
/* A numeric attribute of 1..max elements converted to `memtype` into out;
 * *count (may be NULL) gets the element count. */
int h5_attr_get_numbers(hid_t obj, const char *name, hid_t memtype, void *out, size_t max, size_t *count);

/* A 1-D attribute of 0..max strings (any form): *out gets a malloc'ed
 * array of *count malloc'ed copies (NULL when *count is 0); free it with
 * h5_strings_free. -1 also for more than `max` entries or no memory. */
int h5_attr_get_strings(hid_t obj, const char *name, size_t max, char ***out, size_t *count);
void h5_strings_free(char **v, size_t n);

/* HDF5 set-up, before the first HDF5 call of every io entry point: the
 * automatic error printing off for this thread (Debian's HDF5 is built
 * thread-safe and keeps that setting per thread: the library never prints;
 * failures are read from the error stack by h5_reason) and, once per
 * process, the exit-time clean-up off (H5dont_atexit: it crashes in
 * H5F__close_cb on a file whose close failed because its disk was full;
 * cogscope closes every file it opens itself). H5dont_atexit works only
 * before HDF5 initialises, so this runs before any other HDF5 call.
 * Idempotent and cheap. */
void h5_setup(void);

/* Why the last HDF5 call failed, from its error stack (which is cleared):
 * when a system call failed underneath (a full disk, a file-size limit), the
 * system's words for its errno ("No space left on device"), else HDF5's
 * innermost message, else the errno of the thread, else "unknown HDF5
 * error". Returns buf. */
const char *h5_reason(char *buf, size_t n);

/* After a failed write (a full disk) to a file of the default (POSIX,
 * sec2) driver: point its descriptor elsewhere, so that whatever HDF5 still
 * writes (dirty metadata, flushed when the ids are closed) never reaches the
 * file, which keeps exactly what it held. Closing the ids must then
 * succeed: a file id left open by a failed close crashes the library at
 * exit (H5F__close_cb from H5_term_library). Closing may read back what it
 * wrote, so a file of up to `copy_max` bytes is swapped for a copy in
 * memory; a larger one (or copy_max 0) for /dev/null, which suffices for a
 * SWMR run log, whose close rereads nothing. Call it before closing, never
 * after a failed H5Fclose. Returns 1 when detached. */
int h5_discard_writes(hid_t file, size_t copy_max);

#endif
