#!/bin/bash
# Install what the project needs from Debian's registry.  Quick and silent
# when everything is already there.
set -euo pipefail
. "$(dirname "$0")/config.sh"

PKGS=(
	"linux-source-6.12=$KERNEL_DEB_VERSION"
	"linux-headers-$KERNEL_RELEASE=$KERNEL_DEB_VERSION"
	"linux-image-$KERNEL_RELEASE=$KERNEL_DEB_VERSION"
	gcc libc6-dev make patch perl bc flex bison libelf-dev ccache dpkg-dev
	xz-utils cpio gzip procps util-linux
	meson ninja-build pkg-config python3 libglib2.0-dev libpixman-1-dev
	zlib1g-dev libfdt-dev
	qemu-system-x86 qemu-system-data qemu-utils seabios ipxe-qemu
	busybox-static kmod numactl libnuma-dev socat
	libjson-glib-dev libvirt-dev libvirt-glib-1.0-dev libvirt-clients
	libvirt-daemon libvirt-daemon-driver-qemu libxml2-utils gnuplot-nox man-db
	numad
)

missing=()
for p in "${PKGS[@]}"; do
	name=${p%%=*}
	want=${p#*=}
	have=$(dpkg-query -W -f='${db:Status-Abbrev}${Version}' "$name" 2>/dev/null || true)
	case $have in
	ii*) [[ $p != *=* || ${have#ii } == "$want" ]] && continue ;;
	esac
	missing+=("$p")
done

if ((${#missing[@]})); then
	log "deps: installing ${missing[*]}"
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -q >/dev/null
	apt-get install -y -q --no-install-recommends "${missing[@]}" >/dev/null
fi

# QEMU's source through a project-private apt configuration: the machine
# may list no deb-src entries and its own configuration is not ours to edit.
src=$CACHE/src/qemu-${QEMU_SRC_VERSION#*:}
if [[ ! -f $src/.done ]]; then
	apt=$CACHE/apt
	mkdir -p "$apt/lists/partial" "$apt/etc" "$src"
	cat >"$apt/etc/sources.list" <<-S
	deb-src http://deb.debian.org/debian bookworm main
	deb-src http://deb.debian.org/debian bookworm-updates main
	deb-src http://deb.debian.org/debian-security bookworm-security main
	S
	aptopt=(-o "Dir::Etc::SourceList=$apt/etc/sources.list"
		-o Dir::Etc::SourceParts=/dev/null
		-o "Dir::State::Lists=$apt/lists"
		-o APT::Sandbox::User=root)
	log "deps: fetching qemu source $QEMU_SRC_VERSION"
	apt-get "${aptopt[@]}" update -q >/dev/null
	rm -rf "$src" && mkdir -p "$src"
	(cd "$src" && apt-get "${aptopt[@]}" source -q --only-source \
		"qemu=$QEMU_SRC_VERSION" >apt-source.log 2>&1) ||
		die "apt-get source qemu=$QEMU_SRC_VERSION failed: see $src/apt-source.log"
	touch "$src/.done"
fi
