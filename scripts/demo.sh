#!/usr/bin/env bash
# scripts/demo.sh: the main job against the embedded testbed (make demo).
set -euo pipefail
CREST=${1:-bin/crest}
cd "$(dirname "$0")/.."
"$CREST" --version
echo "demo: the drill is not built yet"
