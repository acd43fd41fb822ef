/* base64.c: see base64.h. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/base64.h"

static const char b64_alphabet[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

char *base64_encode(const char *prefix_text, const unsigned char *in, size_t len)
{
    size_t prefix = strlen(prefix_text);
    char *out = malloc(prefix + (len + 2) / 3 * 4 + 1);
    if (!out)
        return NULL;
    memcpy(out, prefix_text, prefix);
    char *o = out + prefix;
    for (size_t i = 0; i < len; i += 3) {
        uint32_t chunk = (uint32_t)in[i] << 16;
        if (i + 1 < len)
            chunk |= (uint32_t)in[i + 1] << 8;
        if (i + 2 < len)
            chunk |= in[i + 2];
        *o++ = b64_alphabet[(chunk >> 18) & 63];
        *o++ = b64_alphabet[(chunk >> 12) & 63];
        *o++ = i + 1 < len ? b64_alphabet[(chunk >> 6) & 63] : '=';
        *o++ = i + 2 < len ? b64_alphabet[chunk & 63] : '=';
    }
    *o = '\0';
    return out;
}

static int b64_value(char c)
{
    if (c >= 'A' && c <= 'Z')
        return c - 'A';
    if (c >= 'a' && c <= 'z')
        return c - 'a' + 26;
    if (c >= '0' && c <= '9')
        return c - '0' + 52;
    if (c == '+')
        return 62;
    if (c == '/')
        return 63;
    return -1;
}

unsigned char *base64_decode(const char *text, size_t len, size_t *out_len)
{
    if (len == 0 || len % 4 != 0)
        return NULL;
    unsigned char *out = malloc(len / 4 * 3);
    if (!out)
        return NULL;
    size_t n = 0;
    for (size_t i = 0; i < len; i += 4) {
        int v[4];
        int pad = 0;
        for (int k = 0; k < 4; k++) {
            char c = text[i + k];
            if (c == '=' && i + 4 == len && k >= 2) {
                v[k] = 0;
                pad++;
            } else if (pad || (v[k] = b64_value(c)) < 0) {
                free(out);
                return NULL;
            }
        }
        uint32_t chunk = (uint32_t)v[0] << 18 | (uint32_t)v[1] << 12 | (uint32_t)v[2] << 6 |
                         (uint32_t)v[3];
        out[n++] = (unsigned char)(chunk >> 16);
        if (pad < 2)
            out[n++] = (unsigned char)(chunk >> 8);
        if (pad < 1)
            out[n++] = (unsigned char)chunk;
    }
    *out_len = n;
    return out;
}

