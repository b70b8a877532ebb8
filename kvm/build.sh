#!/bin/bash
# Build kvm.ko, kvm-amd.ko and kvm-intel.ko from Debian's linux-source-6.12
# with kvm/patches/series applied, against the matching headers package.
#
# Only the parts of the tree that KVM needs are extracted (once, cached).
# The build directory is keyed by the series' content, so an unchanged
# series in any clone reuses the modules already built.
set -euo pipefail
. "$(dirname "$0")/../scripts/config.sh"

PATCHES=$TOP/kvm/patches
pristine=$CACHE/src/linux-$KERNEL_DEB_VERSION

extract() {
	[[ -f $pristine/.done ]] && return
	[[ -f $KERNEL_SRC_TARBALL ]] || die "$KERNEL_SRC_TARBALL missing: run make deps"
	log "kvm: extracting KVM sources from $KERNEL_SRC_TARBALL"
	rm -rf "$pristine" "$pristine.tmp"
	mkdir -p "$pristine.tmp"
	tar -xJf "$KERNEL_SRC_TARBALL" -C "$pristine.tmp" --strip-components=1 \
		linux-source-6.12/arch/x86/kvm linux-source-6.12/virt/kvm \
		linux-source-6.12/include linux-source-6.12/arch/x86/include \
		linux-source-6.12/Documentation/virt/kvm linux-source-6.12/tools \
		linux-source-6.12/scripts/checkpatch.pl \
		linux-source-6.12/scripts/spelling.txt \
		linux-source-6.12/scripts/const_structs.checkpatch
	touch "$pristine.tmp/.done"
	mv "$pristine.tmp" "$pristine"
}

series_files() {
	echo "$PATCHES/series"
	grep -v -e '^#' -e '^$' "$PATCHES/series" | sed "s|^|$PATCHES/|"
}

extract
mapfile -t files < <(series_files)
for f in "${files[@]}"; do [[ -f $f ]] || die "kvm/patches: $f missing"; done
hash=$(content_hash "${files[@]}" "$0")
tree=$CACHE/build/kvm-$hash
version=$KERNEL_RELEASE-autonuma-$hash
mods=(arch/x86/kvm/kvm.ko arch/x86/kvm/kvm-amd.ko arch/x86/kvm/kvm-intel.ko)

if [[ ! -f $tree/.built ]]; then
	log "kvm: applying kvm/patches/series and building in $tree"
	rm -rf "$tree"
	mkdir -p "$(dirname "$tree")"
	cp -a "$pristine" "$tree"
	for p in "${files[@]:1}"; do
		patch -d "$tree" -p1 -s --no-backup-if-mismatch <"$p" ||
			die "kvm: $(basename "$p") does not apply"
	done
	# The in-tree Makefile expects a full tree at $(srctree) (the headers
	# package here): a Kbuild file, which kbuild prefers, points it at
	# the extracted copy instead.
	sed -e "s|\$(srctree)/|$tree/|g" "$tree/arch/x86/kvm/Makefile" \
		>"$tree/arch/x86/kvm/Kbuild"
	echo 'ccflags-y += -Werror' >>"$tree/arch/x86/kvm/Kbuild"
	# Stamp each module with the build's identity, so that a test can
	# tell our modules from Debian's in /sys/module/*/version.  Build
	# glue, not part of the series.
	for m in kvm kvm-amd kvm-intel; do
		printf '#include <linux/module.h>\nMODULE_VERSION("%s");\n' \
			"$version" >"$tree/arch/x86/kvm/version-$m.c"
		echo "$m-y += version-$m.o" >>"$tree/arch/x86/kvm/Kbuild"
	done
	# Patched headers must come before the headers package's own copies;
	# ccflags-y is placed after LINUXINCLUDE and would lose.
	nostdinc="-I$tree/arch/x86/include -I$tree/arch/x86/include/uapi"
	nostdinc+=" -I$tree/include -I$tree/include/uapi"
	# Paths relative to the tree let ccache hit across build directories.
	export CCACHE_BASEDIR=$tree CCACHE_NOHASHDIR=1
	if ! make -s -C "$KERNEL_HEADERS" M="$tree/arch/x86/kvm" \
		NOSTDINC_FLAGS="$nostdinc" CC="ccache gcc" \
		-j"$(nproc)" modules >"$tree/build.log" 2>&1; then
		cat "$tree/build.log" >&2
		die "kvm: build failed"
	fi
	touch "$tree/.built"
fi

prune_builds kvm 4
mkdir -p "$OUT/kvm"
for m in "${mods[@]}"; do
	ln -sf "$tree/$m" "$OUT/kvm/$(basename "$m")"
done
ln -sfn "$tree" "$OUT/kvm/tree"
echo "$version" >"$OUT/kvm/version"
log "kvm: modules in $OUT/kvm (tree $tree)"
