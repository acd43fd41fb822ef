#!/usr/bin/env bash
# test_forecast_bench.sh: the public benchmark on a subset (the first series
# of M1 and tourism yearly, bench/data/): crest's auto forecast must beat the
# no-change forecast there on sMAPE and MASE, with the scores computed here
# in awk from crest's --csv and the held-out rows (not by crest's own
# --evaluate); then bench/forecast.sh runs on a small subset and shows the
# goals table.
source "$(dirname "$0")/lib.sh"

DATA="$ROOT/bench/data"

# first_series FILE N: the first N series of a long-format file.
first_series() {
    awk -F, -v n="$2" 'NR == 1 { print; next } !($1 in s) { s[$1] = 1; k++ } k <= n' "$1"
}

# score SET N H: "crest_smape crest_mase naive_smape naive_mase cover95" for
# the first N series of SET forecast H steps from their train rows.
score() {
    first_series "$DATA/$1.csv" "$2" > "$TMP/$1.csv"
    "$CREST" forecast "$TMP/$1.csv" --time t --series series --value value \
        --where split=train --horizon "$3" --quiet --csv "$TMP/$1.out.csv" > /dev/null
    awk -F, '
        FNR == 1 { file++; next }
        file == 1 { mean[$1 "," $2] = $3; lo[$1 "," $2] = $6; hi[$1 "," $2] = $7; next }
        $4 == "train" { if ($1 in last) { d[$1] += ($3 > last[$1] ? $3 - last[$1] : last[$1] - $3); nd[$1]++ }
                        last[$1] = $3; next }
        $4 == "test" {
            k = $1 "," $2; if (!(k in mean)) { missing++; next }
            y = $3; f = mean[k]; nv = last[$1]
            sc += 200 * (y > f ? y - f : f - y) / (y + (f < 0 ? -f : f))
            sn += 200 * (y > nv ? y - nv : nv - y) / (y + nv)
            ac[$1] += (y > f ? y - f : f - y); an[$1] += (y > nv ? y - nv : nv - y); h[$1]++
            inside += (lo[k] <= y && y <= hi[k]); n++
        }
        END {
            if (missing) { print "missing forecasts:", missing > "/dev/stderr"; exit 1 }
            for (s in h) { scale = d[s] / nd[s]; mc += ac[s] / h[s] / scale; mn += an[s] / h[s] / scale; ns++ }
            printf "%.3f %.4f %.3f %.4f %.3f\n", sc / n, mc / ns, sn / n, mn / ns, inside / n
        }' "$TMP/$1.out.csv" "$TMP/$1.csv"
}

check_set() {
    read -r cs cm ns nm cover < <(score "$1" "$2" "$3")
    echo "# $1, first $2 series: crest sMAPE $cs MASE $cm, naive sMAPE $ns MASE $nm, 95% coverage $cover"
    assert_cmp "$cs < $ns" "$1: crest's sMAPE below naive's"
    assert_cmp "$cm < $nm" "$1: crest's MASE below naive's"
    assert_cmp "$cover >= 0.8" "$1: 95% intervals hold at least 80% of the actuals"
}

test_m1_subset_beats_naive() {
    check_set m1_yearly 40 6
}

test_tourism_subset_beats_naive() {
    check_set tourism_yearly 80 4
}

test_bench_script_runs_on_a_subset() {
    SUBSET=5 MODELS=naive "$ROOT/bench/forecast.sh" "$CREST" > "$TMP/bench.out"
    grep -q "crest auto (combination)" "$TMP/bench.out"
    grep -q "R theta (thetaf)" "$TMP/bench.out"
    grep -q "mean APE" "$TMP/bench.out"
    # crest's naive on M1 is R's naive: same forecasts, same scores.
    "$CREST" forecast "$DATA/m1_yearly.csv" --time t --series series --value value \
        --evaluate split --model naive > "$TMP/naive.out"
    grep -q "sMAPE 22.43  MASE 4.893" "$TMP/naive.out" ||
        fail "naive on M1 differs from R's 22.43 / 4.893: $(cat "$TMP/naive.out")"
}

run_tests
