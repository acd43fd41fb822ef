#!/usr/bin/env bash
# test_engine_curl.sh: the engine's measurement tests (test_run.sh,
# test_degrade.sh) once more on the curl transport. The rest of the suite
# runs on the default transport (auto: native for http://), so every
# counting, rate, coordinated-omission, failure-kind and shed_header check
# holds on both. CREST_TRANSPORT is read by crest itself (engine.h).
set -u
dir=$(dirname "$0")
status=0
for t in test_run.sh test_degrade.sh; do
    CREST_TRANSPORT=curl bash "$dir/$t" | sed -E 's/^(not )?ok - /&curl: /' || status=1
done
exit $status
