#!/usr/bin/env bash
# mmreplay report on a replay of traces/cow, opened in headless Chromium:
# the page renders with no script error and its charts hold the expected
# series (a VMA count per process, an address-space map per address space
# with every VMA row drawn, RSS per process, free blocks per order 0..10
# as lines and as a heatmap, the modelled slab caches); on a replay that
# diverges, the problems table names the call and #step=N marks it.
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
for row in $("$bin" query "$work/cow.db" "select mm || ':' || min(pid) || ':' || count(*) from vma group by mm order by mm"); do
	IFS=: read -r mm pid n <<<"$row"
	check "map of address space $mm: $n rows drawn" "id=\"map-$pid-$mm\" data-series=\"vma\" data-rows=\"$n\" data-drawn=\"$n\""
done
cells=$(grep -o 'id="free-heat" data-series="order 0|[^"]*|order 10" data-cells="[0-9]*"' "$work/dom.html" | sed 's/.*data-cells="//; s/"//')
[ "${cells:-0}" -gt 0 ] && echo "ok: free-block heatmap ($cells cells)" || { echo "FAIL: free-block heatmap"; fails=$((fails + 1)); }

# a history that diverges: one mmap result of the pipeline capture changed
pipe=$top/traces/pipeline
zstd -dcq "$pipe/trace.strace.zst" | sed '931s/= 0x7f5978e38000/= 0x7f5978e00000/' >"$work/bad.strace"
"$bin" replay "$work/bad.strace" --snapshots "$pipe/snap" --db "$work/bad.db" -q >/dev/null 2>&1
"$bin" report "$work/bad.db" -o "$work/bad.html" || exit 1
s=$("$bin" query "$work/bad.db" "select step from divergence where line = 931")
timeout 120 "$chrome" --headless --no-sandbox --disable-gpu --dump-dom \
	"file://$work/bad.html#step=$s&pid=26700" >"$work/dom.html" 2>"$work/chrome.err"
check "diverging history rendered" '<body[^>]* data-rendered="ok"'
grep -q 'data-errors=' "$work/dom.html" && { echo "FAIL: script errors (diverging)"; fails=$((fails + 1)); }
check "#step= marks the step" "<body[^>]* data-mark=\"$s\""
check "the problem's call" "<td>$s</td><td>931</td><td>26700</td><td>divergence: result</td>.*<td>mmap\(NULL, 8523776, "
if [ -n "$shot" ]; then
	timeout 120 "$chrome" --headless --no-sandbox --disable-gpu --hide-scrollbars \
		--window-size=1200,1900 --screenshot="$shot" "file://$work/report.html" >/dev/null 2>&1
fi
[ $fails -eq 0 ]
