/* jsonio.h: reading and writing crest's JSON files (cJSON underneath).
 *
 * Parse errors name file:line:col; semantic errors name the JSON path
 * (e.g. "subsystems.cart.endpoints[2].weight"), since cJSON keeps no
 * positions for values. Output files are written atomically (temp + fsync + rename)
 * so that a reader never sees half a file, even after SIGINT. */
#ifndef CREST_JSONIO_H
#define CREST_JSONIO_H

#include <stddef.h>
#include <stdint.h>
#include <cjson/cJSON.h>

/* Files larger than this are refused (a 1 GB scenario is a mistake, and
 * cJSON would need several times its size). */
#define JSONIO_MAX_BYTES (256 << 20)

/* Reads and parses PATH. On error prints "PATH:LINE:COL: error: ..." and
 * returns NULL. The caller frees the result with cJSON_Delete. */
cJSON *jsonio_read_file(const char *path);

/* Parses TEXT (NUL-terminated), naming ORIGIN in errors. */
cJSON *jsonio_parse(const char *origin, const char *text);

/* Writes ROOT pretty-printed to PATH through outpath_write ("-" is stdout;
 * regular files via PATH.tmp + rename; a failed write is saved to a
 * temporary file). Returns 0, or -1 after printing an error. */
int jsonio_write_file(const char *path, const cJSON *root);
/* ROOT pretty-printed with a final newline (the caller frees), or NULL
 * after printing an out-of-memory error naming PATH. */
char *jsonio_print(const cJSON *root, const char *path);

/* Rejects keys of OBJ not in ALLOWED (NULL-terminated). Prints
 * "FILE: error: unknown key 'PATH.key'; expected one of: ..." and returns -1
 * on the first unknown key; 0 when all are known. */
int jsonio_check_keys(const char *file, const char *path, const cJSON *obj,
                      const char *const *allowed);

/* Typed getters with errors naming FILE and PATH.KEY. Each returns 0 on
 * success, 1 when the key is absent and not REQUIRED (OUT untouched), -1
 * after printing an error (wrong type, or absent and required). */
int jsonio_get_number(const char *file, const char *path, const cJSON *obj,
                      const char *key, int required, double *out);
int jsonio_get_string(const char *file, const char *path, const cJSON *obj,
                      const char *key, int required, const char **out);
int jsonio_get_bool(const char *file, const char *path, const cJSON *obj,
                    const char *key, int required, int *out);
/* A count: a number from 0 to MAX (at most 2^53, where doubles stop being
 * exact), truncated to a whole number. Anything else is an error naming
 * the range: converting 1e88 to an integer type is undefined behaviour. */
int jsonio_get_count(const char *file, const char *path, const cJSON *obj,
                     const char *key, int required, double max, uint64_t *out);

/* Adds KEY: V to OBJ, or KEY: null when V is NaN or infinite (JSON has no
 * such numbers; crest's files write "unknown" as null). */
void jsonio_add_number_or_null(cJSON *obj, const char *key, double v);

/* Adds KEY: S to OBJ, or KEY: null when S is NULL or empty (crest's files
 * write "none" as null, never as ""). */
void jsonio_add_string_or_null(cJSON *obj, const char *key, const char *s);

/* Reads a whole file into a NUL-terminated buffer the caller frees; LEN may
 * be NULL. Prints an error and returns NULL on failure. */
char *jsonio_slurp(const char *path, size_t *len);

#endif
