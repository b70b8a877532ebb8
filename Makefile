# kvm-autonuma: automatic NUMA placement for KVM guests.
#
#   make demo    boot the emulated 2-node host and show a guest's placement
#   make test    build everything and run every test
#   make bench   kvm-autonuma against its peers, written to bench/results/
#                (bench/kvm-scanner.sh: the scanner's own costs)
#
# Both install what they need (make deps) and cache downloads and builds
# under ~/.cache/kvm-autonuma, outside the clone.

SHELL := /bin/bash
OUT := out

all: kvm qemu tools guest kselftest

deps:
	@scripts/deps.sh

kvm: deps
	@kvm/build.sh

qemu: deps
	@qemu-patches/build.sh

tools: deps
	@$(MAKE) -s -C tools O=$(CURDIR)/$(OUT)/tools

guest: deps
	@tests/guest/mkinitramfs.sh >/dev/null

kselftest: kvm
	@tests/kselftest/build.sh

test: all
	@tests/run.sh

demo: all
	@scripts/demo.sh

bench: all
	@bench/peers.sh

check: deps
	@tests/run.sh style

clean:
	rm -rf $(OUT)

.PHONY: all deps kvm qemu tools guest kselftest test demo bench check clean
