#!/usr/bin/env python3
"""Hold one VM with one never-run vCPU for the emulated host's lifetime.

QEMU's multi-threaded TCG sometimes executes a stale int3 left by the
emulated kernel's jump-label patching, and the emulated kernel oopses.  KVM
flips the apic_sw_disabled static key whenever the number of vCPUs with a
software-disabled local APIC goes between 0 and 1: at every guest start.
A vCPU created here and never run keeps its APIC disabled, so that key is
never patched again while tests start and stop guests.
"""
import fcntl
import os
import signal

KVM_CREATE_VM = 0xAE01
KVM_CREATE_IRQCHIP = 0xAE60
KVM_CREATE_VCPU = 0xAE41

kvm = os.open("/dev/kvm", os.O_RDWR | os.O_CLOEXEC)
vm = fcntl.ioctl(kvm, KVM_CREATE_VM, 0)
fcntl.ioctl(vm, KVM_CREATE_IRQCHIP, 0)
vcpu = fcntl.ioctl(vm, KVM_CREATE_VCPU, 0)
while True:
    signal.pause()
