#!/usr/bin/env bash
# mmreplay report on a replay of traces/cow, opened in headless Chromium:
# the page renders with no script error and its charts hold the expected
# series (a VMA count per process, RSS per process, free blocks per
# order 0..10, the modelled slab caches).
#   report.sh MMREPLAY WORK_DIR [SCREENSHOT]
set -uo pipefail
bin=$(realpath "$1") work=$2 shot=${3:-}
top=$(cd "$(dirname "$0")/../.." && pwd)
chrome=$(command -v chromium || command -v chromium-browser) || { echo "chromium is needed"; exit 77; }
rm -rf "$work" && mkdir -p "$work" || exit 1
"$bin" replay "$top/traces/cow/trace.strace.zst" --db "$work/cow.db" -q >/dev/null 2>&1
"$bin" report "$work/cow.db" -o "$work/report.html" || exit 1
grep -q 'src="http' "$work/report.html" && { echo "FAIL: the report loads something"; exit 1; }
timeout 120 "$chrome" --headless --no-sandbox --disable-gpu --dump-dom \
	"file://$work/report.html" >"$work/dom.html" 2>"$work/chrome.err"
fails=0
check() { # DESCRIPTION PATTERN
	if grep -qE -- "$2" "$work/dom.html"; then echo "ok: $1"; else echo "FAIL: $1"; fails=$((fails + 1)); fi
}
check "rendered" '<body[^>]* data-rendered="ok"'
grep -q 'data-errors=' "$work/dom.html" && { echo "FAIL: script errors: $(grep -o 'data-errors="[^"]*"' "$work/dom.html")"; fails=$((fails + 1)); }
p=$("$bin" query "$work/cow.db" "select group_concat('pid ' || pid, '|') from (select distinct pid from step where vmas >= 0 order by pid)")
check "VMA counts per process" "id=\"vmas\" data-series=\"$p\""
for pid in $("$bin" query "$work/cow.db" "select distinct pid from mm where rss_anon_kb is not null order by pid"); do
	check "RSS of $pid" "id=\"rss-$pid\" data-series=\"anon\\|file\\|shmem\\|pte\""
done
check "free blocks per order" 'id="free" data-series="order 0\|order 1\|.*\|order 10"'
check "slab caches" 'id="slab" data-series="[^"]*vm_area_struct[^"]*"'
check "problems table" 'No divergence or violation'
if [ -n "$shot" ]; then
	timeout 120 "$chrome" --headless --no-sandbox --disable-gpu --hide-scrollbars \
		--window-size=1200,1900 --screenshot="$shot" "file://$work/report.html" >/dev/null 2>&1
fi
[ $fails -eq 0 ]
