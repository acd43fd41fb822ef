/* fuzz_scenario.c: libFuzzer harness for the scenario loader (scenario JSON,
 * its templates, phases, SLOs, thresholds) as `crest run/validate/search`
 * read it. The scenario's directory also holds a small feeder (data/u.csv)
 * and profile (p.csv), so inputs that name them reach template compilation
 * and profile resampling. See docs/reliability.md. */
#include "tests/fuzz/fuzz_util.h"

#include "loadgen/loadplan.h"
#include "loadgen/scenario.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static char scen[512], feed[512], prof[512];
    static const char users[] = "id,token,name\n1,t1,ann\n2,t2,bob\n";
    static const char profile[] = "t,rate\n0,10\n1,20\n2,5\n";
    if (!feed[0]) {
        char dirpath[512];
        snprintf(dirpath, sizeof dirpath, "%s/data", fuzz_dir());
        mkdir_p_once(dirpath);
        fuzz_write("data/u.csv", (const uint8_t *)users, sizeof users - 1, feed, sizeof feed);
        fuzz_write("p.csv", (const uint8_t *)profile, sizeof profile - 1, prof, sizeof prof);
    }
    fuzz_write("scenario.json", data, size, scen, sizeof scen);
    scenario_options opts = {0};
    loadplan *p = scenario_load(scen, &opts);
    loadplan_free(p);
    return 0;
}
