# Devices of our minimal QEMU (configure --with-devices-x86_64=autonuma):
# the PC machines and the virtio devices that nested guests and libvirt use.
CONFIG_I440FX=y
CONFIG_Q35=y
CONFIG_VIRTIO_PCI=y
CONFIG_VIRTIO_BLK=y
CONFIG_VIRTIO_NET=y
CONFIG_VIRTIO_SERIAL=y
CONFIG_VIRTIO_BALLOON=y
CONFIG_VIRTIO_RNG=y
# What Debian's stock QEMU puts in the pc machine by default, so that the
# two migrate to each other (tests/host/qemu-migration.sh).
CONFIG_HPET=y
CONFIG_PCSPK=y
CONFIG_VMPORT=y
CONFIG_VMMOUSE=y
