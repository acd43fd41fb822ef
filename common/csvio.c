/* csvio.c: see csvio.h. The file is fed to libcsv one line at a time so that
 * each finished row can be tagged with the line it started on. Cell text
 * lives in a few large arena blocks (not one malloc per cell), so a feeder
 * of ten million rows costs about its file size plus a pointer per cell. */
#include <csv.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/csvio.h"
#include "common/error.h"
#include "common/units.h"

/* One arena block: cells are carved from it, freed all at once. */
typedef struct csv_block {
    struct csv_block *next;
    size_t used, cap;
    char data[];
} csv_block;

#define CSV_BLOCK_BYTES (1u << 20)

typedef struct csv_builder {
    csv_table *t;
    char **row;          /* fields of the row being parsed */
    size_t nrow, caprow;
    long line_now;       /* line being fed */
    long row_line;       /* line the current row started on */
    size_t cap_rows;
    int failed;
} csv_builder;

/* LEN + 1 bytes from T's arena, or NULL when out of memory. */
static char *arena_alloc(csv_table *t, size_t len)
{
    csv_block *blk = t->blocks;
    if (!blk || blk->cap - blk->used < len + 1) {
        size_t cap = len + 1 > CSV_BLOCK_BYTES ? len + 1 : CSV_BLOCK_BYTES;
        blk = malloc(sizeof *blk + cap);
        if (!blk)
            return NULL;
        blk->next = t->blocks;
        blk->used = 0;
        blk->cap = cap;
        t->blocks = blk;
    }
    char *s = blk->data + blk->used;
    blk->used += len + 1;
    return s;
}

static void on_field(void *data, size_t len, void *ctx)
{
    csv_builder *b = ctx;
    if (b->failed)
        return;
    if (b->nrow == 0)
        b->row_line = b->line_now;
    if (b->nrow >= CSV_MAX_COLUMNS) {
        crest_error_at(b->t->path, b->row_line, "more than %d fields in a row; expected at most "
                       "%d columns", CSV_MAX_COLUMNS, CSV_MAX_COLUMNS);
        b->failed = 1;
        return;
    }
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
    char *s = arena_alloc(b->t, len);
    if (!s) {
        crest_error_at(b->t->path, b->row_line, "out of memory");
        b->failed = 1;
        return;
    }
    memcpy(s, data, len);
    s[len] = '\0';
    b->row[b->nrow++] = s;
}

/* The row's text stays in the arena (freed with the table). */
static void drop_row(csv_builder *b)
{
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
    if ((t->nrows + 1) * t->ncols > CSV_MAX_CELLS) {
        crest_error_at(t->path, b->row_line, "more than %d cells (rows x columns); expected a "
                       "smaller file (split it)", CSV_MAX_CELLS);
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

/* Feeds F to libcsv in fixed-size chunks cut at line ends (so rows know
 * their line), never holding more than a chunk: a file without newlines
 * (/dev/zero) or beyond CSV_MAX_BYTES is refused, not slurped. */
static void feed_file(FILE *f, const char *path, struct csv_parser *parser, csv_builder *b)
{
    enum { CHUNK = 65536 };
    char *buf = malloc(CHUNK);
    if (!buf) {
        crest_error("out of memory reading '%s'", path);
        b->failed = 1;
        return;
    }
    size_t total = 0, line_bytes = 0, n;
    int line_start = 1;
    while (!b->failed && (n = fread(buf, 1, CHUNK, f)) > 0) {
        total += n;
        if (total > CSV_MAX_BYTES) {
            crest_error_at(path, b->line_now, "the file is larger than %d MiB; expected a "
                           "smaller file (split it)", CSV_MAX_BYTES >> 20);
            b->failed = 1;
            break;
        }
        for (size_t at = 0; at < n && !b->failed;) {
            const char *nl = memchr(buf + at, '\n', n - at);
            size_t len = nl ? (size_t)(nl - (buf + at)) + 1 : n - at;
            if (line_start) {
                b->line_now++;
                line_bytes = 0;
            }
            line_start = nl != NULL;
            line_bytes += len;
            if (line_bytes > CSV_MAX_LINE_BYTES) {
                crest_error_at(path, b->line_now, "the line is longer than %d MiB; expected a "
                               "CSV text file", CSV_MAX_LINE_BYTES >> 20);
                b->failed = 1;
                break;
            }
            if (csv_parse(parser, buf + at, len, on_field, on_row, b) != len) {
                crest_error_at(path, b->line_now, "%s", csv_strerror(csv_error(parser)));
                b->failed = 1;
            }
            at += len;
        }
    }
    if (ferror(f) && !b->failed) {
        crest_error("cannot read '%s': %s", path, strerror(errno));
        b->failed = 1;
    }
    free(buf);
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
    /* libcsv grows a field linearly by this much: the default 128 bytes makes
     * a huge field (a file without newlines) quadratic. */
    csv_set_blk_size(&parser, 1u << 18);
    csv_builder b = {.t = out};
    feed_file(f, path, &parser, &b);
    if (!b.failed)
        csv_fini(&parser, on_field, on_row, &b);
    csv_free(&parser);
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
    while (t->blocks) {
        csv_block *next = t->blocks->next;
        free(t->blocks);
        t->blocks = next;
    }
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
