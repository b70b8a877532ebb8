#!/bin/bash
# Build (once, cached) the emulated host's initramfs: static busybox, our
# /init, and the 9p modules it needs before the host root is reachable.
# Prints the image's path.
set -euo pipefail
. "$(dirname "$0")/../../scripts/config.sh"

mods=(fs/netfs/netfs net/9p/9pnet net/9p/9pnet_virtio fs/9p/9p)
hash=$(content_hash "$0" "$(dirname "$0")/init" /bin/busybox \
	$(printf "$KERNEL_MODULES/kernel/%s.ko.xz\n" "${mods[@]}"))
img=$CACHE/ehost/initramfs-$hash.cpio.gz
if [[ ! -f $img ]]; then
	root=$(mktemp -d)
	trap 'rm -rf "$root"' EXIT
	mkdir -p "$root"/{bin,dev,proc,sys,host,lib/modules}
	cp /bin/busybox "$root/bin/busybox"
	cp "$(dirname "$0")/init" "$root/init"
	chmod +x "$root/init"
	for m in "${mods[@]}"; do
		xz -dc "$KERNEL_MODULES/kernel/$m.ko.xz" >"$root/lib/modules/$(basename "$m").ko"
	done
	mkdir -p "$(dirname "$img")"
	(cd "$root" && find . | cpio -o -H newc --quiet | gzip -1) >"$img.tmp"
	mv "$img.tmp" "$img"
fi
echo "$img"
