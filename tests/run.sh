#!/usr/bin/env bash
# tests/run.sh: runs the whole suite and ends with "N passed, N failed".
#
# Unit tests: every binary in $UNIT_DIR (cmocka, TAP output; one test case
# per "ok"/"not ok" line). Integration tests: every tests/integration/test_*.sh
# (each sources lib.sh and prints TAP lines too). A binary or script that
# crashes or exits non-zero without reporting a failure counts as one failure.
#
#   tests/run.sh [unit|integration] [NAME-FILTER]
set -u
cd "$(dirname "$0")/.."
CREST=${CREST:-bin/crest}
UNIT_DIR=${UNIT_DIR:-build/tests}
export CREST=$(realpath "$CREST")
which_part=${1:-all}
filter=${2:-}
passed=0
failed=0
failed_names=()
log_dir=$(mktemp -d /tmp/crest-tests.XXXXXX)

count() { # name logfile rc
    local name=$1 log=$2 rc=$3 p f
    p=$(grep -cE '^ok ' "$log")
    f=$(grep -cE '^not ok ' "$log")
    if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then
        f=1
        echo "not ok - $name exited with status $rc" >> "$log"
    fi
    passed=$((passed + p))
    failed=$((failed + f))
    if [ "$f" -ne 0 ]; then
        failed_names+=("$name")
        echo "--- $name: $p passed, $f failed (log below)"
        grep -vE '^ok ' "$log" | tail -n 60
    else
        echo "--- $name: $p passed"
    fi
}

if [ "$which_part" = all ] || [ "$which_part" = unit ]; then
    for bin in "$UNIT_DIR"/*/test_*; do
        [ -x "$bin" ] || continue
        name=$(basename "$(dirname "$bin")")/$(basename "$bin")
        [ -n "$filter" ] && [[ "$name" != *"$filter"* ]] && continue
        log="$log_dir/${name//\//_}.log"
        CMOCKA_MESSAGE_OUTPUT=TAP timeout 300 "$bin" > "$log" 2>&1
        count "$name" "$log" $?
    done
fi

if [ "$which_part" = all ] || [ "$which_part" = integration ]; then
    for script in tests/integration/test_*.sh; do
        [ -f "$script" ] || continue
        name=$(basename "$script" .sh)
        [ -n "$filter" ] && [[ "$name" != *"$filter"* ]] && continue
        log="$log_dir/$name.log"
        start=$(date +%s)
        timeout 600 bash "$script" > "$log" 2>&1
        rc=$?
        echo "    ($name took $(( $(date +%s) - start ))s)"
        count "$name" "$log" $rc
    done
fi

echo
[ ${#failed_names[@]} -gt 0 ] && echo "failing: ${failed_names[*]} (logs in $log_dir)"
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ] && [ "$passed" -gt 0 ]
