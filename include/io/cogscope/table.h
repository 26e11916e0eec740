/* Numeric tables from text files and HDF5 datasets, for any data a user brings.
 *
 * Text: one row per line (lines end with LF, CRLF or a lone CR), cells
 * separated by whitespace, commas and/or semicolons (runs of separators count
 * as one); lines whose first non-blank character is '%' or '#' are comments;
 * blank lines are skipped. Every row must have the same number of cells. A
 * gzip-compressed file is read the same way. A NUL byte in a data line is an
 * error naming the line. Cells are parsed to the double strtod would give
 * (a fast exact path for plain decimals, strtod for the rest), so "nan" and
 * "inf" are read as such: callers that cannot use them check with
 * cs_matrix_check_finite(), which names row and column.
 *
 * HDF5: "FILE.h5:/path/to/dataset", a 1-D (read as one column) or 2-D numeric
 * dataset of any numeric type, converted to double; "FILE.h5:/path[I]" takes
 * entry I of the first axis of a 2-D (one column) or 3-D dataset, e.g.
 * snapshot 7 of activations [snapshot, sample, unit] as a sample x unit
 * table: "run.h5:/layers/fc1/activations[7]"; a negative I counts from the
 * end ([-1]: the last). A dataset whose whole name exists is never sliced. */
#ifndef COGSCOPE_TABLE_H
#define COGSCOPE_TABLE_H

#include "cogscope/core.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Read `spec` (a text file path or FILE.h5:/dataset) into a new matrix, freed
 * with cs_matrix_free(). Errors name the file and line/column or dataset:
 * missing file, empty table, ragged rows, non-numeric cells. */
cs_status cs_table_read(const char *spec, cs_matrix *out);

/* Text file only. */
cs_status cs_table_read_text(const char *path, cs_matrix *out);

/* As cs_table_read_text; *lines (free() it; NULL: not wanted) receives the
 * 1-based file line of every row, for messages about a row's content. */
cs_status cs_table_read_text_lines(const char *path, cs_matrix *out, size_t **lines);

/* HDF5 dataset only. */
cs_status cs_table_read_h5(const char *path, const char *dataset, cs_matrix *out);

#ifdef __cplusplus
}
#endif
#endif
