#!/bin/bash
# Build (once, cached) the nested guests' initramfs: static busybox, our
# /init, the command scripts of tests/guest/cmd and the static workload
# programs of tests/guest/progs.  Links it as
# out/guest/initramfs.cpio.gz.
set -euo pipefail
. "$(dirname "$0")/../../scripts/config.sh"
here=$(cd "$(dirname "$0")" && pwd)

hash=$(content_hash "$0" "$here/init" /bin/busybox \
	$(find "$here/cmd" "$here/progs" -type f | sort))
img=$CACHE/guest/initramfs-$hash.cpio.gz
if [[ ! -f $img ]]; then
	root=$(mktemp -d)
	trap 'rm -rf "$root"' EXIT
	mkdir -p "$root"/{bin,dev,proc,sys,cmd}
	cp /bin/busybox "$root/bin/busybox"
	cp "$here/init" "$root/init"
	cp "$here"/cmd/* "$root/cmd/"
	# Guest workloads: small static C programs.
	for c in "$here"/progs/*.c; do
		gcc -static -O2 -pthread -std=gnu11 -Wall -Wextra -Werror \
			-o "$root/bin/$(basename "$c" .c)" "$c"
	done
	chmod +x "$root/init" "$root"/cmd/*
	mkdir -p "$(dirname "$img")"
	(cd "$root" && find . | cpio -o -H newc --quiet | gzip -1) >"$img.tmp"
	mv "$img.tmp" "$img"
fi
mkdir -p "$OUT/guest"
ln -sf "$img" "$OUT/guest/initramfs.cpio.gz"
echo "$img"
