/* jsonio.c: see jsonio.h. */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "common/error.h"
#include "common/jsonio.h"
#include "common/outpath.h"

char *jsonio_slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        crest_error("cannot open '%s': %s", path, strerror(errno));
        return NULL;
    }
    struct stat st;
    if (fstat(fileno(f), &st) == 0 && S_ISREG(st.st_mode) && st.st_size > JSONIO_MAX_BYTES) {
        fclose(f);
        crest_error("'%s' is larger than %d MiB; expected a crest JSON file", path,
                    JSONIO_MAX_BYTES >> 20);
        return NULL;
    }
    size_t cap = 65536, used = 0;
    char *buf = malloc(cap);
    while (buf) {
        size_t n = fread(buf + used, 1, cap - used - 1, f);
        used += n;
        if (used + 1 < cap)
            break;
        if (used > JSONIO_MAX_BYTES) { /* a huge file, or /dev/zero: refuse, do not slurp */
            free(buf);
            fclose(f);
            crest_error("'%s' is larger than %d MiB; expected a crest JSON file", path,
                        JSONIO_MAX_BYTES >> 20);
            return NULL;
        }
        size_t most = (size_t)JSONIO_MAX_BYTES + 2;
        size_t next = cap * 2 > most ? most : cap * 2;
        char *bigger = realloc(buf, next);
        if (!bigger) {
            free(buf);
            buf = NULL;
            break;
        }
        buf = bigger;
        cap = next;
    }
    int failed = ferror(f);
    fclose(f);
    if (!buf || failed) {
        free(buf);
        crest_error("cannot read '%s'", path);
        return NULL;
    }
    buf[used] = '\0';
    if (len)
        *len = used;
    return buf;
}

cJSON *jsonio_parse(const char *origin, const char *text)
{
    const char *end = NULL;
    cJSON *root = cJSON_ParseWithOpts(text, &end, 1);
    if (root)
        return root;
    const char *at = end ? end : text;
    long line = 1, col = 1;
    for (const char *p = text; p < at && *p; p++) {
        if (*p == '\n') {
            line++;
            col = 1;
        } else {
            col++;
        }
    }
    char near[24] = "";
    size_t k = 0;
    for (const char *p = at; *p && *p != '\n' && k + 1 < sizeof near; p++)
        near[k++] = *p;
    near[k] = '\0';
    crest_error_at_col(origin, line, col, "malformed JSON near '%s'; expected a valid JSON value",
                       near);
    return NULL;
}

cJSON *jsonio_read_file(const char *path)
{
    char *text = jsonio_slurp(path, NULL);
    if (!text)
        return NULL;
    cJSON *root = jsonio_parse(path, text);
    free(text);
    return root;
}

int jsonio_write_file(const char *path, const cJSON *root)
{
    char *text = jsonio_print(root, path);
    if (!text)
        return -1;
    int rc = outpath_write(path, text, strlen(text));
    free(text);
    return rc;
}

char *jsonio_print(const cJSON *root, const char *path)
{
    char *text = cJSON_Print(root);
    size_t n = text ? strlen(text) : 0;
    char *with_nl = text ? realloc(text, n + 2) : NULL;
    if (!with_nl) {
        free(text);
        crest_error("out of memory serializing '%s'", path);
        return NULL;
    }
    with_nl[n] = '\n';
    with_nl[n + 1] = '\0';
    return with_nl;
}

int jsonio_check_keys(const char *file, const char *path, const cJSON *obj,
                      const char *const *allowed)
{
    const cJSON *item;
    cJSON_ArrayForEach(item, obj) {
        int known = 0;
        for (const char *const *a = allowed; *a; a++) {
            if (item->string && strcmp(item->string, *a) == 0) {
                known = 1;
                break;
            }
        }
        if (known)
            continue;
        char list[512] = "";
        size_t used = 0;
        for (const char *const *a = allowed; *a && used < sizeof list; a++) {
            int n = snprintf(list + used, sizeof list - used, "%s%s", a == allowed ? "" : ", ", *a);
            if (n < 0)
                break;
            used += (size_t)n;
        }
        crest_error_at(file, 0, "unknown key '%s%s%s'; expected one of: %s",
                path && *path ? path : "", path && *path ? "." : "",
                item->string ? item->string : "?", list);
        return -1;
    }
    return 0;
}

static const cJSON *lookup(const char *file, const char *path, const cJSON *obj,
                           const char *key, int required, int *status)
{
    const cJSON *item = cJSON_GetObjectItemCaseSensitive(obj, key);
    *status = 0;
    if (!item) {
        if (required) {
            crest_error_at(file, 0, "missing key '%s%s%s'", path && *path ? path : "",
                    path && *path ? "." : "", key);
            *status = -1;
        } else {
            *status = 1;
        }
    }
    return item;
}

static int type_error(const char *file, const char *path, const char *key, const char *want)
{
    crest_error_at(file, 0, "'%s%s%s' must be %s", path && *path ? path : "",
            path && *path ? "." : "", key, want);
    return -1;
}

int jsonio_get_number(const char *file, const char *path, const cJSON *obj,
                      const char *key, int required, double *out)
{
    int status;
    const cJSON *item = lookup(file, path, obj, key, required, &status);
    if (!item)
        return status;
    if (!cJSON_IsNumber(item))
        return type_error(file, path, key, "a number");
    *out = item->valuedouble;
    return 0;
}

int jsonio_get_count(const char *file, const char *path, const cJSON *obj,
                     const char *key, int required, double max, uint64_t *out)
{
    double v = 0;
    int rc = jsonio_get_number(file, path, obj, key, required, &v);
    if (rc != 0)
        return rc;
    if (max > 9007199254740992.0)
        max = 9007199254740992.0;
    if (!(v >= 0 && v <= max)) {
        crest_error_at(file, 0, "'%s%s%s' must be a count from 0 to %.0f, found %g",
                       path && *path ? path : "", path && *path ? "." : "", key, max, v);
        return -1;
    }
    *out = (uint64_t)v;
    return 0;
}

int jsonio_get_string(const char *file, const char *path, const cJSON *obj,
                      const char *key, int required, const char **out)
{
    int status;
    const cJSON *item = lookup(file, path, obj, key, required, &status);
    if (!item)
        return status;
    if (!cJSON_IsString(item))
        return type_error(file, path, key, "a string");
    *out = item->valuestring;
    return 0;
}

int jsonio_get_bool(const char *file, const char *path, const cJSON *obj,
                    const char *key, int required, int *out)
{
    int status;
    const cJSON *item = lookup(file, path, obj, key, required, &status);
    if (!item)
        return status;
    if (!cJSON_IsBool(item))
        return type_error(file, path, key, "true or false");
    *out = cJSON_IsTrue(item);
    return 0;
}

void jsonio_add_number_or_null(cJSON *obj, const char *key, double v)
{
    if (isfinite(v))
        cJSON_AddNumberToObject(obj, key, v);
    else
        cJSON_AddNullToObject(obj, key);
}

void jsonio_add_string_or_null(cJSON *obj, const char *key, const char *s)
{
    if (s && *s)
        cJSON_AddStringToObject(obj, key, s);
    else
        cJSON_AddNullToObject(obj, key);
}
