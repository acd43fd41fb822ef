#!/usr/bin/env bash
# check-layering.sh [ROOT]: the folder-level include graph of crest's sources
# must have no cycle, and every command front-end (cmd_*.c) must live in cli/.
#
# The graph is drawn from the `#include "folder/file.h"` lines of every .c and
# .h file under the module folders: an edge A -> B means a file in A includes
# a header of B. tsort(1) finds the cycles. docs/architecture.md states the
# intended direction (common <- loadgen <- capacity <- reports <- cli, ...);
# this script keeps the code honest about it. Exit 0 when clean, 1 otherwise.
set -u
root=${1:-$(dirname "$0")/..}
cd "$root" || { echo "check-layering: cannot enter $root" >&2; exit 2; }
modules="common loadgen capacity forecast reports testbed replay fleet observe cli"
status=0

edges=$(for m in $modules; do
    [ -d "$m" ] || continue
    grep -HoE '^[[:space:]]*#[[:space:]]*include[[:space:]]+"[a-z_]+/[a-z_0-9]+\.h"' "$m"/*.[ch] 2>/dev/null |
        sed -E 's#^([a-z_]+)/[^:]*:.*"([a-z_]+)/.*#\1 \2#'
done | awk '$1 != $2' | sort -u)

if [ -n "$edges" ]; then
    echo "module dependencies (A -> B: A includes B):"
    echo "$edges" | awk '{ printf "  %s -> %s\n", $1, $2 }'
fi

# tsort prints the members of every loop on stderr; any loop is a failure.
loops=$( { echo "$edges" | awk 'NF == 2 { print $2, $1 }' | tsort >/dev/null; } 2>&1 )
if [ -n "$loops" ]; then
    echo "check-layering: FAIL: the folder include graph has a cycle:" >&2
    echo "$loops" | grep -v 'input contains a loop' | sed 's/^tsort: /  /' >&2
    # name the edges that close a cycle: A -> B where B also reaches A
    echo "$edges" | while read -r a b; do
        if echo "$edges" | awk -v s="$b" -v t="$a" '
            { adj[$1] = adj[$1] " " $2 }
            END { q[0] = s; seen[s] = 1; n = 1
                  for (i = 0; i < n; i++) { split(adj[q[i]], out, " ")
                      for (k in out) { if (out[k] == t) { exit 0 }
                          if (!(out[k] in seen)) { seen[out[k]] = 1; q[n++] = out[k] } } }
                  exit 1 }'; then
            echo "  back-edge candidate: $a -> $b" >&2
        fi
    done
    status=1
fi

misplaced=$(find . -path ./tests -prune -o -path ./build -prune -o -path ./build-san -prune -o \
    -name 'cmd_*.c' -print | grep -v '^\./cli/' || true)
if [ -n "$misplaced" ]; then
    echo "check-layering: FAIL: command front-ends outside cli/:" >&2
    echo "$misplaced" | sed 's#^\./#  #' >&2
    status=1
fi

# a command front-end belongs to cli/, and nothing below cli/ may include it
upward=$(echo "$edges" | awk '$2 == "cli" { print "  " $1 " -> cli" }')
if [ -n "$upward" ]; then
    echo "check-layering: FAIL: library code includes cli/:" >&2
    echo "$upward" >&2
    status=1
fi

[ $status -eq 0 ] && echo "check-layering: ok (no cycle; every cmd_*.c in cli/)"
exit $status
