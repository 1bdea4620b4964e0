#!/usr/bin/env bash
# Every query of docs/cookbook.md, run against a replay of traces/cow, must
# print the answer the page gives under it.
#   cookbook.sh MMREPLAY WORK_DIR
set -uo pipefail
bin=$(realpath "$1") work=$2
top=$(cd "$(dirname "$0")/../.." && pwd)
rm -rf "$work" && mkdir -p "$work" || exit 1
"$bin" replay "$top/traces/cow/trace.strace.zst" --db "$work/cow.db" -q >/dev/null 2>&1
doc=$top/docs/cookbook.md
n=0 fails=0 state=none sql="" want=""
while IFS= read -r line; do
	case "$state:$line" in
	none:'```sql') state=sql; sql="" ;;
	sql:'```') state=gap ;;
	sql:*) sql="$sql$line " ;;
	gap:'```text') state=text; want="" ;;
	text:'```')
		n=$((n + 1))
		[ "$want" = "(no rows)"$'\n' ] && want=""
		got=$("$bin" query "$work/cow.db" "$sql" 2>&1; echo x)
		got=${got%x}
		if [ "$got" != "$want" ]; then
			echo "FAIL: cookbook query $n: $sql"
			echo "  want: $want"
			echo "  got:  $got"
			fails=$((fails + 1))
		fi
		state=none ;;
	text:*) want="$want$line"$'\n' ;;
	esac
done <"$doc"
echo "$((n - fails)) of $n cookbook answers hold"
[ "$n" -ge 15 ] || { echo "FAIL: fewer than 15 questions"; exit 1; }
[ "$fails" -eq 0 ]
