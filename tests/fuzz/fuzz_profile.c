/* fuzz_profile.c: libFuzzer harness for traffic profile CSV (t,rate rows
 * resampled onto a grid) through the scenario loader, the only way crest
 * reads one: a fixed scenario whose phase has "shape": "profile". */
#include "tests/fuzz/fuzz_util.h"

#include "loadgen/loadplan.h"
#include "loadgen/scenario.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static char scen[512];
    static const char json[] =
        "{\"schema\": \"crest.scenario/1\", \"name\": \"p\", \"target\": \"http://127.0.0.1:1\","
        " \"subsystems\": {\"cms\": {\"weight\": 1, \"endpoints\": [{\"name\": \"h\", \"path\": \"/\"}]}},"
        " \"phases\": [{\"name\": \"x\", \"shape\": \"profile\", \"profile\": \"profile.csv\","
        " \"scale\": 2}]}";
    if (!scen[0])
        fuzz_write("scenario.json", (const uint8_t *)json, sizeof json - 1, scen, sizeof scen);
    char path[512];
    fuzz_write("profile.csv", data, size, path, sizeof path);
    scenario_options opts = {0};
    loadplan *p = scenario_load(scen, &opts);
    if (p) {
        double d = loadplan_duration(p);
        for (int i = 0; i <= 8; i++)
            rate_curve_at(&p->phases[0].rate, d * i / 8, p->phases[0].duration_s);
        rate_curve_max(&p->phases[0].rate, p->phases[0].duration_s);
        loadplan_free(p);
    }
    return 0;
}
