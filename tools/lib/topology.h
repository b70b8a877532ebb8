/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The host's NUMA topology as sysfs shows it. */
#pragma once

#include <glib.h>

typedef struct {
	int nr_nodes;           /* highest online node + 1 */
	int nr_cpus;            /* highest possible CPU + 1 */
	int *cpu_node;          /* CPU -> node, -1 when unknown */
} Topology;

/* Parse a cpulist ("0-3,8,10-11") into a bitmap over @nr_cpus CPUs. */
gboolean cpulist_parse(const char *list, int nr_cpus, guint8 *bits,
		       GError **error);

/* Format a bitmap as a cpulist. */
char *cpulist_format(const guint8 *bits, int nr_cpus);

/* Read the topology under @sysfs ("/sys" normally; tests pass a copy). */
Topology *topology_read(const char *sysfs, GError **error);
void topology_free(Topology *t);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(Topology, topology_free)
