/* prefetch.h: reads a pipe ahead of its consumer in a thread, so a replay
 * that reads its log from stdin does not stall its generator thread each
 * time the producer (zcat, a script) is descheduled: a pipe buffers 64 KiB,
 * a few milliseconds of a festival log; this keeps up to NBLOCKS x BLOCK
 * bytes ready (bounded memory). The consumer gets an ordinary FILE* (a
 * fopencookie stream) for getline. */
#ifndef CREST_PREFETCH_H
#define CREST_PREFETCH_H

#include <stddef.h>
#include <stdio.h>

typedef struct prefetch prefetch;

/* Starts reading FD. NULL when out of memory or the thread cannot start. */
prefetch *prefetch_open(int fd, size_t block, size_t nblocks);
/* The stream to read from (owned by P). */
FILE *prefetch_stream(prefetch *p);
/* Stops the thread and frees everything (the stream included). */
void prefetch_close(prefetch *p);

#endif
