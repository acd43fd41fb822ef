/* replay_feed.h: a replay stream (replay_stream.h) as the engine's arrival
 * feed (loadplan_feed_ops in loadgen/loadplan.h).
 *
 * The generator threads share one stream behind a mutex: a thread asking
 * for its next arrival takes the stream's next one, so the threads
 * together send every arrival once, each at its own recorded time. A
 * thread keeps the arrivals it took until they are sent, in a ring that
 * grows only while requests wait for a connection (overload); rendering
 * arrival N frees those before it. Requests are rendered from the recorded
 * method and URL, the matched endpoint's headers, and its body template
 * for methods with a body. */
#ifndef CREST_REPLAY_FEED_H
#define CREST_REPLAY_FEED_H

#include "loadgen/loadplan.h"
#include "replay/replay_stream.h"

typedef struct replay_feed replay_feed;

/* Opens the stream of C. NULL after printing an error. */
replay_feed *replay_feed_new(const replay_config *c);
/* Makes P's arrivals come from F (F must outlive the run). */
void replay_feed_attach(replay_feed *f, loadplan *p);
/* 1 when the stream stopped on an error (printed) rather than its end. */
int replay_feed_failed(const replay_feed *f);
/* The stream's counters (call after the run). */
const replay_stats *replay_feed_stats(const replay_feed *f);
const access_format *replay_feed_format(const replay_feed *f);
void replay_feed_free(replay_feed *f);

#endif
