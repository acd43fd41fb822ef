/* embedded_target.h: what `crest run` and `crest replay` do when their plan
 * names no target: start the embedded testbed (testbed/embed.h) and aim the
 * plan at it, saying so on the terminal. */
#ifndef CREST_EMBEDDED_TARGET_H
#define CREST_EMBEDDED_TARGET_H

#include "loadgen/loadplan.h"
#include "testbed/embed.h"

/* When PLAN has no target: starts the testbed into TB, sets PLAN's target
 * to it and, unless QUIET, prints "crest: no target given; VERB against the
 * embedded testbed at URL". 1 when started (testbed_stop(TB) afterwards),
 * 0 when PLAN has a target, -1 when the testbed could not start (said). */
int embedded_target_start(loadplan *plan, const char *verb, int quiet, testbed_process *tb);

#endif
