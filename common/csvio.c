/* csvio.c: see csvio.h. The file is fed to libcsv one line at a time so that
 * each finished row can be tagged with the line it started on. */
#include <csv.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/csvio.h"
#include "common/error.h"
#include "common/units.h"

typedef struct csv_builder {
    csv_table *t;
    char **row;          /* fields of the row being parsed */
    size_t nrow, caprow;
    long line_now;       /* line being fed */
    long row_line;       /* line the current row started on */
    size_t cap_rows;
    int failed;
} csv_builder;

static void on_field(void *data, size_t len, void *ctx)
{
    csv_builder *b = ctx;
    if (b->failed)
        return;
    if (b->nrow == 0)
        b->row_line = b->line_now;
    if (b->nrow == b->caprow) {
        size_t cap = b->caprow ? b->caprow * 2 : 16;
        char **bigger = realloc(b->row, cap * sizeof *bigger);
        if (!bigger) {
            b->failed = 1;
            return;
        }
        b->row = bigger;
        b->caprow = cap;
    }
    char *s = malloc(len + 1);
    if (!s) {
        b->failed = 1;
        return;
    }
    memcpy(s, data, len);
    s[len] = '\0';
    b->row[b->nrow++] = s;
}

static void drop_row(csv_builder *b)
{
    for (size_t i = 0; i < b->nrow; i++)
        free(b->row[i]);
    b->nrow = 0;
}

static void on_row(int term, void *ctx)
{
    (void)term;
    csv_builder *b = ctx;
    csv_table *t = b->t;
    if (b->failed) {
        drop_row(b);
        return;
    }
    if (b->nrow == 0)
        return;
    if (b->nrow == 1 && b->row[0][0] == '\0') { /* blank line */
        drop_row(b);
        return;
    }
    if (!t->header) {
        t->header = b->row;
        t->ncols = b->nrow;
        b->row = NULL;
        b->nrow = b->caprow = 0;
        return;
    }
    if (b->nrow != t->ncols) {
        crest_error_at(t->path, b->row_line, "expected %zu fields (as in the header), found %zu",
                       t->ncols, b->nrow);
        b->failed = 1;
        drop_row(b);
        return;
    }
    if (t->nrows == b->cap_rows) {
        size_t cap = b->cap_rows ? b->cap_rows * 2 : 64;
        char **cells = realloc(t->cells, cap * t->ncols * sizeof *cells);
        long *lines = cells ? realloc(t->line, cap * sizeof *lines) : NULL;
        if (cells)
            t->cells = cells;
        if (!cells || !lines) {
            b->failed = 1;
            drop_row(b);
            return;
        }
        t->line = lines;
        b->cap_rows = cap;
    }
    memcpy(t->cells + t->nrows * t->ncols, b->row, t->ncols * sizeof *b->row);
    t->line[t->nrows] = b->row_line;
    t->nrows++;
    b->nrow = 0;
}

int csv_table_read(const char *path, csv_table *out)
{
    memset(out, 0, sizeof *out);
    out->path = strdup(path);
    FILE *f = fopen(path, "rb");
    if (!f) {
        crest_error("cannot open '%s': %s", path, strerror(errno));
        csv_table_free(out);
        return -1;
    }
    struct csv_parser parser;
    csv_init(&parser, CSV_APPEND_NULL);
    csv_builder b = {.t = out};
    char *line = NULL;
    size_t cap = 0;
    ssize_t n;
    while (!b.failed && (n = getline(&line, &cap, f)) > 0) {
        b.line_now++;
        if (csv_parse(&parser, line, (size_t)n, on_field, on_row, &b) != (size_t)n) {
            crest_error_at(path, b.line_now, "%s", csv_strerror(csv_error(&parser)));
            b.failed = 1;
        }
    }
    if (!b.failed)
        csv_fini(&parser, on_field, on_row, &b);
    csv_free(&parser);
    free(line);
    fclose(f);
    drop_row(&b);
    free(b.row);
    if (!b.failed && !out->header) {
        crest_error_at(path, 0, "empty file; expected a header row");
        b.failed = 1;
    }
    if (b.failed) {
        csv_table_free(out);
        return -1;
    }
    return 0;
}

void csv_table_free(csv_table *t)
{
    for (size_t i = 0; i < t->nrows * t->ncols; i++)
        free(t->cells[i]);
    for (size_t i = 0; t->header && i < t->ncols; i++)
        free(t->header[i]);
    free(t->cells);
    free(t->header);
    free(t->line);
    free(t->path);
    memset(t, 0, sizeof *t);
}

int csv_table_column(const csv_table *t, const char *name)
{
    for (size_t i = 0; i < t->ncols; i++)
        if (strcmp(t->header[i], name) == 0)
            return (int)i;
    return -1;
}

const char *csv_table_cell(const csv_table *t, size_t row, size_t col)
{
    return t->cells[row * t->ncols + col];
}

int csv_table_number(const csv_table *t, size_t row, size_t col, double *out)
{
    const char *s = csv_table_cell(t, row, col);
    while (*s == ' ' || *s == '\t')
        s++;
    if (*s == '\0')
        return 1;
    if (units_parse_double(s, out) != 0) {
        crest_error_at(t->path, t->line[row], "column '%s': expected a number, found '%s'",
                       t->header[col], s);
        return -1;
    }
    return 0;
}
