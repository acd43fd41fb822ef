#!/usr/bin/env bash
# tests/run.sh: runs the whole suite and ends with "N passed, N failed, N skipped".
#
# Unit tests: every binary $UNIT_DIR/*/test_* (cmocka, TAP output).
# Integration tests: every tests/integration/test_*.sh, TEST_JOBS (2) at a
# time except those marked solo (below) (each sources lib.sh,
# whose run_tests prints TAP too). Only the TAP stream counts: the test's
# stdout, and there only lines of the exact shapes
#   1..N                        the plan (required, exactly one)
#   ok N - name | ok - name     a pass
#   not ok N - name | not ok - name
#                               a failure
#   ... # SKIP reason           a skip (cmocka writes "not ok N # SKIP name")
# Anything else (stderr, program output that happens to start with "ok")
# is ignored. A stream whose results do not add up to its plan (an exit()
# inside the code under test drops the remaining cases), a binary or script
# that exits non-zero or is killed, and a missing or empty UNIT_DIR each
# count as a failure.
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
skipped=0
failed_names=()
log_dir=$(mktemp -d /tmp/crest-tests.XXXXXX)

# tap_tally FILE: prints "PLAN PASSED FAILED SKIPPED RESULTS" for the TAP
# stream in FILE (PLAN -1 when there is none, -2 when there are several).
tap_tally() {
    awk '
        /^1\.\.[0-9]+$/ { plans++; plan = substr($0, 4) + 0; next }
        /^(not )?ok( [0-9]+)?( - [^#]*[^# ])?( # SKIP( .*)?)?$/ {
            # a bare "ok" or "ok 3" without a name or a SKIP is not a result
            if ($0 !~ / - / && $0 !~ / # SKIP/) next
            results++
            if ($0 ~ / # SKIP/) skipped++
            else if ($0 ~ /^not ok/) failed++
            else passed++
        }
        END {
            if (plans == 0) plan = -1
            if (plans > 1) plan = -2
            printf "%d %d %d %d %d\n", plan, passed, failed, skipped, results
        }' "$1"
}

# count NAME STDOUT_LOG STDERR_LOG RC: adds one binary's or script's results.
count() {
    local name=$1 out=$2 err=$3 rc=$4 plan p f s n problem=""
    if [ -f "$out" ]; then
        read -r plan p f s n < <(tap_tally "$out")
    else                          # never started: no output at all
        plan=-1 p=0 f=0 s=0 n=0
        : > "$out"
    fi
    if [ "$plan" -eq -1 ]; then
        problem="no TAP plan (1..N) in its output"
    elif [ "$plan" -eq -2 ]; then
        problem="more than one TAP plan in its output"
    elif [ "$n" -ne "$plan" ]; then
        problem="planned $plan tests, reported $n"
    elif [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then
        problem="exited with status $rc"
    fi
    if [ -n "$problem" ]; then
        f=$((f + 1))
        echo "not ok - $name: $problem" >> "$out"
    fi
    passed=$((passed + p))
    failed=$((failed + f))
    skipped=$((skipped + s))
    local tally="$p passed"
    [ "$s" -eq 0 ] || tally="$tally, $s skipped"
    if [ "$f" -ne 0 ]; then
        failed_names+=("$name")
        echo "--- $name: $tally, $f failed${problem:+ ($problem)} (log below)"
        grep -vE '^ok ' "$out" | tail -n 30
        tail -n 60 "$err"
    else
        echo "--- $name: $tally"
    fi
}

# no_tests PART WHERE: nothing matched; that is a failure, never a pass.
no_tests() {
    failed=$((failed + 1))
    failed_names+=("$1")
    echo "--- $1: no tests found in $2${filter:+ matching '$filter'}"
}

if [ "$which_part" = all ] || [ "$which_part" = unit ]; then
    ran=0
    for bin in "$UNIT_DIR"/*/test_*; do
        [ -f "$bin" ] && [ -x "$bin" ] || continue
        name=$(basename "$(dirname "$bin")")/$(basename "$bin")
        [ -n "$filter" ] && [[ "$name" != *"$filter"* ]] && continue
        ran=$((ran + 1))
        log="$log_dir/${name//\//_}"
        CMOCKA_MESSAGE_OUTPUT=TAP timeout -k 10 300 "$bin" > "$log.out" 2> "$log.err"
        count "$name" "$log.out" "$log.err" $?
    done
    [ "$ran" -gt 0 ] || no_tests unit "UNIT_DIR=$UNIT_DIR"
fi

# run_script SCRIPT LOG: one integration script, its output, status and
# seconds into LOG.out, LOG.err, LOG.rc, LOG.secs. Run in a subshell (&):
# timeout puts the script in a process group of its own, out of reach of a
# Ctrl-C, so a TERM to this subshell is passed on to it (and by it to the
# script, whose traps stop its servers).
run_script() {
    local start rc watched
    start=$(date +%s)
    timeout -k 10 600 bash "$1" > "$2.out" 2> "$2.err" &
    watched=$!
    trap 'kill -TERM "$watched" 2> /dev/null; wait "$watched"; exit 143' TERM
    wait "$watched"
    rc=$?
    echo "$rc" > "$2.rc"
    echo $(( $(date +%s) - start )) > "$2.secs"
}

# Integration scripts mostly wait (on servers, on run durations), so
# TEST_JOBS of them (default 2) run side by side. A script whose header has
# the line "# suite: solo" runs alone: it is CPU-bound (fuzzing, valgrind)
# or judges timing (capacity search, rates, the coordinated-omission
# latencies), and a neighbour's load would be measured with it. Results
# are counted in name order whatever the order of finishing.
if [ "$which_part" = all ] || [ "$which_part" = integration ]; then
    jobs_max=${TEST_JOBS:-2}
    [[ "$jobs_max" =~ ^[1-9][0-9]*$ ]] || { echo "tests/run.sh: TEST_JOBS '$jobs_max': expected a whole number from 1" >&2; exit 2; }
    names=() solo=() shared=()
    for script in tests/integration/test_*.sh; do
        [ -f "$script" ] || continue
        name=$(basename "$script" .sh)
        [ -n "$filter" ] && [[ "$name" != *"$filter"* ]] && continue
        names+=("$name")
        if grep -qE '^# suite: solo( |$)' "$script"; then solo+=("$script"); else shared+=("$script"); fi
    done
    trap 'kill $(jobs -p) 2> /dev/null; wait' EXIT
    trap 'exit 130' INT
    trap 'exit 143' TERM
    for script in "${shared[@]}"; do
        while [ "$(jobs -rp | wc -l)" -ge "$jobs_max" ]; do wait -n; done
        run_script "$script" "$log_dir/$(basename "$script" .sh)" &
    done
    wait
    for script in "${solo[@]}"; do
        run_script "$script" "$log_dir/$(basename "$script" .sh)" &
        wait "$!"
    done
    trap - EXIT INT TERM
    for name in "${names[@]}"; do
        log="$log_dir/$name"
        echo "    ($name took $(cat "$log.secs" 2> /dev/null || echo '?')s)"
        count "$name" "$log.out" "$log.err" "$(cat "$log.rc" 2> /dev/null || echo 1)"
    done
    [ "${#names[@]}" -gt 0 ] || no_tests integration tests/integration
fi

echo
[ ${#failed_names[@]} -gt 0 ] && echo "failing: ${failed_names[*]} (logs in $log_dir)"
echo "$passed passed, $failed failed, $skipped skipped"
[ "$failed" -eq 0 ] && [ "$passed" -gt 0 ]
