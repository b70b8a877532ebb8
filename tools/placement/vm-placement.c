// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * vm-placement: where a QEMU guest's memory and vCPU threads are on the
 * host's NUMA nodes.  Memory from /proc/PID/numa_maps (anonymous mappings
 * of at least --min-size, i.e. guest RAM), vCPUs from their threads'
 * affinity and the CPU each last ran on.
 */
#include <glib.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>

#include "numa-maps.h"
#include "threads.h"
#include "topology.h"

static int opt_pid;
static int opt_min_mib = 64;
static gboolean opt_json;

static const GOptionEntry entries[] = {
	{ "pid", 'p', 0, G_OPTION_ARG_INT, &opt_pid, "QEMU process", "PID" },
	{ "min-size", 0, 0, G_OPTION_ARG_INT, &opt_min_mib,
	  "count anonymous mappings of at least this size as guest RAM (default 64)",
	  "MIB" },
	{ "json", 0, 0, G_OPTION_ARG_NONE, &opt_json, "print JSON", NULL },
	{ NULL }
};

/* The node all of @affinity lies in, or -1 when it spans nodes. */
static int affinity_node(const Topology *t, const guint8 *affinity)
{
	int node = -2;

	for (int c = 0; c < t->nr_cpus; c++) {
		if (!affinity[c])
			continue;
		if (node == -2)
			node = t->cpu_node[c];
		else if (node != t->cpu_node[c])
			return -1;
	}
	return node < 0 ? -1 : node;
}

static int cpu_node(const Topology *t, int cpu)
{
	return cpu >= 0 && cpu < t->nr_cpus ? t->cpu_node[cpu] : -1;
}

static void print_text(const Topology *t, const uint64_t *bytes, GPtrArray *vcpus)
{
	uint64_t total = 0;

	for (int n = 0; n < t->nr_nodes; n++)
		total += bytes[n];
	printf("guest RAM of pid %d: %" PRIu64 " MiB resident\n", opt_pid,
	       total >> 20);
	for (int n = 0; n < t->nr_nodes; n++)
		printf("  node %d: %8" PRIu64 " MiB  %5.1f%%\n", n, bytes[n] >> 20,
		       total ? 100.0 * bytes[n] / total : 0.0);
	printf("vCPU threads:\n");
	for (guint i = 0; i < vcpus->len; i++) {
		VcpuThread *v = g_ptr_array_index(vcpus, i);
		g_autofree char *aff = cpulist_format(v->affinity, t->nr_cpus);
		int an = affinity_node(t, v->affinity);

		printf("  vCPU %d  tid %d  affinity %s (%s%d)  last ran on CPU %d (node %d)\n",
		       v->index, v->tid, aff, an < 0 ? "nodes: any " : "node ",
		       an, v->last_cpu, cpu_node(t, v->last_cpu));
	}
}

static void print_json(const Topology *t, const uint64_t *bytes, GPtrArray *vcpus)
{
	printf("{\"pid\": %d, \"ram-bytes-per-node\": [", opt_pid);
	for (int n = 0; n < t->nr_nodes; n++)
		printf("%s%" PRIu64, n ? ", " : "", bytes[n]);
	printf("], \"vcpus\": [");
	for (guint i = 0; i < vcpus->len; i++) {
		VcpuThread *v = g_ptr_array_index(vcpus, i);
		g_autofree char *aff = cpulist_format(v->affinity, t->nr_cpus);

		printf("%s{\"index\": %d, \"tid\": %d, \"affinity\": \"%s\", "
		       "\"affinity-node\": %d, \"last-cpu\": %d, \"last-node\": %d}",
		       i ? ", " : "", v->index, v->tid, aff,
		       affinity_node(t, v->affinity), v->last_cpu,
		       cpu_node(t, v->last_cpu));
	}
	printf("]}\n");
}

int main(int argc, char **argv)
{
	g_autoptr(GOptionContext) ctx = g_option_context_new("- show a guest's NUMA placement");
	g_autoptr(GError) error = NULL;
	g_autoptr(Topology) topo = NULL;
	g_autoptr(GArray) maps = NULL;
	g_autoptr(GPtrArray) vcpus = NULL;
	uint64_t bytes[NUMA_MAPS_MAX_NODES];

	g_option_context_add_main_entries(ctx, entries, NULL);
	if (!g_option_context_parse(ctx, &argc, &argv, &error)) {
		g_printerr("vm-placement: %s\n", error->message);
		return 2;
	}
	if (opt_pid <= 0 || opt_min_mib < 0) {
		g_printerr("vm-placement: --pid PID is required (and --min-size >= 0)\n");
		return 2;
	}
	topo = topology_read("/sys", &error);
	if (topo)
		maps = numa_maps_read(opt_pid, &error);
	if (maps)
		vcpus = vcpu_threads_read(opt_pid, topo->nr_cpus, &error);
	if (!vcpus) {
		g_printerr("vm-placement: %s\n", error->message);
		return 1;
	}
	numa_maps_sum(maps, (uint64_t)opt_min_mib << 20, bytes);
	if (opt_json)
		print_json(topo, bytes, vcpus);
	else
		print_text(topo, bytes, vcpus);
	return 0;
}
