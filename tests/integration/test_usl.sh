#!/usr/bin/env bash
# test_usl.sh: `crest usl` end to end: the published SPEC SDM91 fit in JSON
# and as a table, column selection, and every error path with its exit code
# and message.
source "$(dirname "$0")/lib.sh"

SPEC="$ROOT/tests/data/usl-specsdm91.csv"

# expect_fail CODE PATTERN CMD...: CMD exits CODE and stderr matches PATTERN.
expect_fail() {
    local want=$1 pattern=$2 rc=0
    shift 2
    "$@" > "$TMP/out" 2> "$TMP/err" || rc=$?
    [ "$rc" -eq "$want" ] || { cat "$TMP/err" >&2; fail "$*: exit $rc, expected $want"; return 1; }
    grep -qE -- "$pattern" "$TMP/err" || { cat "$TMP/err" >&2; fail "stderr lacks /$pattern/"; }
}

test_spec_sdm91_json_matches_published_fit() {
    "$CREST" usl "$SPEC" --json > "$TMP/fit.json"
    assert_eq "$(json "$TMP/fit.json" .schema)" "crest.usl/1" "schema"
    assert_near "$(json "$TMP/fit.json" .alpha)" 0.0277285 1e-3 "alpha"
    assert_near "$(json "$TMP/fit.json" .beta)" 0.0001044 1e-3 "beta"
    assert_near "$(json "$TMP/fit.json" .gamma)" 89.9952330 1e-3 "gamma"
    assert_near "$(json "$TMP/fit.json" .residual_se)" 82.85 1e-3 "residual SE"
    assert_eq "$(json "$TMP/fit.json" .df)" 4 "degrees of freedom"
    assert_near "$(json "$TMP/fit.json" .n_star)" 96.51956 1e-3 "N*"
    assert_near "$(json "$TMP/fit.json" .x_max)" 1884 1e-3 "X(N*)"
    assert_near "$(json "$TMP/fit.json" .amdahl_limit)" 3245.589 1e-3 "gamma/alpha"
    assert_near "$(json "$TMP/fit.json" .gamma_se)" 14.21 1e-3 "gamma SE"
    assert_eq "$(json "$TMP/fit.json" .n)" 7 "points"
    assert_eq "$(json "$TMP/fit.json" .poor_fit)" false "poor_fit"
    assert_eq "$(json "$TMP/fit.json" .warning)" null "warning"
    assert_cmp "$(json "$TMP/fit.json" .r_squared) > 0.98" "R^2"
}

test_spec_sdm91_table() {
    "$CREST" usl "$SPEC" > "$TMP/table.txt"
    grep -qE 'alpha \(contention\) +0\.027728' "$TMP/table.txt" || fail "alpha row"
    grep -qE 'peak load N\* +96\.519' "$TMP/table.txt" || fail "N* row"
    grep -qE 'on 4 degrees of freedom' "$TMP/table.txt" || fail "df"
    grep -qE 'Amdahl limit gamma/alpha +3245\.5' "$TMP/table.txt" || fail "Amdahl row"
    ! grep -q 'POOR FIT' "$TMP/table.txt" || fail "SPEC SDM91 is not a poor fit"
}

test_help() {
    "$CREST" usl --help > "$TMP/help.txt"
    grep -q 'usage: crest usl FILE.csv' "$TMP/help.txt" || fail "usage line"
}

test_named_and_default_columns() {
    # Same data under other names, columns in another order, an extra column.
    awk -F, 'NR == 1 { print "note,rate,users"; next } { print "x," $2 "," $1 }' "$SPEC" \
        > "$TMP/renamed.csv"
    "$CREST" usl "$TMP/renamed.csv" --load users --throughput=rate --json > "$TMP/named.json"
    assert_near "$(json "$TMP/named.json" .alpha)" 0.0277285 1e-3 "alpha with --load/--throughput"
    # Without names: the first two columns are load and throughput.
    awk -F, 'NR == 1 { print "users,scripts_per_hour"; next } { print }' "$SPEC" > "$TMP/plain.csv"
    "$CREST" usl "$TMP/plain.csv" --json > "$TMP/plain.json"
    assert_near "$(json "$TMP/plain.json" .n_star)" 96.51956 1e-3 "N* from the first two columns"
}

test_poor_fit_is_reported() {
    { echo "load,throughput"; for i in $(seq 1 20); do
          if [ "$i" -le 10 ]; then echo "$((i * 5)),100"; else echo "$((i * 5)),1000"; fi
      done; } > "$TMP/step.csv"
    "$CREST" usl "$TMP/step.csv" --json > "$TMP/step.json" 2> "$TMP/step.err"
    assert_eq "$(json "$TMP/step.json" .poor_fit)" true "poor_fit"
    json "$TMP/step.json" .warning | grep -q 'R^2' || fail "warning names R^2"
    grep -q 'warning: poor fit' "$TMP/step.err" || fail "warning on stderr"
    "$CREST" usl "$TMP/step.csv" 2> /dev/null | grep -q 'POOR FIT' || fail "table says POOR FIT"
}

test_bad_number_names_file_line_column() {
    printf 'load,throughput\n1,64.9\n18,lots\n36,1652.4\n72,1853.2\n' > "$TMP/bad.csv"
    expect_fail 2 "bad\.csv:3: error: column 'throughput': expected a number, found 'lots'" \
        "$CREST" usl "$TMP/bad.csv"
}

test_bad_values_exit_2() {
    printf 'load,throughput\n1,64.9\n0,995.9\n36,1652.4\n72,1853.2\n' > "$TMP/zero.csv"
    expect_fail 2 "zero\.csv:3: error: column 'load': expected a load > 0, found '0'" \
        "$CREST" usl "$TMP/zero.csv"
    printf 'load,throughput\n1,64.9\n18,-3\n36,1652.4\n72,1853.2\n' > "$TMP/neg.csv"
    expect_fail 2 "neg\.csv:3: error: column 'throughput': expected a throughput >= 0" \
        "$CREST" usl "$TMP/neg.csv"
    printf 'load,throughput\n1,64.9\n18,\n36,1652.4\n72,1853.2\n' > "$TMP/empty.csv"
    expect_fail 2 "empty\.csv:3: error: column 'throughput': expected a number, found an empty" \
        "$CREST" usl "$TMP/empty.csv"
    printf 'load,throughput\n1,64.9\n18,995.9,7\n' > "$TMP/ragged.csv"
    expect_fail 2 "ragged\.csv:3: error: expected 2 fields" "$CREST" usl "$TMP/ragged.csv"
}

test_usage_errors_exit_2() {
    expect_fail 2 "missing FILE.csv" "$CREST" usl
    expect_fail 2 "unknown option '--nope'" "$CREST" usl "$SPEC" --nope
    expect_fail 2 "--load needs a column name" "$CREST" usl "$SPEC" --load
    expect_fail 2 "no column 'users'; the header has 'load', 'throughput'" \
        "$CREST" usl "$SPEC" --load users
    expect_fail 2 "cannot open '$TMP/absent.csv'" "$CREST" usl "$TMP/absent.csv"
    printf 'load\n1\n2\n' > "$TMP/one.csv"
    expect_fail 2 "expected at least 2 columns" "$CREST" usl "$TMP/one.csv"
}

test_unfittable_exits_3() {
    head -n 4 "$SPEC" > "$TMP/three.csv"
    expect_fail 3 "cannot fit the USL to .*three\.csv \(3 points\): .*at least 4 points" \
        "$CREST" usl "$TMP/three.csv"
    printf 'load,throughput\n8,10\n8,11\n16,12\n16,13\n' > "$TMP/two-loads.csv"
    expect_fail 3 "at least 3 distinct loads" "$CREST" usl "$TMP/two-loads.csv"
    printf 'load,throughput\n1,0\n2,0\n4,0\n8,0\n' > "$TMP/zeros.csv"
    expect_fail 3 "throughput is zero at every load" "$CREST" usl "$TMP/zeros.csv" --json
}

run_tests
