/* SPDX-License-Identifier: GPL-2.0-or-later */
/* QEMU's vCPU threads ("CPU n/KVM", with -name debug-threads=on). */
#pragma once

#include <glib.h>

typedef struct {
	int index;              /* vCPU index from the thread name */
	int tid;
	int last_cpu;           /* CPU it last ran on (stat field 39) */
	guint8 *affinity;       /* allowed CPUs, nr_cpus entries */
} VcpuThread;

/* Field 39 ("processor") of a /proc/.../stat line; -1 if unreadable. */
int stat_last_cpu(const char *stat);

/* The vCPU threads of @pid, sorted by index. */
GPtrArray *vcpu_threads_read(int pid, int nr_cpus, GError **error);
