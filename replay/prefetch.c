/* prefetch.c: a read-ahead thread behind a FILE* (see prefetch.h). A ring
 * of NBLOCKS blocks: the thread fills the next free block with one read(),
 * the consumer's cookie read copies out of the oldest full one; a mutex and
 * two condition variables, no busy waiting. */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "replay/prefetch.h"

typedef struct block {
    char *data;
    size_t len, off;
} block;

struct prefetch {
    int fd;
    size_t bsize, nblocks;
    block *blocks;
    size_t head, count;          /* oldest full block, full blocks */
    int eof, err, stop;
    pthread_mutex_t mu;
    pthread_cond_t filled, drained;
    pthread_t thread;
    int started;
    FILE *stream;
};

static void *reader(void *arg)
{
    prefetch *p = arg;
    /* cancellable only inside read(), never while holding the mutex */
    pthread_setcancelstate(PTHREAD_CANCEL_DISABLE, NULL);
    for (;;) {
        pthread_mutex_lock(&p->mu);
        while (p->count == p->nblocks && !p->stop)
            pthread_cond_wait(&p->drained, &p->mu);
        if (p->stop) {
            pthread_mutex_unlock(&p->mu);
            return NULL;
        }
        block *b = &p->blocks[(p->head + p->count) % p->nblocks];
        pthread_mutex_unlock(&p->mu);
        ssize_t n;
        pthread_setcancelstate(PTHREAD_CANCEL_ENABLE, NULL);
        do
            n = read(p->fd, b->data, p->bsize);
        while (n < 0 && errno == EINTR);
        pthread_setcancelstate(PTHREAD_CANCEL_DISABLE, NULL);
        pthread_mutex_lock(&p->mu);
        if (n <= 0) {
            p->eof = 1;
            p->err = n < 0 ? errno : 0;
        } else {
            b->len = (size_t)n;
            b->off = 0;
            p->count++;
        }
        pthread_cond_signal(&p->filled);
        pthread_mutex_unlock(&p->mu);
        if (n <= 0)
            return NULL;
    }
}

static ssize_t cookie_read(void *cookie, char *buf, size_t size)
{
    prefetch *p = cookie;
    pthread_mutex_lock(&p->mu);
    while (p->count == 0 && !p->eof)
        pthread_cond_wait(&p->filled, &p->mu);
    if (p->count == 0) {
        int err = p->err;
        pthread_mutex_unlock(&p->mu);
        if (err) {
            errno = err;
            return -1;
        }
        return 0;
    }
    block *b = &p->blocks[p->head];
    pthread_mutex_unlock(&p->mu);
    size_t n = b->len - b->off < size ? b->len - b->off : size;
    memcpy(buf, b->data + b->off, n);   /* the reader never touches a full block */
    b->off += n;
    if (b->off == b->len) {
        pthread_mutex_lock(&p->mu);
        p->head = (p->head + 1) % p->nblocks;
        p->count--;
        pthread_cond_signal(&p->drained);
        pthread_mutex_unlock(&p->mu);
    }
    return (ssize_t)n;
}

prefetch *prefetch_open(int fd, size_t bsize, size_t nblocks)
{
    prefetch *p = calloc(1, sizeof *p);
    if (!p)
        return NULL;
    p->fd = fd;
    p->bsize = bsize;
    p->nblocks = nblocks;
    p->blocks = calloc(nblocks, sizeof *p->blocks);
    pthread_mutex_init(&p->mu, NULL);
    pthread_cond_init(&p->filled, NULL);
    pthread_cond_init(&p->drained, NULL);
    for (size_t i = 0; p->blocks && i < nblocks; i++)
        if (!(p->blocks[i].data = malloc(bsize)))
            goto fail;
    if (!p->blocks)
        goto fail;
    cookie_io_functions_t io = {.read = cookie_read, .write = NULL, .seek = NULL, .close = NULL};
    p->stream = fopencookie(p, "r", io);
    if (!p->stream || pthread_create(&p->thread, NULL, reader, p) != 0)
        goto fail;
    p->started = 1;
    return p;
fail:
    prefetch_close(p);
    return NULL;
}

FILE *prefetch_stream(prefetch *p)
{
    return p->stream;
}

void prefetch_close(prefetch *p)
{
    if (!p)
        return;
    if (p->started) {
        pthread_mutex_lock(&p->mu);
        p->stop = 1;
        pthread_cond_signal(&p->drained);
        pthread_mutex_unlock(&p->mu);
        /* a reader blocked in read() on a pipe nobody writes to ends at EOF;
         * one past --to is still reading: it is cancelled there */
        pthread_cancel(p->thread);
        pthread_join(p->thread, NULL);
    }
    if (p->stream)
        fclose(p->stream);
    for (size_t i = 0; p->blocks && i < p->nblocks; i++)
        free(p->blocks[i].data);
    free(p->blocks);
    pthread_cond_destroy(&p->filled);
    pthread_cond_destroy(&p->drained);
    pthread_mutex_destroy(&p->mu);
    free(p);
}
