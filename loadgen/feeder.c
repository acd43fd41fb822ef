/* feeder.c: see feeder.h. The table is read once with csvio; picking is a
 * single atomic fetch-add on a shared cursor, so threads never lock and a
 * unique feeder can never hand the same row out twice. */
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "common/csvio.h"
#include "common/error.h"
#include "loadgen/feeder.h"

struct feeder {
    char *name;
    enum feeder_mode mode;
    csv_table table;
    size_t *lengths;          /* nrows * ncols cell lengths */
    uint64_t first, nrows;    /* the block unique/sequential picks come from */
    _Atomic uint64_t cursor;  /* picks so far */
    atomic_int exhausted;
};

static const char *const mode_names[] = {"sequential", "random", "unique"};

int feeder_mode_parse(const char *s, enum feeder_mode *out)
{
    for (int i = 0; i < 3; i++) {
        if (strcmp(s, mode_names[i]) == 0) {
            *out = (enum feeder_mode)i;
            return 0;
        }
    }
    return -1;
}

const char *feeder_mode_name(enum feeder_mode m)
{
    return (unsigned)m < 3 ? mode_names[m] : "?";
}

feeder *feeder_load(const char *name, const char *path, enum feeder_mode mode)
{
    feeder *f = calloc(1, sizeof *f);
    if (!f)
        return NULL;
    if (csv_table_read(path, &f->table) != 0) {
        free(f);
        return NULL;
    }
    if (f->table.nrows == 0) {
        crest_error_at(path, 0, "feeder '%s' has a header but no data rows; expected at least one",
                       name);
        csv_table_free(&f->table);
        free(f);
        return NULL;
    }
    for (size_t c = 0; c < f->table.ncols; c++) {
        if (f->table.header[c][0] == '\0') {
            crest_error_at(path, 1, "column %zu has an empty name; expected a column name", c + 1);
            csv_table_free(&f->table);
            free(f);
            return NULL;
        }
    }
    size_t ncells = f->table.nrows * f->table.ncols;
    f->lengths = malloc(ncells * sizeof *f->lengths);
    f->name = strdup(name);
    if (!f->lengths || !f->name) {
        feeder_free(f);
        return NULL;
    }
    for (size_t i = 0; i < ncells; i++)
        f->lengths[i] = strlen(f->table.cells[i]);
    f->mode = mode;
    f->first = 0;
    f->nrows = f->table.nrows;
    atomic_init(&f->cursor, 0);
    atomic_init(&f->exhausted, 0);
    return f;
}

void feeder_free(feeder *f)
{
    if (!f)
        return;
    csv_table_free(&f->table);
    free(f->lengths);
    free(f->name);
    free(f);
}

const char *feeder_name(const feeder *f) { return f->name; }
const char *feeder_path(const feeder *f) { return f->table.path; }
enum feeder_mode feeder_get_mode(const feeder *f) { return f->mode; }
size_t feeder_rows(const feeder *f) { return f->table.nrows; }
size_t feeder_columns(const feeder *f) { return f->table.ncols; }

const char *feeder_column_name(const feeder *f, size_t col)
{
    return col < f->table.ncols ? f->table.header[col] : NULL;
}

int feeder_column(const feeder *f, const char *name)
{
    return csv_table_column(&f->table, name);
}

void feeder_set_block(feeder *f, uint64_t first, uint64_t count)
{
    if (first > f->table.nrows)
        first = f->table.nrows;
    if (count > f->table.nrows - first)
        count = f->table.nrows - first;
    if (count == 0 && f->mode == FEEDER_SEQUENTIAL) {
        first = 0;
        count = f->table.nrows;
    }
    f->first = first;
    f->nrows = count;
}

long feeder_pick(feeder *f, rng *r)
{
    uint64_t n = f->nrows;
    switch (f->mode) {
    case FEEDER_RANDOM:
        atomic_fetch_add_explicit(&f->cursor, 1, memory_order_relaxed);
        return (long)rng_range(r, 0, (int64_t)f->table.nrows - 1);
    case FEEDER_UNIQUE: {
        uint64_t k = atomic_fetch_add_explicit(&f->cursor, 1, memory_order_relaxed);
        if (k >= n) {
            atomic_store_explicit(&f->exhausted, 1, memory_order_relaxed);
            return -1;
        }
        return (long)(f->first + k);
    }
    case FEEDER_SEQUENTIAL:
    default:
        return (long)(f->first +
                      atomic_fetch_add_explicit(&f->cursor, 1, memory_order_relaxed) % n);
    }
}

const char *feeder_cell(const feeder *f, long row, size_t col, size_t *len)
{
    size_t i = (size_t)row * f->table.ncols + col;
    if (len)
        *len = f->lengths[i];
    return f->table.cells[i];
}

uint64_t feeder_picks(const feeder *f)
{
    return atomic_load_explicit(&((feeder *)f)->cursor, memory_order_relaxed);
}

int feeder_exhausted(const feeder *f)
{
    return atomic_load_explicit(&((feeder *)f)->exhausted, memory_order_relaxed);
}

void feeder_rewind(feeder *f)
{
    atomic_store(&f->cursor, 0);
    atomic_store(&f->exhausted, 0);
}
