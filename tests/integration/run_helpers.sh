# tests/integration/run_helpers.sh: helpers shared by the test_run*.sh
# scripts (sourced after lib.sh; not a test script itself).

# nginx's workers run as nobody: let them read the test's files.
chmod 755 "$TMP"

# check_accounting FILE: the identity every results.json must satisfy, in
# total and per subsystem: scheduled = ok + shed + errors + dropped +
# cancelled, errors = http_errors + net_errors, and the network errors by
# kind add up.
check_accounting() {
    jq -e '[.summary] + [.subsystems[]] | length > 0 and all(
        .scheduled == .ok + .shed + .errors + .dropped + .cancelled and
        .errors == .http_errors + .net_errors and
        .net_errors == ([.net_errors_by_kind[]] | add) and
        .sent <= .scheduled and .completed == .ok + .shed + .errors)' "$1" > /dev/null ||
        fail "accounting does not balance in $1: $(jq -c '.summary | {scheduled, ok, shed, errors, http_errors, net_errors, dropped, cancelled}' "$1")"
}

# crest_run OUT ARGS...: runs `crest run ARGS --out OUT`, sets RC, and checks
# the accounting of OUT whenever the run wrote it.
crest_run() {
    local out=$1
    shift
    RC=0
    timeout 60 "$CREST" run "$@" --out "$out" > "$out.log" 2>&1 || RC=$?
    if [ -f "$out" ]; then check_accounting "$out" || return 1; fi
    return 0
}

# Wait until the testbed's fault clock (uptime_s, period PERIOD) is at
# OFFSET seconds into a period, so a run can start aligned with it.
wait_testbed_phase() {
    local period=$1 offset=$2 up
    up=$(curl -s "$TESTBED_URL/__stats" | jq -r .uptime_s)
    sleep "$(awk -v u="$up" -v p="$period" -v o="$offset" 'BEGIN {
        w = o - (u - p * int(u / p)); if (w < 0.05) w += p; printf "%.3f", w }')"
}
