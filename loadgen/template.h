/* template.h: request templates (paths, headers, bodies), compiled once when
 * a plan is built and rendered per request without allocating.
 *
 * Placeholders: ${feeder.column}, ${seq}, ${random.int(lo,hi)},
 * ${random.pick(a,b,c)}, ${uuid}, ${now_ms}. Literal "$${" writes "${". */
#ifndef CREST_TEMPLATE_H
#define CREST_TEMPLATE_H

#include <stddef.h>

#include "loadgen/loadplan.h"

typedef struct template template;

/* Compiles TEXT. FEEDERS (may be NULL) resolve ${name.column}. Returns NULL
 * with a message in ERR naming the placeholder and what was expected. The
 * caller frees with template_free. */
template *template_compile(const char *text, struct feeder *const *feeders, size_t nfeeders,
                           char *err, size_t errlen);
void template_free(template *t);

/* 1 when the template has no placeholders (renders the same every time). */
int template_is_literal(const template *t);
/* The source text, for reports and validate. */
const char *template_source(const template *t);
/* Bit i set when the template reads feeder i (so loadplan_render picks a row). */
unsigned template_feeders_used(const template *t);

/* Appends the rendering to BUF (capacity CAP) at *LEN, keeping BUF
 * NUL-terminated. 0, or -1 when it would not fit. */
int template_render(const template *t, const render_ctx *ctx, char *buf, size_t cap, size_t *len);

#endif
