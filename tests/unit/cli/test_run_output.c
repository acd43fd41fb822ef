/* test_run_output.c: how run, merge, replay and shadow end a run
 * (cli/run_output.c): the command line results.json records, the
 * verdict's exit code and error line, and the results write: the document
 * lands in the file, a baseline comparison goes under "baseline"
 * (replacing one already there), and a failed write turns a pass into 3
 * but never hides a failed gate. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/run_output.h"
#include "common/error.h"
#include "common/jsonio.h"
#include "tests/unit/unit_tmpdir.h"

static run_result answered_run(void)
{
    run_result r;
    memset(&r, 0, sizeof r);
    r.total.c.ok = r.total.c.completed = r.total.c.scheduled = r.total.c.sent = 100;
    return r;
}

static void test_command_line(void **state)
{
    (void)state;
    char *argv[] = {"run", "http://127.0.0.1:8080/", "-c", "8"};
    char *cmd = run_output_command(4, argv);
    assert_string_equal(cmd, "crest run http://127.0.0.1:8080/ -c 8");
    free(cmd);
    cmd = run_output_command(0, argv);
    assert_string_equal(cmd, "crest");
    free(cmd);
}

static void test_verdict_codes(void **state)
{
    (void)state;
    run_result r = answered_run();
    assert_int_equal(run_output_verdict(&r, 0, 0, NULL), CREST_EXIT_OK);
    assert_int_equal(run_output_verdict(&r, 1, 2, "fleet"), CREST_EXIT_GATE);
    r.interrupted = 1;
    assert_int_equal(run_output_verdict(&r, 0, 0, NULL), CREST_EXIT_RUN);
}

static cJSON *doc_with_baseline(void)
{
    cJSON *doc = cJSON_CreateObject();
    cJSON_AddStringToObject(doc, "schema", "crest.results/1");
    cJSON_AddStringToObject(doc, "baseline", "stale");
    return doc;
}

static void test_write_plain_and_baseline(void **state)
{
    (void)state;
    char path[128];
    snprintf(path, sizeof path, "%s/plain.json", tmpdir);
    assert_int_equal(run_output_write(path, doc_with_baseline(), NULL, CREST_EXIT_GATE),
                     CREST_EXIT_GATE);
    cJSON *back = jsonio_read_file(path);
    assert_non_null(back);
    assert_string_equal(cJSON_GetObjectItem(back, "schema")->valuestring, "crest.results/1");
    assert_string_equal(cJSON_GetObjectItem(back, "baseline")->valuestring, "stale");
    cJSON_Delete(back);

    compare_report rep;
    memset(&rep, 0, sizeof rep);
    rep.baseline = "old.json";
    rep.current = "this run";
    snprintf(path, sizeof path, "%s/baseline.json", tmpdir);
    assert_int_equal(run_output_write(path, doc_with_baseline(), &rep, CREST_EXIT_OK),
                     CREST_EXIT_OK);
    back = jsonio_read_file(path);
    assert_non_null(back);
    const cJSON *b = cJSON_GetObjectItem(back, "baseline");
    assert_true(cJSON_IsObject(b));
    assert_string_equal(cJSON_GetObjectItem(b, "schema")->valuestring, "crest.compare/1");
    assert_string_equal(cJSON_GetObjectItem(b, "baseline")->valuestring, "old.json");
    cJSON_Delete(back);
}

static void test_failed_write(void **state)
{
    (void)state;
    char path[128];
    /* The fallback copy of a failed write goes to $TMPDIR: keep it in ours. */
    setenv("TMPDIR", tmpdir, 1);
    snprintf(path, sizeof path, "%s/missing/r.json", tmpdir);
    assert_int_equal(run_output_write(path, doc_with_baseline(), NULL, CREST_EXIT_OK),
                     CREST_EXIT_RUN);
    assert_int_equal(run_output_write(path, doc_with_baseline(), NULL, CREST_EXIT_GATE),
                     CREST_EXIT_GATE);
    /* NULL: building the document ran out of memory. */
    snprintf(path, sizeof path, "%s/never.json", tmpdir);
    assert_int_equal(run_output_write(path, NULL, NULL, CREST_EXIT_OK), CREST_EXIT_RUN);
    assert_int_equal(run_output_write(path, NULL, NULL, CREST_EXIT_GATE), CREST_EXIT_GATE);
    FILE *f = fopen(path, "r");
    assert_null(f);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_command_line),
        cmocka_unit_test(test_verdict_codes),
        cmocka_unit_test(test_write_plain_and_baseline),
        cmocka_unit_test(test_failed_write),
    };
    return cmocka_run_group_tests(tests, tmpdir_setup, tmpdir_teardown);
}
