/* fuzz_shed_header.c: libFuzzer harness for the part of the curl transport's
 * response-header handling that crest owns: recognizing a status line and
 * a degraded-answer header (shed_header) in each header line libcurl hands
 * over. The input is split into a header name (up to the first NUL byte)
 * and lines. */
#include "tests/fuzz/fuzz_util.h"

#include "loadgen/shed_header.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *p = (const char *)data;
    const char *nul = memchr(p, '\0', size);
    size_t name_len = nul ? (size_t)(nul - p) : 0;
    const char *name = p;
    const char *rest = nul ? nul + 1 : p;
    size_t left = nul ? size - name_len - 1 : size;
    /* Copy each line so that reading past its end is caught by ASan. */
    while (left) {
        const char *nl = memchr(rest, '\n', left);
        size_t len = nl ? (size_t)(nl - rest) + 1 : left;
        char *line = malloc(len ? len : 1);
        char *nm = malloc(name_len ? name_len : 1);
        if (!line || !nm)
            abort();
        memcpy(line, rest, len);
        memcpy(nm, name, name_len);
        shed_header_is_status_line(line, len);
        shed_header_match(line, len, nm, name_len);
        free(line);
        free(nm);
        rest += len;
        left -= len;
    }
    return 0;
}
