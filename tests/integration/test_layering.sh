#!/usr/bin/env bash
# test_layering.sh: scripts/check-layering.sh passes on the tree as it is,
# and fails (naming the problem) on a copy with a deliberate back-edge, a
# library file including cli/, or a command front-end outside cli/.
source "$(dirname "$0")/lib.sh"

CHECK="$ROOT/scripts/check-layering.sh"

# copy_tree: the module folders of the repo in $TMP/tree (fresh each time)
copy_tree() {
    rm -rf "$TMP/tree"
    mkdir -p "$TMP/tree"
    local m
    for m in common loadgen capacity forecast reports testbed replay fleet observe cli; do
        [ -d "$ROOT/$m" ] && cp -r "$ROOT/$m" "$TMP/tree/"
    done
    return 0
}

test_the_tree_is_layered() {
    "$CHECK" "$ROOT" > "$TMP/out" 2>&1 || { cat "$TMP/out" >&2; fail "check-layering fails on the tree"; }
    grep -q "ok (no cycle" "$TMP/out"
}

test_a_back_edge_is_a_cycle() {
    copy_tree
    # reports depends on loadgen; loadgen including reports closes a loop
    sed -i '1a #include "reports/report.h"' "$TMP/tree/loadgen/engine.c"
    local rc=0
    "$CHECK" "$TMP/tree" > "$TMP/out" 2>&1 || rc=$?
    assert_eq "$rc" 1 "exit status with a back-edge"
    grep -q "cycle" "$TMP/out" || fail "no cycle named"
    grep -q "loadgen -> reports" "$TMP/out" || fail "the back-edge is not named"
}

test_library_including_cli_fails() {
    copy_tree
    sed -i '1a #include "cli/commands.h"' "$TMP/tree/common/units.c"
    local rc=0
    "$CHECK" "$TMP/tree" > "$TMP/out" 2>&1 || rc=$?
    assert_eq "$rc" 1 "exit status with common -> cli"
    grep -q "common -> cli" "$TMP/out" || fail "the upward include is not named"
}

test_a_command_outside_cli_fails() {
    copy_tree
    printf 'int cmd_stray(void);\nint cmd_stray(void) { return 0; }\n' > "$TMP/tree/loadgen/cmd_stray.c"
    local rc=0
    "$CHECK" "$TMP/tree" > "$TMP/out" 2>&1 || rc=$?
    assert_eq "$rc" 1 "exit status with loadgen/cmd_stray.c"
    grep -q "loadgen/cmd_stray.c" "$TMP/out" || fail "the stray command is not named"
}

run_tests
