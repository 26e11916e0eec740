/* Datasets for training: classification sets with inputs in [0,1]-ish
 * floats and integer labels, already split into train and test.
 *
 *   "digits"         the bundled UCI digits (datasets/digits.csv.gz: 1,797
 *                    rows of 64 pixels 0..16 then the label); pixels / 16;
 *                    seeded stratified split, 25% test (1,347 / 450).
 *   "fashion-mnist"  the four gzipped IDX files of Fashion-MNIST from
 *                    data_dir (default /usr/share/datasets/fashion-mnist);
 *                    pixels / 255; the official 60,000 / 10,000 split.
 *   "xor"            noisy 2-bit XOR: bits in {0,1} plus N(0, noise^2),
 *                    label = XOR of the bits.
 *   "parity"         noisy n-bit parity (n = bits), label = sum of bits mod 2.
 *   "parity:N"       the same with N bits.
 *   "copy", "copy:N" the same inputs (n-bit noisy random bits, the same draws
 *                    as parity for a seed), label = the first bit: the
 *                    non-synergistic counterpart of parity (layer Omega's
 *                    known-answer test, tests/test_omega.c).
 *   anything else    a CSV file (optionally .gz): one sample per row, numeric
 *                    cells, the label in column label_col (0-based; -1 =
 *                    last), integer labels 0..C-1; features as given (no
 *                    scaling); seeded stratified split, 25% test.
 *
 * Inputs are stored as float (Fashion-MNIST is 55M values); the training
 * loop converts each minibatch to double. Errors name the file, row and
 * column (missing file, bad IDX magic, IDX count mismatch, truncated gzip,
 * ragged CSV rows, non-numeric cells, labels absent/negative/non-integer). */
#ifndef COGSCOPE_DATASET_H
#define COGSCOPE_DATASET_H

#include <stdint.h>

#include "cogscope/core.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct {
    size_t n;       /* samples */
    size_t dim;     /* inputs per sample */
    size_t classes; /* labels are in [0, classes) */
    float *x;       /* n x dim, row-major, owned */
    int32_t *y;     /* n, owned */
} cs_dataset;

typedef struct {
    const char *bundled_dir; /* directory holding digits.csv.gz; NULL = "datasets" */
    const char *data_dir;    /* Fashion-MNIST directory; NULL = /usr/share/datasets/fashion-mnist */
    long label_col;          /* CSV label column, 0-based; -1 = last */
    uint64_t seed;           /* split and synthetic data */
    double test_fraction;    /* digits/CSV split; 0.25 */
    size_t bits;             /* parity bits; 4 */
    size_t n_train, n_test;  /* synthetic set sizes; 2000 / 500 */
    double noise;            /* synthetic input noise sd; 0.1 */
} cs_dataset_options;

/* The defaults given above. */
void cs_dataset_options_default(cs_dataset_options *o);

/* Load `spec` (see the list above) into train and test (free both with
 * cs_dataset_free). */
cs_status cs_dataset_load(const char *spec, const cs_dataset_options *o, cs_dataset *train, cs_dataset *test);
void cs_dataset_free(cs_dataset *d);

/* A CSV/text table (plain or gzip; cells separated by commas and/or
 * whitespace; '#' comment lines and blank lines skipped) with the label in
 * column label_col (-1 = last). `scale` multiplies every feature. classes =
 * max label + 1. */
cs_status cs_dataset_read_csv(const char *path, long label_col, double scale, cs_dataset *out);

/* Fashion-MNIST-style IDX pair: images (n x rows x cols ubytes) and labels
 * (n ubytes); pixels / 255; classes = max label + 1 (at least 10 for MNIST
 * files holding all classes). Counts must agree. */
cs_status cs_dataset_read_idx(const char *images, const char *labels, cs_dataset *out);

/* Noisy n-bit parity (n = 2 is XOR) with `n` samples. */
cs_status cs_dataset_parity(size_t bits, size_t n, double noise, uint64_t seed, cs_dataset *out);
/* The same bits (same draws for a seed), label = the first bit. */
cs_status cs_dataset_copy(size_t bits, size_t n, double noise, uint64_t seed, cs_dataset *out);

/* Seeded stratified split: each class contributes round(test_fraction * its
 * count) test samples, adjusted by largest remainder so the test set has
 * ceil(test_fraction * n) samples in total (1,797 -> 450); order within each
 * part is shuffled. */
cs_status cs_dataset_split(const cs_dataset *all, double test_fraction, uint64_t seed, cs_dataset *train,
                           cs_dataset *test);

/* Rows idx[0..m) of d as doubles into x (m x dim) and labels into y (m;
 * may be NULL); _f32: as stored, in float (a copy). */
void cs_dataset_gather(const cs_dataset *d, const size_t *idx, size_t m, double *x, int32_t *y);
void cs_dataset_gather_f32(const cs_dataset *d, const size_t *idx, size_t m, float *x, int32_t *y);

#ifdef __cplusplus
}
#endif
#endif
