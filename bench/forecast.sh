#!/usr/bin/env bash
# bench/forecast.sh: crest forecast's accuracy on public data no one here
# wrote, next to R forecast's reference figures (bench/data/README.md).
#
# 1. M1 and tourism yearly series (`crest forecast --evaluate split`): sMAPE,
#    MASE and the share of actuals inside the 95% interval for crest's auto
#    (the combination) and some of its single methods, beside R's naive,
#    ets, auto.arima, theta and their mean, and R's best single method.
# 2. Tmall one-day GMV, rolling origin: fit 2009..Y-1, forecast Y, for
#    Y = 2014..2019: absolute percentage error and whether the actual is
#    inside the 95% interval.
# 3. The goals of issue 13, each marked met or NOT met.
# Numbers only: exit 0 unless crest could not run. Times are user CPU.
#
#   bench/forecast.sh [CREST]   (env: SUBSET=N  only the first N series of each set;
#                                     MODELS="naive drift theta holt-damped" the singles shown)
set -u
CREST=$(realpath "${1:-bin/crest}")
HERE=$(cd "$(dirname "$0")" && pwd)
DATA="$HERE/data"
SUBSET=${SUBSET:-0}
MODELS=${MODELS:-naive drift ses-drift theta holt-damped damped-log}
TMP=$(mktemp -d /tmp/crest-fbench.XXXXXX)
trap 'rm -rf "$TMP"' EXIT INT TERM
command -v jq > /dev/null || { echo "bench: 'jq' is missing (make deps installs it)" >&2; exit 3; }

# subset FILE: the first SUBSET series of a long-format file (all when 0).
subset() {
    awk -F, -v n="$SUBSET" 'NR == 1 { print; next }
        !($1 in seen) { seen[$1] = 1; k++ } n == 0 || k <= n' "$1"
}

# evaluate FILE MODEL: "sMAPE MASE COVER95 SECONDS" (user CPU seconds).
evaluate() {
    local out
    out=$( { /usr/bin/time -f "TIME %U" "$CREST" forecast "$1" --time t --series series \
            --value value --evaluate split --model "$2"; } 2>&1) ||
        { echo "bench: crest --evaluate failed on $1 --model $2:" >&2; echo "$out" >&2; exit 3; }
    echo "$out" | awk '/sMAPE/ { for (i = 1; i <= NF; i++) { if ($i == "sMAPE") s = $(i+1);
                                     if ($i == "MASE") m = $(i+1); if ($i == "95%") c = $(i+2) } }
                       /^TIME/ { t = $2 } END { sub("%", "", c); print s, m, c, t }'
}

# r_row SET METHOD: "sMAPE MASE COVER" from the reference file's table.
r_row() {
    awk -F'|' -v set="## $1" -v m="$2" '
        /^## / { inset = index($0, set) == 1 }
        { name = $2; gsub(/^ +| +$/, "", name) }
        inset && name == m { gsub(/ |%/, "", $3); gsub(/ |%/, "", $4); gsub(/ |%/, "", $5);
                                     print $3, $4, ($5 == "-" ? "-" : $5) }' "$DATA/forecast-benchmarks.md"
}

declare -A GOAL
bench_set() {
    local set=$1 file="$TMP/$1.csv"
    subset "$DATA/$set.csv" > "$file"
    local nseries
    nseries=$(awk -F, 'NR > 1 { s[$1] = 1 } END { print length(s) }' "$file")
    printf '\n%s (%d series%s)\n' "$set" "$nseries" "$([ "$SUBSET" -gt 0 ] && echo ", subset: R's figures are for the whole set")"
    printf '  %-34s %7s %7s %9s %8s\n' method sMAPE MASE "95% cover" "CPU s"
    read -r cs cm cc ct < <(evaluate "$file" auto)
    printf '  %-34s %7s %7s %8s%% %8s\n' "crest auto (combination)" "$cs" "$cm" "$cc" "$ct"
    for m in $MODELS; do
        read -r s mm c t < <(evaluate "$file" "$m")
        printf '  %-34s %7s %7s %8s%% %8s\n' "crest --model $m" "$s" "$mm" "$c" "$t"
        [ "$m" = naive ] && { ns=$s; nm=$mm; }
    done
    local best_s=999 best_m=999 bs_name="" bm_name=""
    for m in "naive" "random walk with drift" "ses" "holt" "holt damped" "ets (automatic)" \
             "auto.arima" "theta (thetaf)" "mean of ets, auto.arima, theta"; do
        read -r s mm c < <(r_row "$set" "$m")
        [ -z "${s:-}" ] && continue
        case "$m" in naive|"ets (automatic)"|auto.arima|"theta (thetaf)"|mean*)
            printf '  %-34s %7s %7s %8s%% %8s\n' "R $m" "$s" "$mm" "$c" "";;
        esac
        case "$m" in mean*) ;; *)
            awk -v a="$s" -v b="$best_s" 'BEGIN { exit !(a < b) }' && { best_s=$s; bs_name=$m; }
            awk -v a="$mm" -v b="$best_m" 'BEGIN { exit !(a < b) }' && { best_m=$mm; bm_name=$m; };;
        esac
    done
    printf '  R best single: sMAPE %s (%s), MASE %s (%s)\n' "$best_s" "$bs_name" "$best_m" "$bm_name"
    GOAL[$set]="$cs $cm $cc $ct $best_s $best_m ${ns:-999} ${nm:-999}"
}

bench_set m1_yearly
bench_set tourism_yearly

# Tmall: one-day figures only (2020-21 are 11-day totals).
printf '\nTmall Double-11 GMV, rolling origin (fit 2009..Y-1, forecast Y)\n'
printf '  %-6s %10s %22s %8s %7s  %s\n' year forecast "95% interval" actual "APE%" inside
awk -F, 'NR == 1 || $3 == "1 day"' "$DATA/tmall-double11-gmv.csv" > "$TMP/tmall.csv"
sum=0; inside=0; n=0
for y in 2014 2015 2016 2017 2018 2019; do
    "$CREST" forecast "$TMP/tmall.csv" --time year --value gmv_bn_rmb --until $((y - 1)) \
        --at "$y" --quiet --out "$TMP/t.json" > /dev/null 2>&1 ||
        { echo "bench: crest forecast failed for Tmall $y" >&2; exit 3; }
    read -r mean lo hi act < <(jq -r '.series[0].forecast[0] | "\(.mean) \(.lo95) \(.hi95) \(.actual)"' "$TMP/t.json")
    line=$(awk -v m="$mean" -v l="$lo" -v h="$hi" -v a="$act" -v y="$y" 'BEGIN {
        ape = 100 * (m > a ? m - a : a - m) / a; in95 = (l <= a && a <= h)
        printf "%.2f %d  %-6s %10.1f   [%8.1f, %8.1f] %8.1f %7.2f  %s", ape, in95, y, m, l, h, a, ape, in95 ? "yes" : "NO" }')
    read -r ape in95 rest <<< "$line"
    echo "  $rest"
    sum=$(awk -v s="$sum" -v a="$ape" 'BEGIN { print s + a }')
    inside=$((inside + in95)); n=$((n + 1))
done
tmall_mape=$(awk -v s="$sum" -v n="$n" 'BEGIN { printf "%.2f", s / n }')
printf '  mean APE %s%%, %d of %d actuals inside the 95%% interval\n' "$tmall_mape" "$inside" "$n"

# The goals.
printf '\ngoals (issue 13)\n'
mark() { awk "BEGIN { exit !($1) }" && echo "met" || echo "NOT met"; }
for set in m1_yearly tourism_yearly; do
    read -r cs cm cc ct bs bm ns nm <<< "${GOAL[$set]}"
    printf '  %-15s sMAPE %s < R best %s: %s; MASE %s < R best %s: %s\n' "$set" "$cs" "$bs" \
        "$(mark "$cs < $bs")" "$cm" "$bm" "$(mark "$cm < $bm")"
    printf '  %-15s never worse than naive (sMAPE %s, MASE %s): %s; 95%% coverage %s%% in 90-98: %s; %s s CPU < 5: %s\n' \
        "" "$ns" "$nm" "$(mark "$cs <= $ns && $cm <= $nm")" "$cc" "$(mark "$cc >= 90 && $cc <= 98")" \
        "$ct" "$(mark "$ct < 5")"
done
printf '  %-15s mean APE %s%% <= 3 and all inside: %s\n' Tmall "$tmall_mape" \
    "$(mark "$tmall_mape <= 3 && $inside == $n")"
