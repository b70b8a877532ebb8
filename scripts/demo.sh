#!/bin/bash
# make demo: boot the 2-node emulated host and run scripts/demo-inner.sh in it.
set -euo pipefail
. "$(dirname "$0")/config.sh"
exec "$TOP/tests/ehost/ehost.sh" --nodes 2 --timeout 400 \
	--work "$OUT/ehost/demo" -- bash "$TOP/scripts/demo-inner.sh"
