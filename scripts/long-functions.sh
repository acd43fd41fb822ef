#!/usr/bin/env bash
# long-functions.sh [LIMIT]: C functions longer than LIMIT lines (default 80)
# in the module folders, longest first. A function may be long for a reason
# (a getopt switch with one case per flag, a table): say so in a comment
# containing "long:" just above it, and it is listed as explained.
limit=${1:-80}
cd "$(dirname "$0")/.." || exit 2
for f in common/*.c loadgen/*.c capacity/*.c forecast/*.c reports/*.c testbed/*.c cli/*.c \
         fleet/*.c observe/*.c replay/*.c; do
    [ -f "$f" ] || continue
    awk -v file="$f" -v limit="$limit" '
        /long:/ { note = NR }
        /^[a-zA-Z].*\(/ && !/;[[:space:]]*$/ { name = $0; start = NR; why = note && NR - note <= 4 }
        /^\{/ && start { open = NR }
        /^\}/ && open {
            n = NR - start + 1
            if (n > limit) {
                sub(/\(.*/, "", name); k = split(name, parts, /[ *]+/)
                printf "%5d %s:%d %s%s\n", n, file, start, parts[k], why ? " (explained)" : ""
            }
            open = 0; start = 0
        }
        ' "$f"
done | sort -rn
