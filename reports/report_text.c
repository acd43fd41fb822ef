/* report_text.c: see report_text.h. */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "reports/report_text.h"

/* Length of the valid UTF-8 sequence at S (1..4), or 0 when invalid. */
static size_t utf8_len(const unsigned char *s)
{
    unsigned c = s[0];
    size_t n;
    uint32_t cp;
    if (c < 0x80)
        return 1;
    if ((c & 0xE0) == 0xC0) {
        n = 2;
        cp = c & 0x1F;
    } else if ((c & 0xF0) == 0xE0) {
        n = 3;
        cp = c & 0x0F;
    } else if ((c & 0xF8) == 0xF0) {
        n = 4;
        cp = c & 0x07;
    } else {
        return 0;
    }
    for (size_t i = 1; i < n; i++) {
        if ((s[i] & 0xC0) != 0x80)
            return 0;
        cp = (cp << 6) | (s[i] & 0x3F);
    }
    static const uint32_t min_cp[] = {0, 0, 0x80, 0x800, 0x10000};
    if (cp < min_cp[n] || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
        return 0;
    /* U+FFFE and U+FFFF are not XML characters. */
    if (cp == 0xFFFE || cp == 0xFFFF)
        return 0;
    return n;
}

static void markup(FILE *f, const char *s)
{
    const unsigned char *p = (const unsigned char *)s;
    while (p && *p) {
        size_t n = utf8_len(p);
        if (n == 0) {
            fputs("\xEF\xBF\xBD", f);
            p++;
            continue;
        }
        switch (*p) {
        case '&': fputs("&amp;", f); break;
        case '<': fputs("&lt;", f); break;
        case '>': fputs("&gt;", f); break;
        case '"': fputs("&quot;", f); break;
        case '\'': fputs("&#39;", f); break;
        case '\t': case '\n': fputc(*p, f); break;
        default:
            if (*p < 0x20 || *p == 0x7F)
                fputs("\xEF\xBF\xBD", f);
            else
                fwrite(p, 1, n, f);
        }
        p += n;
    }
}

void text_html(FILE *f, const char *s)
{
    markup(f, s);
}

void text_xml(FILE *f, const char *s)
{
    /* markup() already writes only XML 1.0 characters (no C0 controls but
     * tab/newline, no surrogates, no U+FFFE/FFFF); DEL is allowed in XML but
     * replaced too, which is harmless. */
    markup(f, s);
}

void text_gnuplot(FILE *f, const char *s, size_t max)
{
    fputc('\'', f);
    const unsigned char *p = (const unsigned char *)(s ? s : "");
    size_t used = 0;
    while (*p) {
        size_t n = utf8_len(p);
        if (n == 0) {
            p++;
            continue;
        }
        if (used + n > max) {
            fputs("...", f);
            break;
        }
        if (*p == '\'')
            fputs("''", f);
        else if (*p == '`')
            fputs("''", f);
        else if (*p < 0x20 || *p == 0x7F)
            fputc(' ', f);
        else
            fwrite(p, 1, n, f);
        used += n;
        p += n;
    }
    fputc('\'', f);
}

void text_csv(FILE *f, const char *s)
{
    if (!s)
        return;
    int formula = s[0] == '=' || s[0] == '+' || s[0] == '-' || s[0] == '@';
    int quote = strpbrk(s, ",\"\r\n") != NULL;
    if (quote)
        fputc('"', f);
    if (formula)
        fputc('\'', f);
    for (const char *p = s; *p; p++) {
        if (*p == '"')
            fputc('"', f);
        fputc(*p, f);
    }
    if (quote)
        fputc('"', f);
}

void text_plain(FILE *f, const char *s)
{
    for (const unsigned char *p = (const unsigned char *)s; p && *p; p++)
        fputc((*p < 0x20 && *p != '\n') || *p == 0x7F ? ' ' : *p, f);
}

int report_is_secret(const char *name, const char *const *secrets, size_t nsecrets)
{
    for (size_t i = 0; name && i < nsecrets; i++)
        if (strcasecmp(name, secrets[i]) == 0)
            return 1;
    return 0;
}

/* Where the value starting at P ends. */
static const char *value_end(const char *p)
{
    for (; *p; p++) {
        if (*p == '"' || *p == '\'' || *p == '\n' || *p == '\r')
            return p;
        if (*p == ' ' && p[1] == '-')
            return p;
    }
    return p;
}

char *report_redact(const char *s, const char *const *secrets, size_t nsecrets)
{
    if (!s)
        return NULL;
    static const char mark[] = "[redacted]";
    /* Each redaction grows the text by at most sizeof mark. */
    size_t cap = strlen(s) + 1;
    for (const char *p = s; *p; p++)
        if (*p == ':' || *p == '=')
            cap += sizeof mark;
    char *out = malloc(cap);
    if (!out)
        return NULL;
    size_t used = 0;
    const char *p = s;
    while (*p) {
        /* No word-boundary test: "-HAuthorization: x" or "X-Cookie: y" are
         * redacted too; hiding a harmless value beats leaking a secret one. */
        size_t match = 0;
        for (size_t i = 0; i < nsecrets && !match; i++) {
            size_t n = strlen(secrets[i]);
            if (n && strncasecmp(p, secrets[i], n) == 0 && (p[n] == ':' || p[n] == '='))
                match = n + 1;
        }
        if (!match) {
            out[used++] = *p++;
            continue;
        }
        memcpy(out + used, p, match);
        used += match;
        p += match;
        if (*p == ' ')
            out[used++] = *p++;
        const char *end = value_end(p);
        if (end > p) {
            memcpy(out + used, mark, sizeof mark - 1);
            used += sizeof mark - 1;
        }
        p = end;
    }
    out[used] = '\0';
    return out;
}

/* "61030915.5" -> "61,030,915.5" in place (BUF holds 32 bytes): the same
 * grouping as the terminal's (units_format_count), never an exponent. */
static void group_thousands(char *buf)
{
    char *digits = buf + (buf[0] == '-');
    size_t nint = strcspn(digits, ".");
    if (nint <= 3)
        return;
    size_t ncommas = (nint - 1) / 3, len = strlen(buf);
    if (len + ncommas >= 32)
        return;
    char out[32];
    size_t k = 0;
    if (buf[0] == '-')
        out[k++] = '-';
    for (size_t i = 0; i < nint; i++) {
        if (i && (nint - i) % 3 == 0)
            out[k++] = ',';
        out[k++] = digits[i];
    }
    strcpy(out + k, digits + nint);
    strcpy(buf, out);
}

const char *fmt_num(char *buf, double v, int decimals)
{
    if (isnan(v)) {
        strcpy(buf, "-");
        return buf;
    }
    if (isinf(v)) {
        strcpy(buf, v > 0 ? "inf" : "-inf");
        return buf;
    }
    if (fabs(v) >= 1e15) {
        snprintf(buf, 32, "%.6g", v);
        return buf;
    }
    snprintf(buf, 32, "%.*f", decimals, v);
    if (strchr(buf, '.')) {
        char *end = buf + strlen(buf) - 1;
        while (*end == '0')
            *end-- = '\0';
        if (*end == '.')
            *end = '\0';
    }
    if (strcmp(buf, "-0") == 0)
        strcpy(buf, "0");
    group_thousands(buf);
    return buf;
}

const char *fmt_sig(char *buf, double v)
{
    if (isnan(v))
        strcpy(buf, "-");
    else
        snprintf(buf, 32, "%.2g", v);
    return buf;
}

const char *fmt_pct(char *buf, double fraction)
{
    if (isnan(fraction)) {
        strcpy(buf, "-");
        return buf;
    }
    char num[32];
    int decimals = fabs(fraction) < 0.001 && fraction != 0 ? 3 : 2;
    snprintf(buf, 32, "%s%%", fmt_num(num, fraction * 100.0, decimals));
    return buf;
}

const char *fmt_unit(char *buf, double unit_seconds)
{
    static const struct { double s; const char *name; } units[] = {
        {86400, "day"}, {3600, "hour"}, {60, "minute"}, {1, "second"}, {604800, "week"}};
    for (size_t i = 0; i < sizeof units / sizeof units[0]; i++)
        if (unit_seconds == units[i].s) {
            strcpy(buf, units[i].name);
            return buf;
        }
    char n[32];
    snprintf(buf, 32, "%s s", fmt_num(n, unit_seconds, 0));
    return buf;
}

const char *fmt_threshold_value(char *buf, const char *expr, double v)
{
    const char *m = expr ? expr : "";
    const char *colon = strchr(m, ':');
    if (colon && colon < m + strcspn(m, "<>="))
        m = colon + 1;
    size_t len = strcspn(m, "<>= ");
    char n[32];
    if ((len == 6 && strncmp(m, "errors", 6) == 0) || (len == 4 && strncmp(m, "shed", 4) == 0))
        return fmt_pct(buf, v);
    if (len == 4 && strncmp(m, "rate", 4) == 0) {
        snprintf(buf, 32, "%s/s", fmt_num(n, v, 1));
        return buf;
    }
    if (len == 7 && strncmp(m, "dropped", 7) == 0)
        return fmt_num(buf, v, 0);
    snprintf(buf, 32, "%s ms", fmt_num(n, v, 2));
    return buf;
}
