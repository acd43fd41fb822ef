/* report_json.c: see report_json.h. */
#include <math.h>
#include <stdlib.h>

#include "reports/report_json.h"

static const cJSON *item(const cJSON *obj, const char *key)
{
    if (!obj || !cJSON_IsObject(obj))
        return NULL;
    return cJSON_GetObjectItemCaseSensitive(obj, key);
}

double rj_num(const cJSON *obj, const char *key)
{
    const cJSON *v = item(obj, key);
    if (cJSON_IsNumber(v))
        return isfinite(v->valuedouble) ? v->valuedouble : NAN;
    if (cJSON_IsString(v) && v->valuestring && *v->valuestring) {
        char *end;
        double d = strtod(v->valuestring, &end);
        if (*end == '\0' && isfinite(d))
            return d;
    }
    return NAN;
}

double rj_num_any(const cJSON *obj, const char *const *keys)
{
    for (; *keys; keys++) {
        double d = rj_num(obj, *keys);
        if (!isnan(d))
            return d;
    }
    return NAN;
}

const char *rj_str(const cJSON *obj, const char *key)
{
    const cJSON *v = item(obj, key);
    return cJSON_IsString(v) ? v->valuestring : NULL;
}

int rj_bool(const cJSON *obj, const char *key, int def)
{
    const cJSON *v = item(obj, key);
    if (cJSON_IsBool(v))
        return cJSON_IsTrue(v);
    return def;
}

const cJSON *rj_obj(const cJSON *obj, const char *key)
{
    const cJSON *v = item(obj, key);
    return cJSON_IsObject(v) ? v : NULL;
}

const cJSON *rj_arr(const cJSON *obj, const char *key)
{
    const cJSON *v = item(obj, key);
    return cJSON_IsArray(v) ? v : NULL;
}
