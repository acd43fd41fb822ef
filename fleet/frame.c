/* frame.c: shard results framed in logs (see frame.h). The scanner keeps
 * one open frame per line prefix, so pods whose prefixed logs interleave
 * are still read apart; anything that is not base64 inside a frame is
 * skipped, and the byte count and FNV-1a checksum catch what went missing. */
#include <stdlib.h>
#include <string.h>

#include "common/base64.h"
#include "common/error.h"
#include "fleet/frame.h"
#include "loadgen/shard.h"

#define BEGIN_MARK "crest-shard-begin "
#define END_MARK "crest-shard-end "
#define LINE_COLS 76
#define MAX_OPEN 64

int fleet_frame_write(FILE *out, unsigned index, unsigned count, const char *data, size_t len)
{
    char *text = base64_encode("", (const unsigned char *)data, len);
    if (!text)
        return -1;
    char digest[17];
    shard_digest(data, len, digest);
    fprintf(out, "%s%u/%u bytes=%zu fnv1a64=%s\n", BEGIN_MARK, index, count, len, digest);
    size_t n = strlen(text);
    for (size_t i = 0; i < n; i += LINE_COLS)
        fprintf(out, "%.*s\n", (int)(n - i < LINE_COLS ? n - i : LINE_COLS), text + i);
    fprintf(out, "%s%u/%u\n", END_MARK, index, count);
    free(text);
    return fflush(out) == 0 && !ferror(out) ? 0 : -1;
}

typedef struct open_frame {
    char *prefix;
    size_t prefix_len;
    unsigned index, count;
    size_t bytes;
    char digest[17];
    long line;
    char *b64;
    size_t b64_len, b64_cap;
} open_frame;

static void close_frame(open_frame *f)
{
    free(f->prefix);
    free(f->b64);
    memset(f, 0, sizeof *f);
}

static int is_base64_line(const char *s, size_t len)
{
    if (len == 0)
        return 0;
    for (size_t i = 0; i < len; i++) {
        char c = s[i];
        int ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
                 c == '+' || c == '/' || c == '=';
        if (!ok)
            return 0;
    }
    return 1;
}

static int push_b64(open_frame *f, const char *s, size_t len)
{
    if (f->b64_len + len + 1 > f->b64_cap) {
        size_t cap = (f->b64_cap + len + 1) * 2;
        char *p = realloc(f->b64, cap);
        if (!p)
            return -1;
        f->b64 = p;
        f->b64_cap = cap;
    }
    memcpy(f->b64 + f->b64_len, s, len);
    f->b64_len += len;
    f->b64[f->b64_len] = '\0';
    return 0;
}

/* Decodes and checks the frame F that just ended; appends it to OUT. */
static int finish_frame(const char *origin, long line, open_frame *f, fleet_frames *out)
{
    size_t len = 0;
    unsigned char *data = f->b64 ? base64_decode(f->b64, f->b64_len, &len) : NULL;
    char digest[17] = "";
    if (data)
        shard_digest(data, len, digest);
    if (!data || len != f->bytes || strcmp(digest, f->digest) != 0) {
        crest_error_at(origin, line, "shard %u/%u (frame from line %ld): %s; the frame is not "
                       "used", f->index, f->count, f->line,
                       !data ? "the payload is not valid base64 (truncated log?)"
                             : len != f->bytes ? "byte count does not match (truncated log?)"
                                               : "checksum does not match");
        free(data);
        out->broken++;
        return 0;
    }
    char *text = malloc(len + 1);
    fleet_frame *items = text ? realloc(out->items, (out->n + 1) * sizeof *items) : NULL;
    if (!items) {
        free(text);
        free(data);
        return -1;
    }
    memcpy(text, data, len);
    text[len] = '\0';
    free(data);
    out->items = items;
    out->items[out->n++] = (fleet_frame){.index = f->index, .count = f->count, .data = text,
                                         .len = len};
    return 0;
}

/* The open frame whose prefix LINE starts with (the longest such prefix). */
static open_frame *frame_for(open_frame *open, const char *line, size_t len)
{
    open_frame *best = NULL;
    for (int i = 0; i < MAX_OPEN; i++)
        if (open[i].prefix && open[i].prefix_len <= len &&
            memcmp(open[i].prefix, line, open[i].prefix_len) == 0 &&
            (!best || open[i].prefix_len > best->prefix_len))
            best = &open[i];
    return best;
}

static int begin_frame(const char *origin, long lineno, open_frame *open, const char *line,
                       const char *mark)
{
    open_frame f = {0};
    if (sscanf(mark + strlen(BEGIN_MARK), "%u/%u bytes=%zu fnv1a64=%16s", &f.index, &f.count,
               &f.bytes, f.digest) != 4) {
        crest_error_at(origin, lineno, "a malformed crest-shard-begin line; ignored");
        return 0;
    }
    f.prefix_len = (size_t)(mark - line);
    f.prefix = strndup(line, f.prefix_len);
    f.line = lineno;
    if (!f.prefix)
        return -1;
    for (int i = 0; i < MAX_OPEN; i++) {
        if (open[i].prefix && strcmp(open[i].prefix, f.prefix) == 0) {
            crest_error_at(origin, lineno, "shard %u/%u: a new frame began before the end of "
                           "the one from line %ld; that one is not used", open[i].index,
                           open[i].count, open[i].line);
            close_frame(&open[i]);
        }
    }
    for (int i = 0; i < MAX_OPEN; i++)
        if (!open[i].prefix) {
            open[i] = f;
            return 0;
        }
    free(f.prefix);
    crest_error_at(origin, lineno, "more than %d frames open at once; ignored", MAX_OPEN);
    return 0;
}

int fleet_frames_scan(const char *origin, const char *text, fleet_frames *out)
{
    open_frame open[MAX_OPEN];
    memset(open, 0, sizeof open);
    long lineno = 0;
    int rc = 0;
    for (const char *p = text; *p && rc == 0;) {
        const char *nl = strchr(p, '\n');
        size_t len = nl ? (size_t)(nl - p) : strlen(p);
        lineno++;
        char *line = strndup(p, len);
        if (!line) {
            rc = -1;
            break;
        }
        if (len && line[len - 1] == '\r')
            line[--len] = '\0';
        const char *begin = strstr(line, BEGIN_MARK), *end = strstr(line, END_MARK);
        open_frame *f = frame_for(open, line, len);
        if (begin) {
            rc = begin_frame(origin, lineno, open, line, begin);
        } else if (f && end && (size_t)(end - line) == f->prefix_len) {
            rc = finish_frame(origin, lineno, f, out);
            close_frame(f);
        } else if (f && is_base64_line(line + f->prefix_len, len - f->prefix_len)) {
            rc = push_b64(f, line + f->prefix_len, len - f->prefix_len);
        }
        free(line);
        p = nl ? nl + 1 : p + len;
    }
    for (int i = 0; i < MAX_OPEN; i++) {
        if (open[i].prefix) {
            crest_error_at(origin, open[i].line, "shard %u/%u: the frame never ends (truncated "
                           "log, or the pod was killed while printing); not used", open[i].index,
                           open[i].count);
            out->broken++;
            close_frame(&open[i]);
        }
    }
    return rc;
}

void fleet_frames_free(fleet_frames *f)
{
    for (size_t i = 0; i < f->n; i++)
        free(f->items[i].data);
    free(f->items);
    memset(f, 0, sizeof *f);
}
