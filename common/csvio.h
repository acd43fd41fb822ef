/* csvio.h: reading CSV files with a header row (libcsv underneath) into a
 * table of strings that remembers each row's line number, so every later
 * error can name file:line and the column. Used by feeders, traffic
 * profiles, forecast history and USL input. */
#ifndef CREST_CSVIO_H
#define CREST_CSVIO_H

#include <stddef.h>

/* Bounds (bad input beyond them, with a message naming file:line): memory
 * stays near the file size plus 8 bytes per cell and per row. */
#define CSV_MAX_BYTES (1024 << 20)     /* 1 GiB */
#define CSV_MAX_LINE_BYTES (16 << 20) /* a file without newlines (/dev/zero) stops here */
#define CSV_MAX_COLUMNS 10000
#define CSV_MAX_CELLS 100000000        /* 1e8 cells: ~0.8 GB of cell pointers */

typedef struct csv_table {
    char *path;       /* as given, for error messages */
    size_t ncols;     /* columns in the header row */
    char **header;    /* ncols names */
    size_t nrows;     /* data rows (header excluded) */
    char **cells;     /* nrows * ncols strings, row-major; never NULL */
    long *line;       /* nrows line numbers in the file (1-based) */
    struct csv_block *blocks; /* arena holding every cell's text (private) */
} csv_table;

/* Reads PATH. Every data row must have exactly ncols fields; blank lines
 * are skipped. Returns 0, or -1 after printing "PATH:LINE: error: ...".
 * The caller frees with csv_table_free. */
int csv_table_read(const char *path, csv_table *out);
void csv_table_free(csv_table *t);

/* Index of the column named NAME, or -1. */
int csv_table_column(const csv_table *t, const char *name);

/* The cell at ROW, COL. */
const char *csv_table_cell(const csv_table *t, size_t row, size_t col);

/* Parses the cell at ROW, COL as a finite number (locale-independent).
 * Returns 0, 1 when the cell is empty (missing value; OUT untouched), or -1
 * after printing "PATH:LINE: error: column 'C': expected a number, found '...'". */
int csv_table_number(const csv_table *t, size_t row, size_t col, double *out);

#endif
