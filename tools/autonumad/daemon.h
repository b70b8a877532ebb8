/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * autonumad: finds the VMs that have kvm-autonuma enabled, keeps QEMU's
 * setting in line with what the VM's metadata or configuration asks for,
 * and places their vCPUs on the nodes that hold their memory (gear 4).
 *
 * Everything here runs in the main loop except a VM's job (set-autonuma,
 * vCPU pinning, query-autonuma), which runs in a worker thread with only
 * the VmJob it was given, so that a hung QEMU or libvirtd stalls that VM
 * alone.
 */
#pragma once

#include <gio/gio.h>
#include <json-glib/json-glib.h>

#include "config.h"
#include "metadata.h"
#include "policy.h"
#include "topology.h"

typedef struct Daemon Daemon;
typedef struct Vm Vm;

typedef struct {
	int index;
	int tid;
	int placed;             /* node autonumad pinned it to, -1: none */
	int running;            /* node of the CPU it last ran on */
	int preferred;          /* where its recent faults go, -1: unknown */
	gint64 moved_at;        /* monotonic us of its last re-pinning */
	int pinned_to;          /* ... to this node; -1: not pinned by us */
	guint64 moves;
	guint64 faults[POLICY_MAX_NODES];       /* cumulative, from KVM */
	double recent[POLICY_MAX_NODES];        /* decayed per period */
	double local_ratio;     /* of its faults in the last period */
	guint64 runtime_ns;     /* /proc/TID/schedstat at the last look */
	guint64 waited_ns;      /* ... and its time waiting to run */
	gint64 sampled_at;      /* monotonic us of that look */
	double load;            /* CPUs' worth it wants, decayed; see place() */
	double run_on_pref, run_all;            /* decayed run time */
} VcpuState;

/* A re-pinning decided in the main loop, done by the VM's job. */
typedef struct {
	int vcpu;
	int tid;
	int node;
} VcpuPin;

/* What a VM's job does and what it brings back. */
typedef struct {
	Vm *vm;                 /* only its backend is touched in the thread */
	JsonObject *set;        /* set-autonuma arguments, or NULL */
	GArray *pins;           /* VcpuPin */
	guint8 **node_cpus;     /* per node: CPU bitmap, nr_cpus long */
	int nr_cpus;
	/* results */
	JsonNode *info;         /* query-autonuma's return */
	GArray *pinned;         /* VcpuPin that succeeded */
	GError *error;
} VmJob;

typedef struct {
	const char *kind;       /* "libvirt", "qmp" */
	/* In a worker thread: */
	JsonNode *(*call)(Vm *vm, const char *command, JsonObject *args,
			  GError **error);
	gboolean (*pin)(Vm *vm, const VcpuPin *pin, const guint8 *cpus,
			int nr_cpus, GError **error);
	/* In the main loop: */
	void (*free)(Vm *vm);
} VmOps;

struct Vm {
	gint ref;
	Daemon *d;
	char *name;
	const VmOps *ops;
	gpointer backend;
	char *qmp_path;         /* plain QEMU */

	AutonumaSettings want;  /* from the metadata or the configuration */
	gboolean managed;       /* want is valid: the element or [vm] exists */
	gboolean override;      /* vm-set from autonumactl, plain QEMU only */
	gboolean busy;          /* a job is out */
	gint64 busy_since;
	gboolean stale_logged;
	char *state;            /* "ok", "unreachable: ...", "error: ..." */
	char *last_error;       /* logged once until it changes */

	JsonNode *info;         /* the last query-autonuma */
	gboolean enabled;       /* ... says on */
	GArray *vcpus;          /* VcpuState */
	guint64 vcpu_moves;
	guint64 pages_moved;
	guint64 pages_stale;     /* dropped: no vCPU on their node any more */
	gint64 memory[POLICY_MAX_NODES];        /* guest RAM per node, bytes */
	gint64 memory_total;
	double fault_local;     /* share of faults local, last period */
};

struct Daemon {
	Config *config;
	char *config_path;
	Topology *topo;
	guint8 **node_cpus;     /* per node, a CPU bitmap */
	int *node_capacity;     /* vCPUs each node may take */
	GHashTable *vms;        /* name -> Vm */
	gboolean host_enabled;  /* autonumactl host on|off */
	gboolean kvm_autonuma;  /* kvm.autonuma as last read */
	int numa_balancing;
	guint tick_id;
	guint64 ticks;
	guint64 query_errors;
	GMainLoop *loop;
	/* libvirt */
	gpointer conn;
	guint reconnect_id;
	int events[2];
	/* control socket */
	GSocketService *control;
};

Vm *vm_new(Daemon *d, const char *name, const VmOps *ops);
Vm *vm_ref(Vm *vm);
void vm_unref(Vm *vm);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(Vm, vm_unref)

/* Main loop: add or drop a VM; the daemon holds one reference. */
void daemon_add_vm(Daemon *d, Vm *vm);
void daemon_remove_vm(Daemon *d, const char *name, const char *why);
Vm *daemon_find_vm(Daemon *d, const char *name);
void daemon_set_want(Daemon *d, Vm *vm, const AutonumaSettings *want,
		     const char *why);
void daemon_tick(Daemon *d);
/* The period's timer: a tick, then the metrics textfile. */
gboolean daemon_tick_cb(gpointer data);
gboolean daemon_start(Daemon *d, GError **error);
gboolean daemon_node_memory(int node, gint64 *free_bytes, gint64 *size);
void daemon_stop(Daemon *d);

/* backend-qmp.c */
Vm *qmp_vm_new(Daemon *d, const ConfigVm *cv);
void qmp_vms_sync(Daemon *d);

/* backend-libvirt.c */
void libvirt_start(Daemon *d);
void libvirt_stop(Daemon *d);

/* control.c */
gboolean control_start(Daemon *d, GError **error);
void control_stop(Daemon *d);
JsonNode *daemon_status(Daemon *d);

/* metrics.c */
char *metrics_text(Daemon *d);
