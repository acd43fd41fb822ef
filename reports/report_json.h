/* report_json.h: tolerant getters over cJSON for the report's readers.
 *
 * `crest report` reads files written by other subcommands (possibly by an
 * older or newer crest), so a missing or mistyped optional field must never
 * stop a report: these getters return NAN / NULL / a default instead of an
 * error, and the readers decide what is truly required (only "schema").
 * Returned strings point into the cJSON tree and live as long as it does. */
#ifndef CREST_REPORT_JSON_H
#define CREST_REPORT_JSON_H

#include <cjson/cJSON.h>

/* The number at KEY of OBJ, or NAN when absent, null or not a number.
 * A numeric string ("12.5") counts as a number. */
double rj_num(const cJSON *obj, const char *key);
/* The first of KEYS (NULL-terminated) present as a number, or NAN: for
 * fields whose name the producers spell in more than one way. */
double rj_num_any(const cJSON *obj, const char *const *keys);
/* The string at KEY, or NULL when absent or not a string. */
const char *rj_str(const cJSON *obj, const char *key);
/* 1 true, 0 false, DEF when absent or not a boolean. */
int rj_bool(const cJSON *obj, const char *key, int def);
/* The object / array at KEY, or NULL. */
const cJSON *rj_obj(const cJSON *obj, const char *key);
const cJSON *rj_arr(const cJSON *obj, const char *key);

#endif
