#!/usr/bin/env bash
# suite: solo (runs test_run.sh's timing checks)
# test_engine_curl.sh: the engine's measurement tests (test_run.sh,
# test_degrade.sh) once more on the curl transport. The rest of the suite
# runs on the default transport (auto: native for http://), so every
# counting, rate, coordinated-omission, failure-kind and shed_header check
# holds on both. CREST_TRANSPORT is read by crest itself (engine.h). The
# two scripts' TAP output is merged under one plan.
set -u
dir=$(dirname "$0")
out=$(mktemp)
status=0
for t in test_run.sh test_degrade.sh; do
    CREST_TRANSPORT=curl bash "$dir/$t" >> "$out" || status=1
done
grep -vE '^1\.\.[0-9]+$' "$out" | sed -E 's/^(not )?ok - /&curl: /' > "$out.body"
echo "1..$(grep -cE '^(not )?ok ' "$out.body")"
cat "$out.body"
rm -f "$out" "$out.body"
exit $status
