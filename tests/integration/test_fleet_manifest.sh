#!/usr/bin/env bash
# test_fleet_manifest.sh: `crest fleet manifest` writes objects the
# Kubernetes API accepts, checked by a real validator: the npm package
# kubernetes-models (validators generated from the upstream OpenAPI
# schemas), installed at test time with Debian's npm into a cache folder,
# plus strict unknown-field checking and crest's fleet contract
# (k8s_validate.js). The validator must also refuse broken manifests: a Job
# without completionMode, a misspelled field, a wrong type.
source "$(dirname "$0")/lib.sh"

K8S_MODELS_VERSION=4.5.1
NPM_DIR=${CREST_NPM_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/crest-tests/npm}

ensure_kubernetes_models() {
    command -v node > /dev/null && command -v npm > /dev/null ||
        fail "node and npm are needed (Debian packages nodejs npm: make deps)"
    if [ ! -f "$NPM_DIR/node_modules/kubernetes-models/package.json" ] ||
       [ "$(jq -r .version "$NPM_DIR/node_modules/kubernetes-models/package.json")" != "$K8S_MODELS_VERSION" ]; then
        mkdir -p "$NPM_DIR"
        (cd "$NPM_DIR" && timeout 300 npm install --no-audit --no-fund --silent \
            "kubernetes-models@$K8S_MODELS_VERSION" > "$TMP/npm.log" 2>&1) ||
            { tail -5 "$TMP/npm.log" >&2; fail "npm install kubernetes-models failed"; }
    fi
    export NODE_PATH="$NPM_DIR/node_modules"
}

validate() { node "$(dirname "$0")/k8s_validate.js" "$1"; }

test_manifest_passes_the_kubernetes_schemas() {
    ensure_kubernetes_models
    local m="$TMP/m.json"
    "$CREST" fleet manifest "$ROOT/scenarios/double11.json" --shards 6 --image registry.example/crest:1 \
        --namespace drills --name d11 --target http://mall.example:8080 --weights 2,1,1,1,1,1 \
        --threads 4 -c 256 --memory 1Gi -o "$m" || fail "manifest exited $?"
    validate "$m" > "$TMP/v.out" || fail "the generated manifest is invalid: $(cat "$TMP/v.out")"
    # what the manifest promises
    assert_eq "$(jq -r '.items[1].spec | "\(.completionMode) \(.completions) \(.parallelism)"' "$m")" \
        "Indexed 6 6" "Indexed Job of 6"
    assert_eq "$(jq -r '.items[1].spec.template.spec.restartPolicy' "$m")" Never "restartPolicy"
    assert_eq "$(jq -r '.items[1].spec.template.spec.containers[0].resources.requests.cpu' "$m")" 4 "cpu"
    assert_eq "$(jq -r '.items[] | .metadata.namespace' "$m" | sort -u)" drills "namespace"
    jq -e '.items[1].spec.template.spec.containers[0].command | index("--weights") and index("auto/6")' \
        "$m" > /dev/null || fail "the pods do not run their shard"
    # the ConfigMap carries the scenario and every file it names, by path
    assert_eq "$(jq -r '[.items[1].spec.template.spec.volumes[0].configMap.items[].path] | sort | join(" ")' "$m")" \
        "data/skus.csv data/users.csv double11.json profiles/midnight.csv" "files carried"
    # open files for 256 connections + 4 threads, rounded to 1024
    assert_eq "$(jq -r '.items[1].spec.template.spec.containers[0].command | .[index("--nofile") + 1]' "$m")" \
        1024 "--nofile"
}

test_validator_refuses_broken_manifests() {
    ensure_kubernetes_models
    local m="$TMP/m.json" rc
    "$CREST" fleet manifest "$ROOT/scenarios/smoke.json" --shards 3 --image crest:1 -o "$m" \
        --target http://127.0.0.1:1 || fail "manifest exited $?"
    validate "$m" > /dev/null || fail "the generated manifest is invalid"
    jq 'del(.items[1].spec.completionMode)' "$m" > "$TMP/no-mode.json"
    validate "$TMP/no-mode.json" > "$TMP/o1" && rc=0 || rc=$?
    assert_eq "$rc" 1 "a Job without completionMode"
    grep -q completionMode "$TMP/o1" || fail "not named: $(cat "$TMP/o1")"
    jq '.items[1].spec.template.spec.containers[0] |= (.comand = .command | del(.command))' "$m" \
        > "$TMP/typo.json"
    validate "$TMP/typo.json" > "$TMP/o2" && rc=0 || rc=$?
    assert_eq "$rc" 1 "a misspelled field"
    grep -q "containers/0/comand: unknown field" "$TMP/o2" || fail "not named: $(cat "$TMP/o2")"
    jq '.items[1].spec.backoffLimt = 0' "$m" > "$TMP/typo2.json"
    validate "$TMP/typo2.json" > /dev/null && rc=0 || rc=$?
    assert_eq "$rc" 1 "a misspelled Job spec field"
    jq '.items[1].spec.template.spec.restartPolicy = "Sometimes"' "$m" > "$TMP/enum.json"
    validate "$TMP/enum.json" > /dev/null && rc=0 || rc=$?
    assert_eq "$rc" 1 "a value outside the enum"
}

test_manifest_refuses_bad_input() {
    local rc d="$TMP/bad"
    mkdir -p "$d"
    "$CREST" fleet manifest "$ROOT/scenarios/smoke.json" --shards 2 > /dev/null 2>&1 && rc=0 || rc=$?
    assert_eq "$rc" 2 "no --image"
    "$CREST" fleet manifest "$ROOT/scenarios/smoke.json" --shards 2 --image x --name Bad_Name \
        > /dev/null 2> "$d/e1" && rc=0 || rc=$?
    assert_eq "$rc" 2 "a name that is not a DNS label"
    grep -q "DNS-1123" "$d/e1" || fail "$(cat "$d/e1")"
    "$CREST" fleet manifest "$ROOT/scenarios/smoke.json" --shards 2 --image x --weights 1,2,3 \
        > /dev/null 2> "$d/e2" && rc=0 || rc=$?
    assert_eq "$rc" 2 "weights for 3 shards on 2"
    # a feeder outside the scenario's folder cannot travel in the ConfigMap
    printf 'id\n1\n' > "$TMP/outside.csv"
    mkdir -p "$d/s"
    cat > "$d/s/s.json" <<'JSON'
{"feeders": {"u": {"file": "../../outside.csv"}},
 "subsystems": {"cms": {"weight": 1, "endpoints": [{"name": "h", "path": "/cms/home?u=${u.id}"}]}},
 "phases": [{"name": "p", "duration": "1s", "shape": "constant", "rate": 1}]}
JSON
    "$CREST" fleet manifest "$d/s/s.json" --shards 2 --image x --target http://h:1 \
        > /dev/null 2> "$d/e3" && rc=0 || rc=$?
    assert_eq "$rc" 2 "a feeder outside the scenario folder"
    grep -q "no '..'" "$d/e3" || fail "$(cat "$d/e3")"
}

run_tests
