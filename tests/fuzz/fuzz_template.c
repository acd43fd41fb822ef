/* fuzz_template.c: libFuzzer harness for request templates (${feeder.col},
 * ${random.int(lo,hi)}, ${random.pick(a,b)}, ${seq}, ${uuid}, $${ ...):
 * compiles the input against a two-column feeder and renders it into a
 * small and a large buffer, as the engine does per request. */
#include "tests/fuzz/fuzz_util.h"

#include "common/rng.h"
#include "loadgen/feeder.h"
#include "loadgen/loadplan.h"
#include "loadgen/template.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static feeder *users;
    if (!users) {
        static const char csv[] = "id,token\n1,abc\n2,\"x,y\"\n";
        char path[512];
        fuzz_write("user.csv", (const uint8_t *)csv, sizeof csv - 1, path, sizeof path);
        users = feeder_load("user", path, FEEDER_SEQUENTIAL);
        if (!users)
            abort();
    }
    char *text = fuzz_string(data, size);
    char err[256];
    feeder *const feeders[1] = {users};
    template *t = template_compile(text, feeders, 1, err, sizeof err);
    if (t) {
        rng r;
        rng_seed(&r, size);
        render_ctx ctx = {.seq = size, .rng = &r};
        ctx.feeder_row[0] = (long)(size % 2);
        char small[16], big[4096];
        size_t len;
        template_render(t, &ctx, small, sizeof small, &len);
        template_render(t, &ctx, big, sizeof big, &len);
        template_is_literal(t);
        template_free(t);
    }
    free(text);
    return 0;
}
