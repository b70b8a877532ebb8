#!/bin/bash
# libvirt-xml/validate.sh: the example domains pass libvirt's domain schema,
# their autonuma element passes ours (autonuma.rng), and every fragment in
# examples/bad fails ours.  PASS:/FAIL: lines as tests/lib/tap.sh prints
# them; exit status 1 on any failure.
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
. "$here/../tests/lib/tap.sh"

rng=$here/autonuma.rng
ns=urn:kvm-autonuma:libvirt:1.0
xpath="//*[local-name()='autonuma' and namespace-uri()='$ns']"

for tool in virt-xml-validate xmllint; do
	if ! command -v "$tool" >/dev/null; then
		fail "libvirt-xml: $tool is installed" \
			"apt-get install libvirt-clients libxml2-utils"
		exit 1
	fi
done
if out=$(xmllint --noout "$rng" 2>&1); then
	pass "libvirt-xml: autonuma.rng is well-formed"
else
	echo "$out"
	fail "libvirt-xml: autonuma.rng is well-formed"
	exit 1
fi

shopt -s nullglob
examples=("$here"/examples/*.xml)
bad=("$here"/examples/bad/*.xml)
((${#examples[@]} >= 3)) || fail "libvirt-xml: at least 3 examples" "${#examples[@]}"
((${#bad[@]} >= 3)) || fail "libvirt-xml: at least 3 bad fragments" "${#bad[@]}"

for f in "${examples[@]}"; do
	name=examples/${f##*/}
	if out=$(virt-xml-validate "$f" domain 2>&1); then
		pass "$name: libvirt's domain schema"
	else
		echo "$out"
		fail "$name: libvirt's domain schema"
	fi
	# The element declares its own namespace, so it stands alone.
	el=$(xmllint --xpath "$xpath" "$f" 2>/dev/null)
	if [[ -z $el ]]; then
		fail "$name: has an autonuma element in $ns"
		continue
	fi
	if out=$(xmllint --noout --relaxng "$rng" - <<<"$el" 2>&1); then
		pass "$name: autonuma.rng"
	else
		echo "$el"
		echo "$out"
		fail "$name: autonuma.rng"
	fi
done

# Rejected by the schema (xmllint's status 3), not for being malformed.
for f in "${bad[@]}"; do
	name=examples/bad/${f##*/}
	out=$(xmllint --noout --relaxng "$rng" "$f" 2>&1)
	rc=$?
	if ((rc == 3)); then
		pass "$name: rejected by autonuma.rng"
	else
		echo "$out"
		fail "$name: rejected by autonuma.rng" "xmllint exit status $rc, want 3"
	fi
done
exit $FAILED
