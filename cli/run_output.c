/* run_output.c: the verdict line and the results write shared by the
 * commands that end a run (see run_output.h). */
#include <stdlib.h>
#include <string.h>

#include "cli/run_output.h"

#include "common/error.h"
#include "common/jsonio.h"
#include "loadgen/run_verdict.h"

char *run_output_command(int argc, char **argv)
{
    size_t len = 16;
    for (int i = 0; i < argc; i++)
        len += strlen(argv[i]) + 3;
    char *s = malloc(len);
    if (!s)
        return NULL;
    strcpy(s, "crest");
    for (int i = 0; i < argc; i++) {
        strcat(s, " ");
        strcat(s, argv[i]);
    }
    return s;
}

int run_output_verdict(const run_result *r, size_t failed, size_t nthresholds,
                       const char *label)
{
    run_verdict v;
    run_verdict_judge(r, failed, nthresholds, &v);
    if (v.why[0] && label)
        crest_error("%s: %s", label, v.why);
    else if (v.why[0])
        crest_error("%s", v.why);
    return v.exit_code;
}

int run_output_write(const char *path, cJSON *doc, const compare_report *regression,
                     int exit_code)
{
    cJSON *verdict = doc && regression ? compare_report_to_json(regression) : NULL;
    int rc = -1;
    if (!doc || (regression && !verdict)) {
        crest_error("out of memory writing '%s'", path);
        cJSON_Delete(verdict);
    } else {
        if (verdict) {
            cJSON_DeleteItemFromObjectCaseSensitive(doc, "baseline");
            cJSON_AddItemToObject(doc, "baseline", verdict);
        }
        rc = jsonio_write_file(path, doc);
    }
    cJSON_Delete(doc);
    return rc != 0 && exit_code == CREST_EXIT_OK ? CREST_EXIT_RUN : exit_code;
}
