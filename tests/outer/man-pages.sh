#!/bin/bash
# The man pages render without warnings, and document every command and
# option the programs accept.
. "$TOP/tests/lib/tap.sh"
for page in "$TOP"/tools/man/*.8; do
	name=$(basename "$page")
	out=$(MANWIDTH=80 man --warnings -l "$page" 2>&1 >/dev/null)
	check "$name renders without warnings" test -z "$out"
	[[ -z $out ]] || echo "$out"
done
bin=$TOP/out/tools/bin
text=$(MANWIDTH=200 man -l "$TOP/tools/man/autonumad.8" 2>/dev/null)
for opt in $("$bin/autonumad" --help | grep -oE -- '--[a-z-]+' | sort -u); do
	[[ $opt == --help ]] && continue
	check "autonumad.8 documents $opt" grep -q -- "$opt" <<<"$text"
done
text=$(MANWIDTH=200 man -l "$TOP/tools/man/autonumactl.8" 2>/dev/null)
for cmd in "host on" "host status" "vm list" "vm enable" "vm stats" top metrics --json; do
	check "autonumactl.8 documents $cmd" grep -q -- "$cmd" <<<"$text"
done
exit 0
