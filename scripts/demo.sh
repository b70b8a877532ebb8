#!/bin/bash
# make demo: boot the 2-node emulated host and run scripts/demo-inner.sh in
# it.  Its work directory is shared, so the plot's path it prints
# (out/ehost/demo/demo.png) is valid here too.
set -euo pipefail
. "$(dirname "$0")/config.sh"
exec "$TOP/tests/ehost/ehost.sh" --nodes 2 --timeout 500 \
	--work "$OUT/ehost/demo" -- bash "$TOP/scripts/demo-inner.sh"
