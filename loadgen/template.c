/* template.c: literal-only templates until the scenario module lands its
 * compiler; placeholders are rejected with a clear error, never ignored. */
#include <stdlib.h>
#include <string.h>
#include <stdio.h>

#include "loadgen/template.h"

struct template {
    char *text;
    size_t len;
};

template *template_compile(const char *text, struct feeder *const *feeders, size_t nfeeders,
                           char *err, size_t errlen)
{
    (void)feeders;
    (void)nfeeders;
    if (strstr(text, "${")) {
        snprintf(err, errlen, "placeholders are not supported yet in '%s'", text);
        return NULL;
    }
    template *t = malloc(sizeof *t);
    if (!t)
        return NULL;
    t->text = strdup(text);
    t->len = strlen(text);
    return t;
}

void template_free(template *t)
{
    if (!t)
        return;
    free(t->text);
    free(t);
}

int template_is_literal(const template *t)
{
    (void)t;
    return 1;
}

const char *template_source(const template *t)
{
    return t->text;
}

unsigned template_feeders_used(const template *t)
{
    (void)t;
    return 0;
}

int template_render(const template *t, const render_ctx *ctx, char *buf, size_t cap, size_t *len)
{
    (void)ctx;
    if (*len + t->len + 1 > cap)
        return -1;
    memcpy(buf + *len, t->text, t->len + 1);
    *len += t->len;
    return 0;
}
