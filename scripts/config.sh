# Shared settings for the build and test scripts; sourced, never run.
# Versions are pinned here and only here: move all three kernel pins together.

KERNEL_DEB_VERSION=6.12.117-1~deb12u1
KERNEL_RELEASE=6.12.117+deb12-amd64
KERNEL_SRC_TARBALL=/usr/src/linux-source-6.12.tar.xz
KERNEL_HEADERS=/usr/src/linux-headers-$KERNEL_RELEASE
KERNEL_IMAGE=/boot/vmlinuz-$KERNEL_RELEASE
KERNEL_MODULES=/lib/modules/$KERNEL_RELEASE

# Debian's QEMU 7.2 source; the stock binary of the same upload is the peer.
QEMU_SRC_VERSION=1:7.2+dfsg-7+deb12u18

TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
CACHE=${KVM_AUTONUMA_CACHE:-$HOME/.cache/kvm-autonuma}
OUT=$TOP/out

export CCACHE_DIR=${CCACHE_DIR:-$CACHE/ccache}

log() { printf '%s\n' "$*" >&2; }
die() { printf 'error: %s\n' "$*" >&2; exit 1; }

# Hash of a list of files' contents: build directories are keyed by it so
# that a clone shares whatever an earlier clone already built.
content_hash() {
	cat "$@" | sha256sum | cut -c1-16
}

# Keep the newest $2 build directories $CACHE/build/$1-*, drop the rest:
# every series change makes a new one.
prune_builds() {
	local d
	ls -1dt "$CACHE/build/$1"-* 2>/dev/null | tail -n +$(($2 + 1)) |
		while read -r d; do rm -rf "$d"; done
}
