#!/bin/bash
# Build tests/kselftest/*.c, KVM selftests of our own, into out/kselftest/.
#
# They are written like the kernel's tools/testing/selftests/kvm tests
# (kvm_util.h, processor.h, ucall, guest code in the same program) and are
# compiled and linked exactly as upstream's own tests are, by the upstream
# selftests Makefile, against the uapi headers of our patched tree
# (out/kvm/tree), never the system's /usr/include/linux.
#
# The selftests library is built once per content of its inputs (the patched
# tree's uapi headers and tools/ sources, the headers package's generated
# uapi headers, this script) in $CACHE/build/kselftest-<hash>, a minimal
# kernel tree:
#   src/scripts/subarch.include        from the headers package
#   src/tools/{build,include,arch/x86/include,testing/selftests/...}
#                                      from the patched tree
#   src/usr/include                    what `make headers_install` would make
#   obj/                               the library's objects (OUTPUT)
#   kselftest.mk                       our targets, added to upstream's Makefile
# so the upstream Makefile finds everything at its default places.
#
#   KVM_TREE=DIR tests/kselftest/build.sh   use DIR as the patched tree
#                                           instead of running kvm/build.sh
set -euo pipefail
. "$(dirname "$0")/../../scripts/config.sh"

SRC=$TOP/tests/kselftest
BIN=$OUT/kselftest

# Parts of the patched tree that the selftests library is built from.
tree_parts=(
	include/uapi arch/x86/include/uapi
	tools/build/Build.include tools/include tools/arch/x86/include
	tools/lib/rbtree.c
	tools/testing/selftests/lib.mk tools/testing/selftests/kselftest.h
	tools/testing/selftests/kselftest_harness.h
	tools/testing/selftests/kselftest tools/testing/selftests/kvm
	tools/testing/selftests/rseq
)
# ... and of the headers package: generated uapi headers (asm/unistd_64.h,
# the asm-generic wrappers, linux/version.h) and headers_install's tools.
headers_parts=(
	arch/x86/include/generated/uapi include/generated/uapi
	scripts/headers_install.sh scripts/subarch.include
)

# Run a command with its output in a log; show the log if it fails.
quiet() { # LOG WHAT COMMAND...
	local log=$1 what=$2
	shift 2
	if ! "$@" >"$log" 2>&1; then
		cat "$log" >&2
		die "kselftest: $what failed"
	fi
}

manifest() { # DIR PART...: "sha256  path" of every file, sorted
	(cd "$1" && shift && find "$@" -type f -print0 | sort -z |
		xargs -0 sha256sum)
}

# headers_install: every header under $1 into $2, through the kernel's
# scripts/headers_install.sh (strips __user and __KERNEL__ parts, fails on
# a CONFIG_ leak), which runs scripts/unifdef relative to the current
# directory, hence the cd to the headers package.
install_uapi() { # FROM-DIR TO-DIR
	(cd "$1" && find . -name '*.h' -printf '%P\n') |
		(cd "$KERNEL_HEADERS" && xargs -r -P"$(nproc)" -n 32 sh -c '
			from=$1 to=$2
			shift 2
			for h; do
				mkdir -p "$to/$(dirname "$h")"
				sh scripts/headers_install.sh "$from/$h" "$to/$h" ||
					exit 255
			done' sh "$1" "$2")
}

# make headers_install, for x86 only.  Generated headers first: on a clash
# the source one wins, as in scripts/Makefile.headersinst.  (Run under
# quiet's "if", where set -e does not apply: hence the || return.)
install_all_uapi() { # TO-DIR
	install_uapi "$KERNEL_HEADERS/arch/x86/include/generated/uapi" "$1" ||
		return
	install_uapi "$KERNEL_HEADERS/include/generated/uapi" "$1" || return
	install_uapi "$tree/include/uapi" "$1" || return
	install_uapi "$tree/arch/x86/include/uapi" "$1" || return
	# As include/uapi/Kbuild: no linux/a.out.h without asm/a.out.h.
	if [[ ! -f $tree/arch/x86/include/uapi/asm/a.out.h ]]; then
		rm -f "$1/linux/a.out.h"
	fi
}

# The library's make: upstream Makefile plus kselftest.mk, run from the
# selftests' directory like upstream's own builds.
selftests_make() { # DIR MAKE-ARGS...
	local dir=$1
	shift
	CCACHE_BASEDIR=$dir CCACHE_NOHASHDIR=1 \
		make -C "$dir/src/tools/testing/selftests/kvm" \
		-f Makefile -f "$dir/kselftest.mk" \
		OUTPUT="$dir/obj" CC="$cc" -j"$(nproc)" "$@"
}

build_library() { # DIR
	local dir=$1 src=$1/src
	rm -rf "$dir"
	mkdir -p "$src/scripts" "$src/usr/include" "$dir/obj"
	tar -C "$tree" -cf - "${tree_parts[@]}" | tar -C "$src" -xf -
	cp "$KERNEL_HEADERS/scripts/subarch.include" "$src/scripts/"

	quiet "$dir/headers.log" "headers_install" \
		install_all_uapi "$src/usr/include"

	# Targets of ours on top of upstream's Makefile (6.12 has no target
	# for the library alone).  Our tests get upstream's CFLAGS plus
	# -Werror, and upstream's link line (every library object, as
	# upstream: lib/string_override.o must replace libc's mem*() for
	# guest code) plus -static, so that they run anywhere.
	cat >"$dir/kselftest.mk" <<'EOF'
# Added to tools/testing/selftests/kvm/Makefile by tests/kselftest/build.sh.
# KS_SRC: our tests' sources; KS_OBJ: their objects; KS_BIN: the programs;
# KS_LIB: a file that exists once the library is built.
.PHONY: libkvm tests
libkvm: $(LIBKVM_OBJS)

KS_TESTS := $(patsubst $(KS_SRC)/%.c,$(KS_BIN)/%,$(wildcard $(KS_SRC)/*.c))
tests: $(KS_TESTS)

$(KS_TESTS:$(KS_BIN)/%=$(KS_OBJ)/%.o): $(KS_OBJ)/%.o: $(KS_SRC)/%.c
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) -Werror $(CPPFLAGS) $(TARGET_ARCH) -c $< -o $@

$(KS_TESTS): $(KS_BIN)/%: $(KS_OBJ)/%.o $(KS_LIB)
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) $(CPPFLAGS) $(LDFLAGS) -static $(TARGET_ARCH) $< \
		$(LIBKVM_OBJS) $(LDLIBS) -o $@

-include $(KS_TESTS:$(KS_BIN)/%=$(KS_OBJ)/%.d)
EOF

	quiet "$dir/build.log" "building the selftests library" \
		selftests_make "$dir" libkvm
	touch "$dir/.built"
}

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
if [[ -z ${KVM_TREE:-} ]]; then
	# The patched tree of the current series (a no-op once built).
	quiet "$tmp/kvm.log" "kvm/build.sh" "$TOP/kvm/build.sh"
	KVM_TREE=$OUT/kvm/tree
fi
tree=$(readlink -f "$KVM_TREE")
[[ -f $tree/include/uapi/linux/kvm.h ]] ||
	die "kselftest: no patched tree at $KVM_TREE"
[[ -d $KERNEL_HEADERS/scripts ]] || die "$KERNEL_HEADERS missing: run make deps"
cc=gcc
command -v ccache >/dev/null && cc="ccache gcc"

mkdir -p "$CACHE/build" "$BIN"
{
	manifest "$tree" "${tree_parts[@]}"
	manifest "$KERNEL_HEADERS" "${headers_parts[@]}"
} >"$tmp/sums"
hash=$(content_hash "$tmp/sums" "$0")
dir=$CACHE/build/kselftest-$hash

if [[ ! -f $dir/.built ]]; then
	log "kselftest: building the selftests library in $dir"
	build_library "$dir"
fi
prune_builds kselftest 4
ln -sfn "$dir" "$BIN/.build"

# Our tests: objects per clone and per library (a new library recompiles
# them all), programs in out/kselftest/NAME.
obj=$BIN/.obj-$hash
for d in "$BIN"/.obj-*; do
	if [[ -e $d && $d != "$obj" ]]; then rm -rf "$d"; fi
done
for b in "$BIN"/*; do
	if [[ -f $b && ! -f $SRC/$(basename "$b").c ]]; then rm -f "$b"; fi
done
quiet "$tmp/tests.log" "building tests/kselftest" \
	selftests_make "$dir" KS_SRC="$SRC" KS_OBJ="$obj" KS_BIN="$BIN" \
	KS_LIB="$dir/.built" tests
