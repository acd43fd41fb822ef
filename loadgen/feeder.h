/* feeder.h: CSV feeders, the per-user / per-SKU data a scenario's templates
 * read as ${name.column}. A feeder is a csv_table (common/csvio.h) plus a
 * picking mode:
 *
 *   sequential  rows in file order, wrapping around at the end
 *   random      a uniformly random row each time (from the caller's rng)
 *   unique      each row at most once; when they run out, feeder_pick
 *               returns -1 and the request must be dropped, never resent
 *               with a reused row
 *
 * Picking is thread-safe and lock-free (a C11 atomic cursor), so engine
 * threads share one feeder. Loaded once by scenario.c; owned by the plan. */
#ifndef CREST_FEEDER_H
#define CREST_FEEDER_H

#include <stddef.h>
#include <stdint.h>

#include "common/rng.h"

enum feeder_mode { FEEDER_SEQUENTIAL, FEEDER_RANDOM, FEEDER_UNIQUE };

typedef struct feeder feeder;

/* Reads PATH (a CSV file with a header row) as feeder NAME. Returns NULL
 * after printing an error naming the file (and line) when the file is
 * missing, malformed or has no data rows. Freed with feeder_free. */
feeder *feeder_load(const char *name, const char *path, enum feeder_mode mode);
void feeder_free(feeder *f);

/* "sequential" / "random" / "unique" <-> mode; parse returns 0 or -1. */
int feeder_mode_parse(const char *s, enum feeder_mode *out);
const char *feeder_mode_name(enum feeder_mode m);

const char *feeder_name(const feeder *f);
const char *feeder_path(const feeder *f);
enum feeder_mode feeder_get_mode(const feeder *f);
size_t feeder_rows(const feeder *f);
size_t feeder_columns(const feeder *f);
const char *feeder_column_name(const feeder *f, size_t col);
/* Index of column NAME, or -1. */
int feeder_column(const feeder *f, const char *name);

/* The next row by the feeder's mode (R is used by random mode), or -1 when
 * a unique feeder has run out. Lock-free; no allocation. */
long feeder_pick(feeder *f, rng *r);
/* The cell at ROW, COL and its length (precomputed). */
const char *feeder_cell(const feeder *f, long row, size_t col, size_t *len);
/* Rows handed out so far (picks attempted, for unique: including the ones
 * refused after running out). */
uint64_t feeder_picks(const feeder *f);
/* 1 once a unique feeder has refused a pick. */
int feeder_exhausted(const feeder *f);
/* Restricts unique and sequential picks to rows [FIRST, FIRST + COUNT)
 * (a fleet shard's block, so no row goes to two shards). A sequential
 * feeder with an empty block keeps the whole table (rows may repeat
 * anyway); a unique one with an empty block is exhausted at once. Random
 * feeders keep picking from the whole table. Call before picking. */
void feeder_set_block(feeder *f, uint64_t first, uint64_t count);
/* Rewinds the cursor (tests, and search steps replaying a plan). */
void feeder_rewind(feeder *f);

#endif
