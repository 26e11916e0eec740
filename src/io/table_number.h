/* The number parser of the text-table reader (table.c). Private to io;
 * tests/test_table.c checks it against strtod. */
#ifndef COGSCOPE_IO_TABLE_NUMBER_H
#define COGSCOPE_IO_TABLE_NUMBER_H

#include <stddef.h>

#include "cogscope/core.h"

/* One cell: the `len` bytes at s must be a whole number as strtod reads it
 * (any length); *out is strtod's value to the bit. CS_EFORMAT (no message
 * set) otherwise, or when a copy of a cell over 127 bytes cannot be made. */
cs_status table_parse_number(const char *s, size_t len, double *out);

#endif
