/* test_safefile.c: common/safefile (atomic writes) and common/outpath's
 * write path (the one fallback every writer shares). Real files in a
 * temporary directory: a good file is never replaced by a failed write, no
 * temp file is left behind, a FIFO is written in place, and output that
 * cannot go where asked lands in $TMPDIR under a unique name. */
#include <dirent.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "common/outpath.h"
#include "common/safefile.h"
#include "tests/unit/unit_tmpdir.h"

static char *slurp(const char *path)
{
    static char buf[4096];
    FILE *f = fopen(path, "r");
    if (!f)
        return NULL;
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    fclose(f);
    buf[n] = '\0';
    return buf;
}

/* Entries of DIR other than . and .. whose name contains NEEDLE. */
static int count_entries(const char *d, const char *needle)
{
    DIR *dp = opendir(d);
    assert_non_null(dp);
    int n = 0;
    for (struct dirent *e = readdir(dp); e; e = readdir(dp))
        if (e->d_name[0] != '.' && strstr(e->d_name, needle))
            n++;
    closedir(dp);
    return n;
}

static void test_write_replaces_whole_and_leaves_no_temp(void **state)
{
    (void)state;
    char path[128];
    snprintf(path, sizeof path, "%s/r.json", tmpdir);
    assert_int_equal(safefile_write(path, "old\n", 4), 0);
    assert_int_equal(safefile_write(path, "new content\n", 12), 0);
    assert_string_equal(slurp(path), "new content\n");
    assert_int_equal(count_entries(tmpdir, ".tmp"), 0);
}

static void test_abort_keeps_the_old_file(void **state)
{
    (void)state;
    char path[128];
    snprintf(path, sizeof path, "%s/keep.json", tmpdir);
    assert_int_equal(safefile_write(path, "good\n", 5), 0);
    safefile sf;
    assert_int_equal(safefile_open(&sf, path), 0);
    fputs("half a fi", sf.f);
    safefile_abort(&sf);
    assert_string_equal(slurp(path), "good\n");
    assert_int_equal(count_entries(tmpdir, ".tmp"), 0);
}

static void test_missing_directory_fails_without_a_file(void **state)
{
    (void)state;
    char path[128];
    snprintf(path, sizeof path, "%s/gone/r.json", tmpdir);
    assert_int_equal(safefile_write(path, "x", 1), -1);
    struct stat st;
    assert_int_not_equal(stat(path, &st), 0);
}

/* A FIFO is written in place: renaming over it would replace the node. */
static void test_fifo_written_in_place(void **state)
{
    (void)state;
    char path[128];
    snprintf(path, sizeof path, "%s/pipe", tmpdir);
    assert_int_equal(mkfifo(path, 0600), 0);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        _exit(safefile_write(path, "through the pipe", 16) == 0 ? 0 : 1);
    }
    int fd = open(path, O_RDONLY);
    assert_true(fd >= 0);
    char buf[64] = {0};
    ssize_t got = 0, n;
    while ((n = read(fd, buf + got, sizeof buf - 1 - (size_t)got)) > 0)
        got += n;
    close(fd);
    int status;
    waitpid(pid, &status, 0);
    assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    assert_string_equal(buf, "through the pipe");
    struct stat st;
    assert_int_equal(stat(path, &st), 0);
    assert_true(S_ISFIFO(st.st_mode));
}

/* outpath_write: when PATH cannot be written, the data goes to $TMPDIR
 * as crest-XXXXXX-NAME, and the call still says it failed. */
static void test_outpath_rescues_to_tmpdir(void **state)
{
    (void)state;
    char path[128], spare[128];
    snprintf(path, sizeof path, "%s/gone/results.json", tmpdir);
    snprintf(spare, sizeof spare, "%s/spare", tmpdir);
    assert_int_equal(mkdir(spare, 0700), 0);
    char *old = getenv("TMPDIR") ? strdup(getenv("TMPDIR")) : NULL;
    setenv("TMPDIR", spare, 1);
    stderr_capture_begin();
    int rc = outpath_write(path, "{\"ok\": 1}\n", 10);
    const char *said = stderr_capture_end();
    if (old) {
        setenv("TMPDIR", old, 1);
        free(old);
    } else {
        unsetenv("TMPDIR");
    }
    assert_int_equal(rc, -1);
    assert_int_equal(count_entries(spare, "-results.json"), 1);
    DIR *dp = opendir(spare);
    struct dirent *e;
    while ((e = readdir(dp)) && e->d_name[0] == '.')
        ;
    assert_non_null(e);
    assert_int_equal(strncmp(e->d_name, "crest-", 6), 0);
    char saved[512];
    snprintf(saved, sizeof saved, "%s/%s", spare, e->d_name);
    closedir(dp);
    assert_string_equal(slurp(saved), "{\"ok\": 1}\n");
    assert_non_null(strstr(said, "could not write"));   /* says where the data went */
    assert_non_null(strstr(said, saved));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_write_replaces_whole_and_leaves_no_temp),
        cmocka_unit_test(test_abort_keeps_the_old_file),
        cmocka_unit_test(test_missing_directory_fails_without_a_file),
        cmocka_unit_test(test_fifo_written_in_place),
        cmocka_unit_test(test_outpath_rescues_to_tmpdir),
    };
    return cmocka_run_group_tests(tests, tmpdir_setup, tmpdir_teardown);
}
