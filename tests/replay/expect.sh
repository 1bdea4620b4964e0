# expect(): the shell tests' one assertion, sourced by cli.sh and
# reduce.sh. It counts into $passes and $fails.
fails=0 passes=0

expect() { # DESCRIPTION WANT_RC GOT_RC [PATTERN FILE]
	if [ "$3" -ne "$2" ]; then
		echo "FAIL: $1: exit $3, expected $2"; fails=$((fails + 1)); return
	fi
	if [ $# -ge 5 ] && ! grep -qE -- "$4" "$5"; then
		echo "FAIL: $1: output lacks /$4/:"; cat "$5"; fails=$((fails + 1)); return
	fi
	passes=$((passes + 1))
}
