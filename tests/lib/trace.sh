# ftrace in the emulated host, for a test or a bench run: one event or
# event system at a time, from an empty buffer.  (guest_kvm_rates in
# guest.sh traces one guest's threads for a second and restores the
# state it found instead.)
TRACEFS=/sys/kernel/tracing

trace_start() { # EVENTS (under events/: kvm_autonuma, kvm/kvm_page_fault) [BUFFER_KB]
	mountpoint -q $TRACEFS || mount -t tracefs nodev $TRACEFS
	echo 0 >$TRACEFS/tracing_on
	: >$TRACEFS/trace
	[[ -z ${2:-} ]] || echo "$2" >$TRACEFS/buffer_size_kb
	echo 1 >"$TRACEFS/events/$1/enable"
	echo 1 >$TRACEFS/tracing_on
}

trace_stop() { # EVENTS FILE: keeps the trace in FILE, empties the buffer
	echo 0 >$TRACEFS/tracing_on
	echo 0 >"$TRACEFS/events/$1/enable"
	cp $TRACEFS/trace "$2"
	: >$TRACEFS/trace
}
