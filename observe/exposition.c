/* exposition.c: the strict exposition-format parser (see exposition.h).
 *
 * The text is copied once, then parsed line by line in place: names and
 * label values are NUL-terminated where they end, escapes are undone in
 * place (the unescaped text is never longer). Samples and labels grow in
 * two arrays. Numbers are checked against the format's grammar before
 * strtod sees them, so "0x10", "1e" or "infinity" are errors, not values. */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "observe/exposition.h"

typedef struct parser {
    expo_doc *d;
    size_t cap_samples, cap_labels;
    long line;
    char *err;
    size_t errlen;
    const char *family;        /* the last # TYPE family */
    enum expo_type family_type;
} parser;

static int fail(parser *p, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int fail(parser *p, const char *fmt, ...)
{
    char msg[200];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    if (p->err && p->errlen)
        snprintf(p->err, p->errlen, "line %ld: %s", p->line, msg);
    return -1;
}

static int is_blank(char c)
{
    return c == ' ' || c == '\t';
}

static int is_name_start(char c, int colon_ok)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || (colon_ok && c == ':');
}

static int is_name_char(char c, int colon_ok)
{
    return is_name_start(c, colon_ok) || (c >= '0' && c <= '9');
}

static char *skip_blanks(char *s)
{
    while (is_blank(*s))
        s++;
    return s;
}

/* Length of the name at S (metric names may hold ':'), 0 if none. */
static size_t name_len(const char *s, int colon_ok)
{
    if (!is_name_start(*s, colon_ok))
        return 0;
    size_t n = 1;
    while (is_name_char(s[n], colon_ok))
        n++;
    return n;
}

/* Checks the float grammar at S ([+-] digits [. digits] [e [+-] digits],
 * NaN, [+-]Inf) and returns its length, 0 when it is not one. */
static size_t number_len(const char *s)
{
    size_t i = 0;
    if (s[i] == '+' || s[i] == '-')
        i++;
    if (strncmp(s + i, "Inf", 3) == 0 && !is_name_char(s[i + 3], 0))
        return i + 3;
    if (i == 0 && strncmp(s, "NaN", 3) == 0 && !is_name_char(s[3], 0))
        return 3;
    size_t digits = 0;
    while (s[i] >= '0' && s[i] <= '9')
        i++, digits++;
    if (s[i] == '.') {
        i++;
        while (s[i] >= '0' && s[i] <= '9')
            i++, digits++;
    }
    if (!digits)
        return 0;
    if (s[i] == 'e' || s[i] == 'E') {
        i++;
        if (s[i] == '+' || s[i] == '-')
            i++;
        size_t exp = 0;
        while (s[i] >= '0' && s[i] <= '9')
            i++, exp++;
        if (!exp)
            return 0;
    }
    return i;
}

static int grow(void **arr, size_t *cap, size_t need, size_t size)
{
    if (need <= *cap)
        return 0;
    size_t n = *cap ? *cap * 2 : 64;
    while (n < need)
        n *= 2;
    void *a = realloc(*arr, n * size);
    if (!a)
        return -1;
    *arr = a;
    *cap = n;
    return 0;
}

/* Parses the quoted label value at *S ("...") in place; *S moves past it. */
static int parse_label_value(parser *p, char **s, const char **value)
{
    char *in = *s;
    if (*in != '"')
        return fail(p, "expected '\"' opening a label value");
    in++;
    char *out = in;
    *value = in;
    for (;;) {
        char c = *in;
        if (c == '\0')
            return fail(p, "expected '\"' closing a label value");
        if (c == '"')
            break;
        if (c == '\\') {
            char e = in[1];
            if (e == '\\' || e == '"')
                c = e;
            else if (e == 'n')
                c = '\n';
            else
                return fail(p, "expected \\\\, \\\" or \\n in a label value");
            in++;
        }
        *out++ = c;
        in++;
    }
    *out = '\0';   /* out <= in: the closing quote is overwritten at worst */
    *s = in + 1;
    return 0;
}

/* Parses "{name="value",...}" at *S (just past '{'). */
static int parse_labels(parser *p, char **s, expo_sample *smp)
{
    char *c = skip_blanks(*s);
    smp->first_label = p->d->nlabels;
    while (*c != '}') {
        size_t n = name_len(c, 0);
        if (!n)
            return fail(p, "expected a label name or '}'");
        if (smp->nlabels == EXPO_MAX_LABELS)
            return fail(p, "more than %d labels on one sample", EXPO_MAX_LABELS);
        if (grow((void **)&p->d->labels, &p->cap_labels, p->d->nlabels + 1, sizeof *p->d->labels))
            return fail(p, "out of memory");
        expo_label *l = &p->d->labels[p->d->nlabels];
        l->name = c;
        char *name_end = c + n;
        c = skip_blanks(name_end);
        if (*c != '=')
            return fail(p, "expected '=' after label name");
        c = skip_blanks(c + 1);
        *name_end = '\0';   /* a blank or the '=' already passed */
        if (parse_label_value(p, &c, &l->value) != 0)
            return -1;
        for (size_t i = smp->first_label; i < p->d->nlabels; i++)
            if (strcmp(p->d->labels[i].name, l->name) == 0)
                return fail(p, "label '%s' repeated", l->name);
        p->d->nlabels++;
        smp->nlabels++;
        c = skip_blanks(c);
        if (*c == ',')
            c = skip_blanks(c + 1);
        else if (*c != '}')
            return fail(p, "expected ',' or '}' after a label value");
    }
    *s = c + 1;
    return 0;
}

static const char *const suffixes[] = {"_total", "_bucket", "_sum", "_count", "_created", NULL};

/* The family of a sample named NAME: the current # TYPE family when NAME
 * is it or it plus a suffix of its type, else NAME itself (untyped). */
static void assign_family(parser *p, expo_sample *smp)
{
    smp->family = smp->name;
    smp->type = EXPO_UNTYPED;
    if (!p->family)
        return;
    size_t fl = strlen(p->family);
    if (strncmp(smp->name, p->family, fl) != 0)
        return;
    const char *rest = smp->name + fl;
    int match = *rest == '\0';
    for (size_t i = 0; !match && suffixes[i]; i++)
        match = strcmp(rest, suffixes[i]) == 0;
    if (match) {
        smp->family = p->family;
        smp->type = p->family_type;
    }
}

static int parse_sample(parser *p, char *line)
{
    size_t n = name_len(line, 1);
    if (!n)
        return fail(p, "expected a metric name, '#' or an empty line");
    if (p->d->nsamples == EXPO_MAX_SAMPLES)
        return fail(p, "more than %d samples", EXPO_MAX_SAMPLES);
    if (grow((void **)&p->d->samples, &p->cap_samples, p->d->nsamples + 1, sizeof *p->d->samples))
        return fail(p, "out of memory");
    expo_sample *smp = &p->d->samples[p->d->nsamples];
    memset(smp, 0, sizeof *smp);
    smp->name = line;
    char *c = line + n;
    char after = *c;
    if (after != '{' && !is_blank(after))
        return fail(p, "expected '{' or a blank after the metric name");
    *c = '\0';
    c = skip_blanks(c + 1);
    if (after == '{') {
        if (parse_labels(p, &c, smp) != 0)
            return -1;
        if (!is_blank(*c))
            return fail(p, "expected a blank before the value");
        c = skip_blanks(c);
    }
    size_t vl = number_len(c);
    if (!vl || (c[vl] != '\0' && !is_blank(c[vl])))
        return fail(p, "expected a number (digits, NaN, +Inf or -Inf) as the value");
    smp->value = strtod(c, NULL);
    c = skip_blanks(c + vl);
    if (*c && *c != '#') {
        size_t tl = number_len(c);
        if (!tl || (c[tl] != '\0' && !is_blank(c[tl])))
            return fail(p, "expected a timestamp or the end of the line after the value");
        c = skip_blanks(c + tl);
    }
    if (*c == '#' && (c[1] != ' ' || c[2] != '{'))   /* OpenMetrics exemplar: ignored */
        return fail(p, "expected an exemplar '# {...}' or the end of the line");
    else if (*c && *c != '#')
        return fail(p, "expected the end of the line");
    assign_family(p, smp);
    p->d->nsamples++;
    return 0;
}

static int parse_type(parser *p, char *rest)
{
    size_t n = name_len(rest, 1);
    if (!n || !is_blank(rest[n]))
        return fail(p, "expected '# TYPE name type'");
    rest[n] = '\0';
    char *t = skip_blanks(rest + n + 1);
    static const char *const names[] = {"untyped", "counter", "gauge", "histogram", "summary"};
    for (int i = 0; i < 5; i++) {
        if (strcmp(t, names[i]) == 0) {
            p->family = rest;
            p->family_type = (enum expo_type)i;
            return 0;
        }
    }
    if (strcmp(t, "unknown") == 0 || strcmp(t, "info") == 0 || strcmp(t, "stateset") == 0 ||
        strcmp(t, "gaugehistogram") == 0) {   /* OpenMetrics types kept as untyped */
        p->family = rest;
        p->family_type = strcmp(t, "gaugehistogram") == 0 ? EXPO_HISTOGRAM : EXPO_UNTYPED;
        return 0;
    }
    return fail(p, "expected counter, gauge, histogram, summary or untyped after '# TYPE %s'",
                rest);
}

/* A comment line; *EOF set on "# EOF" (OpenMetrics' last line). */
static int parse_comment(parser *p, char *line, int *eof)
{
    if (strcmp(line, "# EOF") == 0) {
        *eof = 1;
        return 0;
    }
    if (strncmp(line, "# TYPE ", 7) == 0)
        return parse_type(p, skip_blanks(line + 7));
    if (strncmp(line, "# HELP ", 7) == 0 && !name_len(skip_blanks(line + 7), 1))
        return fail(p, "expected '# HELP name text'");
    return 0;
}

int expo_parse(const char *text, size_t len, expo_doc *out, char *err, size_t errlen)
{
    memset(out, 0, sizeof *out);
    parser p = {.d = out, .err = err, .errlen = errlen};
    if (len > EXPO_MAX_BYTES)
        return fail(&p, "the document is larger than %u bytes", EXPO_MAX_BYTES);
    if (memchr(text, '\0', len)) {
        p.line = 1;
        for (const char *c = text; *c; c++)
            p.line += *c == '\n';
        return fail(&p, "unexpected NUL byte");
    }
    if (!(out->text = malloc(len + 1)))
        return fail(&p, "out of memory");
    memcpy(out->text, text, len);
    out->text[len] = '\0';
    char *line = out->text;
    int eof = 0, rc = 0;
    while (*line && rc == 0) {
        p.line++;
        if (eof) {
            rc = fail(&p, "expected nothing after '# EOF'");
            break;
        }
        char *nl = strchr(line, '\n');
        char *next = nl ? nl + 1 : line + strlen(line);
        if (nl)
            *nl = '\0';
        if (nl > line && nl[-1] == '\r')
            nl[-1] = '\0';
        if (*line == '#')
            rc = parse_comment(&p, line, &eof);
        else if (*skip_blanks(line))
            rc = parse_sample(&p, skip_blanks(line));
        line = next;
    }
    if (rc != 0) {
        expo_doc_free(out);
        return -1;
    }
    return 0;
}

void expo_doc_free(expo_doc *d)
{
    free(d->text);
    free(d->samples);
    free(d->labels);
    memset(d, 0, sizeof *d);
}

const char *expo_label_value(const expo_doc *d, const expo_sample *s, const char *name)
{
    for (size_t i = 0; i < s->nlabels; i++)
        if (strcmp(d->labels[s->first_label + i].name, name) == 0)
            return d->labels[s->first_label + i].value;
    return NULL;
}

const char *expo_type_name(enum expo_type t)
{
    static const char *const names[] = {"untyped", "counter", "gauge", "histogram", "summary"};
    return (unsigned)t < 5 ? names[t] : "?";
}
