# tests/integration/search_helpers.sh: the fixtures shared by test_search.sh
# and test_search_sweep.sh (sourced after lib.sh; not a test script itself).

# write_search_fixtures NAME [EXTRA_SUBSYSTEMS]: writes $TMP/testbed.json, a
# testbed config whose capacities are exact (workers / mean service time):
#   cart   4 workers x fixed 10 ms = 400/s, no rate limit
#   coupon 16 workers x fixed 2 ms = 8000/s behind a 300/s rate limit (burst 20)
# and $TMP/scenario.json, a scenario NAME with cart (weight 2) and coupon
# (weight 1, 429 counted as shed), both with the SLO p99 < 1 s, errors < 1%,
# uniform arrivals. EXTRA_SUBSYSTEMS (JSON members, each starting with a
# comma) are added after them.
write_search_fixtures() {
    local name=$1 extra=${2:-}
    cat > "$TMP/testbed.json" <<'JSON'
{"subsystems": {
  "cart": {"workers": 4, "service_time": {"dist": "fixed", "mean_ms": 10}, "queue_limit": 100000},
  "coupon": {"workers": 16, "service_time": {"dist": "fixed", "mean_ms": 2}, "queue_limit": 100000,
             "rate_limit": {"rate": 300, "burst": 20}}
}}
JSON
    cat > "$TMP/scenario.json" <<JSON
{
  "schema": "crest.scenario/1",
  "name": "$name",
  "target": "testbed",
  "arrivals": "uniform",
  "subsystems": {
    "cart": {"weight": 2, "slo": {"p99_ms": 1000, "error_rate": "1%"},
             "endpoints": [{"name": "add", "path": "/cart/add"}]},
    "coupon": {"weight": 1, "slo": {"p99_ms": 1000, "error_rate": "1%"}, "shed": [429],
               "endpoints": [{"name": "list", "path": "/coupon/list"}]}
    $extra
  },
  "phases": [{"name": "steady", "duration": "10s", "shape": "constant", "rate": 100}]
}
JSON
}
