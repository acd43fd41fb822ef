#!/usr/bin/env bash
# tests/fuzz/run.sh: runs every libFuzzer harness built in BUILD/fuzz (by
# `make fuzz-build`) for FUZZ_SECONDS each, niced, and prints per harness the
# executions run and the crashes found. `make fuzz` calls it.
#
#   FUZZ_SECONDS=180 tests/fuzz/run.sh [BUILD] [NAME-FILTER]
#
# The seed corpus tests/fuzz/corpus/NAME is only read; new inputs go to
# BUILD/fuzz-corpus/NAME and crashing inputs to BUILD/fuzz-crashes/ (copy
# one into tests/fuzz/corpus/NAME as a regression input once fixed).
# Exit status: 0 when no harness crashed.
set -u
cd "$(dirname "$0")/../.."
build=${1:-build-fuzz}
filter=${2:-}
seconds=${FUZZ_SECONDS:-180}
crashed=0
mkdir -p "$build/fuzz-crashes"
printf '%-22s %12s %8s %s\n' harness executions crashes "new corpus"
for bin in "$build"/fuzz/fuzz_*; do
    [ -x "$bin" ] || continue
    name=${bin##*/fuzz_}
    [ -n "$filter" ] && [[ "$name" != *"$filter"* ]] && continue
    work="$build/fuzz-corpus/$name"
    seeds="tests/fuzz/corpus/$name"
    mkdir -p "$work" "$seeds"
    log="$build/fuzz-$name.log"
    dict=()
    [ -f "tests/fuzz/$name.dict" ] && dict=(-dict="tests/fuzz/$name.dict")
    ASAN_OPTIONS=detect_leaks=1:allocator_may_return_null=1 nice -n 10 "$bin" \
        -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -max_len=65536 \
        -close_fd_mask=3 -print_final_stats=1 "${dict[@]}" \
        -artifact_prefix="$build/fuzz-crashes/$name-" "$work" "$seeds" > "$log" 2>&1
    rc=$?
    execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
    n=$(ls "$build/fuzz-crashes" | grep -c "^$name-" || true)
    printf '%-22s %12s %8s %s\n' "$name" "${execs:-?}" "$n" "$(ls "$work" | wc -l)"
    if [ "$rc" -ne 0 ]; then
        crashed=1
        grep -m1 -A12 -E 'ERROR|runtime error|deadly signal|timeout' "$log" | sed 's/^/    /'
    fi
done
exit $crashed
