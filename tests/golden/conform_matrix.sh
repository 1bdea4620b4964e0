#!/usr/bin/env bash
# docs/fidelity.md keeps the conformance matrix that
# traces/conform/matrix.py --grid prints from traces/conform: the two must
# be the same text. Skips (77) without python3.
#   conform_matrix.sh SOURCE_DIR
set -euo pipefail
src=$1
command -v python3 >/dev/null || { echo "python3 missing: skipped"; exit 77; }
want=$(python3 "$src/traces/conform/matrix.py" --grid "$src/traces/conform")
have=$(sed -n '/^<!-- conform-matrix begin -->$/,/^<!-- conform-matrix end -->$/p' \
	"$src/docs/fidelity.md" | sed '1d;$d')
if [ "$want" != "$have" ]; then
	diff <(echo "$want") <(echo "$have") | head -20
	echo "FAIL: docs/fidelity.md's matrix is not what matrix.py prints"
	exit 1
fi
echo "ok: the matrix in docs/fidelity.md is the capture's ($(echo "$want" | grep -c '^| ') table lines)"
