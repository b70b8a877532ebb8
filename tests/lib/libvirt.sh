# A real libvirtd (Debian's 9.0) inside the emulated host, running guests
# on our QEMU.  Sourced, after guest.sh (GUEST_KERNEL, GUEST_INITRD,
# OUR_QEMU, guest_log).
#
#   libvirt_start            writable state, our config, libvirtd in the
#                            background; 0 once virsh gets an answer
#   libvirt_stop             destroy the running domains, stop libvirtd
#   libvirt_restart          stop libvirtd alone (its domains run on) and
#                            start it again
#   libvirt_domain_xml NAME MEM_MIB VCPUS [EXTRA_CMDLINE] [METADATA_XML]
#                      [EXTRA_XML]
#                            a direct-kernel-boot domain on our QEMU; its
#                            serial console goes to $(guest_log NAME);
#                            EXTRA_CMDLINE e.g. "guest.cmd=memtouch
#                            memtouch.mib=128"
#   libvirt_qemu_log NAME    libvirt's log of the domain's QEMU
#   libvirt_running NAME     true while the domain runs; else says how it
#                            ended, and marks a silent reset for ehost.sh
#   lv ARGS                  virsh -c qemu:///system ARGS, under a timeout
#
# The emulated host sees this machine's root read-only, and only
# libvirt-daemon is installed (no libvirt-daemon-system): no qemu.conf, no
# libvirt-qemu user, no /var/lib/libvirt.  Everything libvirtd writes is
# made writable here, in the emulated host's own mount table.
#
# autonuma=on: libvirt 9.0 puts "-accel kvm" on QEMU's command line, and
# QEMU uses the first -accel that initialises, so a later "-accel
# kvm,autonuma=on" in <qemu:commandline> is accepted and silently ignored;
# "-global kvm-accel.autonuma=on" only warns (accelerators are no devices).
# Turn it on after the start with QMP set-autonuma, as autonumad does:
#   lv qemu-monitor-command NAME '{"execute":"set-autonuma",
#                                   "arguments":{"enabled":true}}'

: "${TOP:?}" "${EHOST_WORK:?}" "${OUR_QEMU:?}"
LIBVIRT_LOG=$EHOST_WORK/libvirtd.log
LIBVIRT_SOCK=/run/libvirt/libvirt-sock
LIBVIRT_PID=

lv() { timeout -k 5 120 virsh -q -c qemu:///system "$@"; }

# Make DIR writable: an overlay on the read-only original, upper on tmpfs.
# Not a plain tmpfs: /var/lib/libvirt and /var/cache/libvirt do not exist
# on the root, so there is nothing to mount one on.
_libvirt_writable() {
	local dir=$1 up=/tmp/libvirt-overlay${1//\//-}
	mountpoint -q "$dir" && return 0
	modprobe overlay && mkdir -p "$up/upper" "$up/work" &&
		mount -t overlay overlay \
			-o "lowerdir=$dir,upperdir=$up/upper,workdir=$up/work" "$dir"
}

# The QEMU driver fails to initialise without a libvirt-qemu user, even
# with user = "root" ("Failed to parse user 'libvirt-qemu'"): bind copies
# of /etc/passwd and /etc/group that have it over the read-only ones.
_libvirt_user() {
	local f
	getent passwd libvirt-qemu >/dev/null && return 0
	for f in passwd group; do
		cp "/etc/$f" "/tmp/libvirt-$f" || return 1
	done
	echo 'libvirt-qemu:x:64055:64055:libvirt-qemu:/var/lib/libvirt:/usr/sbin/nologin' \
		>>/tmp/libvirt-passwd
	echo 'libvirt-qemu:x:64055:' >>/tmp/libvirt-group
	for f in passwd group; do
		mount --bind "/tmp/libvirt-$f" "/etc/$f" || return 1
	done
}

_libvirt_config() {
	# Warnings and errors only: the log is on 9p.  No polkit (no dbus).
	cat >/etc/libvirt/libvirtd.conf <<-EOF
	log_outputs = "3:file:$LIBVIRT_LOG"
	auth_unix_rw = "none"
	EOF
	# QEMU as root with no security driver, no chown and no ownership
	# xattrs (the work directory is on 9p); no mount namespace (it would
	# need its own /dev); stdio_handler file: QEMU's output goes straight
	# to /var/log/libvirt/qemu, no virtlogd to run.
	cat >/etc/libvirt/qemu.conf <<-EOF
	user = "root"
	group = "root"
	dynamic_ownership = 0
	remember_owner = 0
	security_driver = "none"
	namespaces = [ ]
	stdio_handler = "file"
	EOF
}

libvirt_start() {
	local d end start=$SECONDS
	for d in /etc/libvirt /var/lib /var/cache; do
		_libvirt_writable "$d" || { echo "libvirt: cannot make $d writable"; return 1; }
	done
	mkdir -p /var/lib/libvirt /var/cache/libvirt /var/log/libvirt/qemu /run/libvirt
	_libvirt_user || { echo "libvirt: cannot add the libvirt-qemu user"; return 1; }
	_libvirt_config
	# cgroup v2 as on a real host: libvirt then gives each domain
	# /machine/qemu-N-NAME.libvirt-qemu/{emulator,vcpuN}, and numatune
	# --live works.  (Without it libvirt runs too, pinning by affinity.)
	if ! mountpoint -q /sys/fs/cgroup; then
		mount -t cgroup2 cgroup2 /sys/fs/cgroup || { echo "libvirt: no cgroup2"; return 1; }
	fi
	: >"$LIBVIRT_LOG"
	# libvirtd probes every qemu-system-* on its PATH at start; Debian's,
	# probed under TCG, costs 8 s.  With our QEMU's directory first, the
	# one probe is of our QEMU, and the domains' <emulator> reuses it.
	PATH=$(dirname "$OUR_QEMU"):/usr/sbin:/sbin \
		libvirtd >>"$LIBVIRT_LOG" 2>&1 </dev/null &
	LIBVIRT_PID=$!
	end=$((SECONDS + 60))
	while ((SECONDS < end)); do
		if ! kill -0 "$LIBVIRT_PID" 2>/dev/null; then
			echo "libvirt: libvirtd exited"
			break
		fi
		if [[ -S $LIBVIRT_SOCK ]] && lv version >/dev/null 2>&1; then
			echo "libvirt: libvirtd answers after $((SECONDS - start)) s"
			return 0
		fi
		sleep 0.5
	done
	((SECONDS < end)) || echo "libvirt: libvirtd did not answer within 60 s"
	echo "--- libvirtd log ($LIBVIRT_LOG) ---"
	sed 's/^/  libvirtd| /' "$LIBVIRT_LOG"
	libvirt_stop
	return 1
}

libvirt_stop() {
	local dom i
	[[ -n $LIBVIRT_PID ]] || return 0
	for dom in $(lv list --name 2>/dev/null); do
		lv destroy "$dom" >/dev/null 2>&1
	done
	kill "$LIBVIRT_PID" 2>/dev/null
	for ((i = 0; i < 50; i++)); do
		kill -0 "$LIBVIRT_PID" 2>/dev/null || break
		sleep 0.1
	done
	kill -9 "$LIBVIRT_PID" 2>/dev/null
	wait "$LIBVIRT_PID" 2>/dev/null
	LIBVIRT_PID=
	return 0
}

libvirt_restart() {
	local i
	kill "$LIBVIRT_PID" 2>/dev/null
	for ((i = 0; i < 100; i++)); do
		kill -0 "$LIBVIRT_PID" 2>/dev/null || break
		sleep 0.1
	done
	wait "$LIBVIRT_PID" 2>/dev/null
	LIBVIRT_PID=
	libvirt_start
}

libvirt_qemu_log() { echo "/var/log/libvirt/qemu/$1.log"; }

# A domain that ended by itself: libvirt's reason and its QEMU's log, then
# guest.sh's _guest_ended, which reads the serial log as for its own
# guests: a command that ended, a panic, or a silent reset (TCG's now and
# then), which it marks for ehost.sh.  on_reboot=destroy makes a guest
# reset end the domain as "shut off (shutdown)" (measured with
# tests/guest/cmd/triple); any other end is its QEMU's, and ours.
libvirt_running() { # NAME
	local state qlog i
	state=$(lv domstate --reason "$1" 2>&1)
	# A domain that reset is "in shutdown" while libvirt stops its QEMU
	# (read so in a fresh clone's outer/ehost-failures): wait for the end.
	for ((i = 0; i < 20; i++)); do
		[[ $state == 'in shutdown'* ]] || break
		sleep 0.5
		state=$(lv domstate --reason "$1" 2>&1)
	done
	[[ $state == running* ]] && return 0
	qlog=$(libvirt_qemu_log "$1")
	echo "domain $1: $state"
	echo "--- libvirt's log of its QEMU ($qlog), last 15 lines ---"
	tail -n 15 "$qlog" 2>/dev/null | sed 's/^/  qemu| /'
	if [[ $state != *'(shutdown)'* ]] ||
		grep -qiE 'assert|abort|core dumped|segmentation' "$qlog" 2>/dev/null; then
		echo "domain $1: its QEMU ended by itself"
		guest_print_log "$1"
	else
		_guest_ended "$1" 0
	fi
	return 1
}

libvirt_domain_xml() {
	local name=$1 mem=$2 vcpus=$3 extra=${4:-} meta=${5:-} more=${6:-}
	# guest.cmd=boot first: the guest's init takes the last guest.cmd=.
	# No USB controller (our QEMU has none) and no balloon.  -L: a QEMU run
	# from its build directory finds no firmware (bios-256k.bin) by itself,
	# and libvirt has no element for data directories.
	cat <<-EOF
	<domain type='kvm' xmlns:qemu='http://libvirt.org/schemas/domain/qemu/1.0'>
	  <name>$name</name>
	  <memory unit='MiB'>$mem</memory>
	  <vcpu>$vcpus</vcpu>
	  $more
	  <metadata>$meta</metadata>
	  <os>
	    <type arch='x86_64' machine='pc'>hvm</type>
	    <kernel>$GUEST_KERNEL</kernel>
	    <initrd>$GUEST_INITRD</initrd>
	    <cmdline>console=ttyS0 quiet loglevel=3 panic=-1 guest.cmd=boot $extra</cmdline>
	  </os>
	  <features><acpi/></features>
	  <cpu mode='host-passthrough'/>
	  <on_poweroff>destroy</on_poweroff>
	  <on_reboot>destroy</on_reboot>
	  <on_crash>destroy</on_crash>
	  <devices>
	    <emulator>$OUR_QEMU</emulator>
	    <controller type='usb' model='none'/>
	    <serial type='file'>
	      <source path='$(guest_log "$name")'/>
	      <target port='0'/>
	    </serial>
	    <memballoon model='none'/>
	  </devices>
	  <qemu:commandline>
	    <qemu:arg value='-L'/><qemu:arg value='/usr/share/qemu'/>
	    <qemu:arg value='-L'/><qemu:arg value='/usr/share/seabios'/>
	  </qemu:commandline>
	</domain>
	EOF
}
