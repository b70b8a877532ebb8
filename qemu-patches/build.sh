#!/bin/bash
# Build qemu-system-x86_64 from Debian's QEMU 7.2 source (Debian's patches
# applied) with qemu-patches/series on top: minimal, KVM and TCG, x86_64.
#
# The build directory is keyed by the series' content; ccache makes a new
# series cheap to rebuild.
set -euo pipefail
. "$(dirname "$0")/../scripts/config.sh"

PATCHES=$TOP/qemu-patches
pristine=$CACHE/src/qemu-${QEMU_SRC_VERSION#*:}/qemu-7.2+dfsg
[[ -d $pristine ]] || die "$pristine missing: run make deps"

mapfile -t files < <(echo "$PATCHES/series"
	grep -v -e '^#' -e '^$' "$PATCHES/series" | sed "s|^|$PATCHES/|")
for f in "${files[@]}"; do [[ -f $f ]] || die "qemu-patches: $f missing"; done
hash=$(content_hash "${files[@]}" "$PATCHES/devices-x86_64.mak" "$0")
tree=$CACHE/build/qemu-$hash
bin=$tree/build/qemu-system-x86_64

if [[ ! -f $tree/.built ]]; then
	log "qemu: applying qemu-patches/series and building in $tree"
	rm -rf "$tree"
	mkdir -p "$(dirname "$tree")"
	cp -a "$pristine" "$tree"
	for p in "${files[@]:1}"; do
		patch -d "$tree" -p1 -s --no-backup-if-mismatch <"$p" ||
			die "qemu: $(basename "$p") does not apply"
	done
	cp "$PATCHES/devices-x86_64.mak" \
		"$tree/configs/devices/x86_64-softmmu/autonuma.mak"
	export CCACHE_BASEDIR=$tree CCACHE_NOHASHDIR=1
	mkdir -p "$tree/build"
	if ! (cd "$tree/build" && ../configure \
		--target-list=x86_64-softmmu \
		--without-default-features --without-default-devices \
		--with-devices-x86_64=autonuma \
		--enable-kvm --enable-tcg --enable-numa --enable-fdt=system \
		--enable-werror --disable-docs \
		--cc="ccache gcc" --cxx="ccache g++" \
		--with-pkgversion="Debian $QEMU_SRC_VERSION, kvm-autonuma $hash" \
		--prefix=/usr --firmwarepath=/usr/share/qemu:/usr/share/seabios:/usr/lib/ipxe/qemu \
		&& ninja qemu-system-x86_64) >"$tree/build.log" 2>&1; then
		tail -60 "$tree/build.log" >&2
		die "qemu: build failed (log: $tree/build.log)"
	fi
	touch "$tree/.built"
fi

prune_builds qemu 3
mkdir -p "$OUT"
ln -sf "$bin" "$OUT/qemu-system-x86_64"
echo "$hash" >"$OUT/qemu-version"
log "qemu: $OUT/qemu-system-x86_64 (tree $tree)"
