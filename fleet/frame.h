/* frame.h: shard results carried in a log. A fleet pod prints its
 * results.json on stdout between two marker lines (base64, 76 columns, with
 * its byte count and checksum), so `kubectl logs` (or ssh, pdsh, Slurm
 * output files) is all it takes to collect the shards: no shared volume.
 *
 *   crest-shard-begin 2/4 bytes=18231 fnv1a64=8c3e...
 *   eyJzY2hlbWEiOiAiY3Jlc3QucmVzdWx0cy8xIiwg...
 *   crest-shard-end 2/4
 *
 * The scanner accepts a line prefix added by the collector (kubectl logs
 * --prefix: "[pod/name/container] "), frames of several pods interleaved
 * when prefixed, and other output between the marker lines; a frame whose
 * byte count or checksum does not match is reported, never used. */
#ifndef CREST_FLEET_FRAME_H
#define CREST_FLEET_FRAME_H

#include <stddef.h>
#include <stdio.h>

/* Writes LEN bytes of DATA framed as shard INDEX of COUNT to OUT. 0 or -1. */
int fleet_frame_write(FILE *out, unsigned index, unsigned count, const char *data, size_t len);

typedef struct fleet_frame {
    unsigned index, count;
    char *data;                /* owned, NUL-terminated */
    size_t len;
} fleet_frame;

typedef struct fleet_frames {
    fleet_frame *items;
    size_t n;
    size_t broken;             /* frames refused (truncated, bad checksum): reported */
} fleet_frames;

/* Scans the log TEXT (from ORIGIN, for messages) and appends every whole,
 * checked frame to OUT. Broken frames are reported through crest_error,
 * naming ORIGIN, the line and the shard, and counted. 0, or -1 when out of
 * memory. */
int fleet_frames_scan(const char *origin, const char *text, fleet_frames *out);
void fleet_frames_free(fleet_frames *f);

#endif
