/* fuzz_util.h: helpers shared by the libFuzzer harnesses in tests/fuzz.
 *
 * Most of crest's parsers read a path (they name the file in their errors),
 * so a harness writes the fuzzer's bytes to a file in a private directory
 * (on /dev/shm when there is one, to keep it in memory) and calls the real
 * reader on it: the fuzzed code is exactly what `crest` runs. Harnesses are
 * built and run by `make fuzz` and tests/integration/test_fuzz.sh; see
 * docs/reliability.md. Header-only so each harness stays one file. */
#ifndef CREST_FUZZ_UTIL_H
#define CREST_FUZZ_UTIL_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <dirent.h>
#include <sys/stat.h>
#include <unistd.h>

static char fuzz_dir_path[256];

/* Removes the private directory and its files when the fuzzer exits. */
static inline void fuzz_dir_remove(void)
{
    DIR *d = opendir(fuzz_dir_path);
    if (d) {
        struct dirent *e;
        char p[512];
        while ((e = readdir(d)) != NULL) {
            if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
                continue;
            snprintf(p, sizeof p, "%s/%s", fuzz_dir_path, e->d_name);
            unlink(p);
        }
        closedir(d);
    }
    char sub[512];
    snprintf(sub, sizeof sub, "%s/data/u.csv", fuzz_dir_path);
    unlink(sub);
    snprintf(sub, sizeof sub, "%s/data", fuzz_dir_path);
    rmdir(sub);
    rmdir(fuzz_dir_path);
}

/* The harness's private directory (created once, per process so that
 * parallel fuzzing jobs never share files). */
static inline const char *fuzz_dir(void)
{
    char *dir = fuzz_dir_path;
    if (dir[0])
        return dir;
    const char *base = access("/dev/shm", W_OK) == 0 ? "/dev/shm" : getenv("TMPDIR");
    snprintf(dir, sizeof fuzz_dir_path, "%s/crest-fuzz.XXXXXX", base && *base ? base : "/tmp");
    if (!mkdtemp(dir)) {
        perror("crest fuzz: mkdtemp");
        abort();
    }
    atexit(fuzz_dir_remove);
    return dir;
}

/* Writes LEN bytes of DATA to NAME in the private directory; returns the
 * path (a static buffer, one per call site is enough for a harness). */
static inline const char *fuzz_write(const char *name, const uint8_t *data, size_t len, char *path,
                              size_t cap)
{
    snprintf(path, cap, "%s/%s", fuzz_dir(), name);
    FILE *f = fopen(path, "wb");
    if (!f || (len && fwrite(data, 1, len, f) != len) || fclose(f) != 0) {
        perror("crest fuzz: cannot write the input file");
        abort();
    }
    return path;
}

/* Creates directory PATH (harness set-up; an existing one is fine). */
static inline void mkdir_p_once(const char *path)
{
    if (mkdir(path, 0700) != 0 && access(path, W_OK) != 0) {
        perror("crest fuzz: mkdir");
        abort();
    }
}

/* DATA as a NUL-terminated string (the caller frees). */
static inline char *fuzz_string(const uint8_t *data, size_t len)
{
    char *s = malloc(len + 1);
    if (!s)
        abort();
    memcpy(s, data, len);
    s[len] = '\0';
    return s;
}

#endif
