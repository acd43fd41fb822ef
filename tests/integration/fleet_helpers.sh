# tests/integration/fleet_helpers.sh: a Kubernetes Indexed Job, played
# locally. Reads the generated manifest back (jq), lays the ConfigMap out as
# the pod's volume would (items: key -> path), and runs the Job's exact
# container command as N processes, each with the environment Kubernetes
# gives an Indexed Job's pod (JOB_COMPLETION_INDEX, HOSTNAME, the
# downward-API CREST_NODE_NAME), `crest` found on PATH as in the image.

# fleet_materialize MANIFEST DIR: the ConfigMap's files under DIR.
fleet_materialize() {
    local manifest=$1 dir=$2 key path
    mkdir -p "$dir"
    jq -e '.items[] | select(.kind == "Job")' "$manifest" > /dev/null || fail "no Job in $manifest"
    while read -r key path; do
        mkdir -p "$dir/$(dirname "$path")"
        jq -r --arg k "$key" '.items[] | select(.kind == "ConfigMap") | .data[$k]' "$manifest" \
            > "$dir/$path"
    done < <(jq -r '.items[] | select(.kind == "Job") |
                    .spec.template.spec.volumes[] | select(.configMap) | .configMap.items[] |
                    "\(.key) \(.path)"' "$manifest")
}

# fleet_start MANIFEST WORKDIR: starts every pod of the Job (completions of
# them) as a local process in the background; pod I's stdout+stderr go to
# WORKDIR/pod-I.log, its pid to FLEET_PIDS[I].
fleet_start() {
    local manifest=$1 work=$2 n i cmd
    fleet_materialize "$manifest" "$work/volume"
    n=$(jq -r '.items[] | select(.kind == "Job") | .spec.completions' "$manifest")
    mapfile -t cmd < <(jq -r '.items[] | select(.kind == "Job") |
                              .spec.template.spec.containers[0].command[]' "$manifest")
    FLEET_PIDS=()
    for ((i = 0; i < n; i++)); do
        (cd "$work/volume" &&
         exec env PATH="$(dirname "$CREST"):$PATH" JOB_COMPLETION_INDEX=$i \
             HOSTNAME="crest-fleet-$i-local" CREST_NODE_NAME="node-$i" "${cmd[@]}") \
            > "$work/pod-$i.log" 2>&1 &
        FLEET_PIDS[$i]=$!
        PIDS+=("$!")
    done
}

# fleet_wait: waits for every pod process; FLEET_RCS[I] is pod I's status.
fleet_wait() {
    local i
    FLEET_RCS=()
    for i in "${!FLEET_PIDS[@]}"; do
        wait "${FLEET_PIDS[$i]}" && FLEET_RCS[$i]=0 || FLEET_RCS[$i]=$?
    done
}

# fleet_manifest OUT SCENARIO ARGS...: crest fleet manifest into OUT; the
# binary is called `crest` in the pods, so the command must say so.
fleet_manifest() {
    local out=$1 scenario=$2
    shift 2
    "$CREST" fleet manifest "$scenario" --image crest:test --start-in 3s -o "$out" \
        --run-arg=--max-loop-lag=2s "$@" || fail "fleet manifest exited $?"
    assert_eq "$(jq -r '.items[1].spec.template.spec.containers[0].command[0]' "$out")" crest \
        "the pod command runs crest"
}

