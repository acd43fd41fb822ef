#!/usr/bin/env bash
# suite: solo (CPU-bound: libFuzzer on every core it gets)
# test_fuzz.sh: the libFuzzer harnesses (tests/fuzz/fuzz_*.c, one per parser
# of untrusted bytes) in the suite: each replays its committed corpus
# (seeds and every regression input of a crash once found) and then fuzzes
# for FUZZ_TEST_SECONDS (default 2) from it, under ASan + UBSan. A crash, a
# sanitizer report, a leak or a timeout fails the harness's test. Builds the
# harnesses with clang (`make fuzz-build`) when they are missing or stale.
# Long runs are `make fuzz` (docs/reliability.md).
source "$(dirname "$0")/lib.sh"

FUZZ_BUILD=${FUZZ_BUILD:-$ROOT/build-fuzz}
SECONDS_EACH=${FUZZ_TEST_SECONDS:-2}
export ASAN_OPTIONS=detect_leaks=1:allocator_may_return_null=1
BUILD_LOG="$TMP/build.log"
nice make -s -C "$ROOT" FUZZ_BUILD="$FUZZ_BUILD" fuzz-build > "$BUILD_LOG" 2>&1
BUILD_RC=$?

# harness_bin NAME: the built harness, or a failure naming why it is missing.
harness_bin() {
    local bin="$FUZZ_BUILD/fuzz/fuzz_$1"
    [ "$BUILD_RC" -eq 0 ] && [ -x "$bin" ] && return 0
    tail -n 20 "$BUILD_LOG" >&2
    fail "fuzz harness $bin was not built (make fuzz-build exited $BUILD_RC)"
}

# replay NAME: every committed corpus input once (a crash or leak fails).
replay() {
    local name=$1 files
    harness_bin "$name"
    mapfile -t files < <(find "$ROOT/tests/fuzz/corpus/$name" -type f | sort)
    [ "${#files[@]}" -gt 0 ] || fail "no corpus in tests/fuzz/corpus/$name"
    "$FUZZ_BUILD/fuzz/fuzz_$name" -close_fd_mask=3 -timeout=10 -rss_limit_mb=2048 \
        "${files[@]}" > "$TMP/replay-$name.log" 2>&1 ||
        { grep -m1 -A15 -E 'ERROR|runtime error|deadly|timeout' "$TMP/replay-$name.log" >&2;
          fail "replaying tests/fuzz/corpus/$name"; }
    # the runner must have executed every input, not bailed out early
    local ran
    ran=$(grep -c '^Executed ' "$TMP/replay-$name.log")
    assert_eq "$ran" "${#files[@]}" "inputs replayed for $name"
}

# short_fuzz NAME: a bounded fuzzing session from the corpus.
short_fuzz() {
    local name=$1 work="$TMP/corpus-$name"
    harness_bin "$name"
    mkdir -p "$work" "$TMP/crashes"
    nice "$FUZZ_BUILD/fuzz/fuzz_$name" -max_total_time="$SECONDS_EACH" -close_fd_mask=3 \
        -timeout=10 -rss_limit_mb=2048 -max_len=65536 -print_final_stats=1 \
        -artifact_prefix="$TMP/crashes/$name-" "$work" "$ROOT/tests/fuzz/corpus/$name" \
        > "$TMP/fuzz-$name.log" 2>&1 ||
        { grep -m1 -A15 -E 'ERROR|runtime error|deadly|timeout' "$TMP/fuzz-$name.log" >&2;
          ls "$TMP/crashes" >&2; fail "fuzzing $name found a crash"; }
    local execs
    execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$TMP/fuzz-$name.log")
    assert_cmp "${execs:-0} > 0" "executions of $name"
}

for src in "$ROOT"/tests/fuzz/fuzz_*.c; do
    name=$(basename "$src" .c)
    name=${name#fuzz_}
    eval "test_${name}_corpus_replays() { replay $name; }"
    eval "test_${name}_short_fuzz() { short_fuzz $name; }"
done

run_tests
