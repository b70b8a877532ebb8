# Result lines that tests/run.sh counts.  Sourced.
pass() { echo "PASS: $1"; }
fail() { echo "FAIL: $1${2:+: $2}"; FAILED=1; }
skip() { echo "SKIP: $1${2:+: $2}"; }
# check NAME COMMAND...: pass or fail on COMMAND's status.
check() {
	local name=$1
	shift
	if "$@"; then pass "$name"; else fail "$name" "$*"; fi
}
FAILED=0
