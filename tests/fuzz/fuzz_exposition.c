/* fuzz_exposition.c: libFuzzer harness for the exposition-format parser
 * (observe/exposition.c), which reads whatever a scrape URL answers. The
 * parser takes bytes, not a path, so the input goes to it directly. Built
 * by `make fuzz-build`, run by `make fuzz` and test_fuzz.sh; seeds in
 * tests/fuzz/corpus/exposition/ (docs/reliability.md).
 *
 * Every accepted document is walked completely (names, label pairs,
 * values) so that a dangling pointer into the parse buffer shows up under
 * ASan, and the invariants of expo_doc are checked. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "observe/exposition.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    expo_doc d;
    char err[256];
    err[0] = '\0';
    int rc = expo_parse((const char *)data, size, &d, err, sizeof err);
    if (rc != 0) {
        if (err[0] == '\0' || d.nsamples || d.samples || d.text)
            abort();   /* a rejection must say why and leave nothing behind */
        expo_doc_free(&d);
        return 0;
    }
    size_t labels = 0, chars = 0;
    for (size_t i = 0; i < d.nsamples; i++) {
        const expo_sample *s = &d.samples[i];
        if (s->first_label + s->nlabels > d.nlabels || !s->name[0] || !s->family[0])
            abort();
        chars += strlen(s->name) + strlen(s->family);
        for (size_t k = 0; k < s->nlabels; k++) {
            const expo_label *l = &d.labels[s->first_label + k];
            chars += strlen(l->name) + strlen(l->value);
            if (expo_label_value(&d, s, l->name) == NULL)
                abort();
        }
        labels += s->nlabels;
        (void)expo_type_name(s->type);
    }
    if (labels != d.nlabels || chars > 2 * size + 1)
        abort();
    expo_doc_free(&d);
    return 0;
}
