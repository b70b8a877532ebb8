// SPDX-License-Identifier: GPL-2.0-or-later
/* Prometheus text exposition format, version 0.0.4. */
#include <string.h>

#include "daemon.h"

/* Label values escape backslash, double quote and newline. */
static char *label(const char *s)
{
	GString *out = g_string_new(NULL);

	for (; *s; s++) {
		if (*s == '\\' || *s == '"')
			g_string_append_c(out, '\\');
		if (*s == '\n')
			g_string_append(out, "\\n");
		else
			g_string_append_c(out, *s);
	}
	return g_string_free(out, FALSE);
}

static void head(GString *t, const char *name, const char *type,
		 const char *help)
{
	g_string_append_printf(t, "# HELP %s %s\n# TYPE %s %s\n", name, help,
			       name, type);
}

typedef void (*VmValue)(GString *t, const char *vm, Vm *v, int nr_nodes);

static void each_vm(Daemon *d, GString *t, const char *name, const char *type,
		    const char *help, VmValue fn)
{
	GHashTableIter it;
	Vm *vm;

	head(t, name, type, help);
	g_hash_table_iter_init(&it, d->vms);
	while (g_hash_table_iter_next(&it, NULL, (gpointer *)&vm)) {
		g_autofree char *l = label(vm->name);

		fn(t, l, vm, MIN(d->topo->nr_nodes, POLICY_MAX_NODES));
	}
}

static void m_enabled(GString *t, const char *l, Vm *vm, int nr)
{
	g_string_append_printf(t, "autonuma_vm_enabled{vm=\"%s\",kind=\"%s\"} %d\n",
			       l, vm->ops->kind, vm->enabled);
}

static void m_up(GString *t, const char *l, Vm *vm, int nr)
{
	g_string_append_printf(t, "autonuma_vm_up{vm=\"%s\"} %d\n", l,
			       !strcmp(vm->state, "ok"));
}

static void m_memory(GString *t, const char *l, Vm *vm, int nr)
{
	for (int n = 0; vm->info && n < nr; n++)
		g_string_append_printf(t, "autonuma_vm_memory_bytes{vm=\"%s\",node=\"%d\"} %"
				       G_GINT64_FORMAT "\n", l, n, vm->memory[n]);
}

static void m_moved(GString *t, const char *l, Vm *vm, int nr)
{
	g_string_append_printf(t, "autonuma_vm_pages_migrated_total{vm=\"%s\"} %"
			       G_GUINT64_FORMAT "\n", l, vm->pages_moved);
}

static void m_stale(GString *t, const char *l, Vm *vm, int nr)
{
	g_string_append_printf(t, "autonuma_vm_pages_stale_total{vm=\"%s\"} %"
			       G_GUINT64_FORMAT "\n", l, vm->pages_stale);
}

static void m_vmoves(GString *t, const char *l, Vm *vm, int nr)
{
	g_string_append_printf(t, "autonuma_vm_vcpu_moves_total{vm=\"%s\"} %"
			       G_GUINT64_FORMAT "\n", l, vm->vcpu_moves);
}

static void m_flocal(GString *t, const char *l, Vm *vm, int nr)
{
	g_string_append_printf(t, "autonuma_vm_fault_local_ratio{vm=\"%s\"} %.4f\n",
			       l, vm->fault_local);
}

/* Per-vCPU gauges: one accessor each, one writer for all. */
typedef double (*VcpuValue)(const VcpuState *v);

static double v_node(const VcpuState *v)
{
	return v->placed;
}

static double v_pref(const VcpuState *v)
{
	return v->preferred;
}

static double v_local(const VcpuState *v)
{
	return v->local_ratio;
}

static double v_compl(const VcpuState *v)
{
	return v->run_all > 0 ? v->run_on_pref / v->run_all : 0;
}

static const struct {
	const char *name, *help;
	VcpuValue fn;
} vcpu_gauges[] = {
	{ "autonuma_vcpu_node",
	  "node the vCPU is pinned to, -1 when not pinned to one node", v_node },
	{ "autonuma_vcpu_preferred_node",
	  "node its recent hinting faults go to, -1 when unknown", v_pref },
	{ "autonuma_vcpu_local_ratio",
	  "share of its last period's hinting faults that were local", v_local },
	{ "autonuma_vcpu_compliance_ratio",
	  "share of its recent run time spent on its preferred node", v_compl },
};

static void vcpu_gauge(Daemon *d, GString *t, guint g)
{
	GHashTableIter it;
	Vm *vm;

	head(t, vcpu_gauges[g].name, "gauge", vcpu_gauges[g].help);
	g_hash_table_iter_init(&it, d->vms);
	while (g_hash_table_iter_next(&it, NULL, (gpointer *)&vm)) {
		g_autofree char *l = label(vm->name);

		for (guint i = 0; i < vm->vcpus->len; i++) {
			VcpuState *v = &g_array_index(vm->vcpus, VcpuState, i);

			g_string_append_printf(t, "%s{vm=\"%s\",vcpu=\"%d\"} %g\n",
					       vcpu_gauges[g].name, l, v->index,
					       vcpu_gauges[g].fn(v));
		}
	}
}

static void m_vfaults(GString *t, const char *l, Vm *vm, int nr)
{
	for (guint i = 0; i < vm->vcpus->len; i++) {
		VcpuState *v = &g_array_index(vm->vcpus, VcpuState, i);

		for (int n = 0; n < nr; n++)
			g_string_append_printf(t, "autonuma_vcpu_faults_total{vm=\"%s\",vcpu=\"%d\",node=\"%d\"} %"
					       G_GUINT64_FORMAT "\n", l, v->index, n,
					       v->faults[n]);
	}
}

char *metrics_text(Daemon *d)
{
	GString *t = g_string_new(NULL);

	head(t, "autonumad_host_enabled", "gauge",
	     "autonumad's host-wide switch (autonumactl host on|off)");
	g_string_append_printf(t, "autonumad_host_enabled %d\n", d->host_enabled);
	head(t, "autonumad_kvm_autonuma", "gauge", "kvm.autonuma module parameter");
	g_string_append_printf(t, "autonumad_kvm_autonuma %d\n", d->kvm_autonuma);
	head(t, "autonumad_numa_balancing", "gauge", "kernel.numa_balancing");
	g_string_append_printf(t, "autonumad_numa_balancing %d\n", d->numa_balancing);
	head(t, "autonumad_vms", "gauge", "VMs autonumad knows");
	g_string_append_printf(t, "autonumad_vms %u\n", g_hash_table_size(d->vms));
	head(t, "autonumad_query_errors_total", "counter",
	     "VM jobs that failed (QMP or libvirt errors, timeouts)");
	g_string_append_printf(t, "autonumad_query_errors_total %" G_GUINT64_FORMAT "\n",
			       d->query_errors);

	each_vm(d, t, "autonuma_vm_enabled", "gauge",
		"kvm-autonuma is on in the VM's QEMU", m_enabled);
	each_vm(d, t, "autonuma_vm_up", "gauge",
		"the VM's last job succeeded", m_up);
	each_vm(d, t, "autonuma_vm_memory_bytes", "gauge",
		"guest RAM per host node", m_memory);
	each_vm(d, t, "autonuma_vm_pages_migrated_total", "counter",
		"4 KiB pages QEMU's migration threads moved", m_moved);
	each_vm(d, t, "autonuma_vm_pages_stale_total", "counter",
		"4 KiB pages not moved: no vCPU may run on their destination any more",
		m_stale);
	each_vm(d, t, "autonuma_vm_vcpu_moves_total", "counter",
		"vCPU re-pinnings by autonumad", m_vmoves);
	each_vm(d, t, "autonuma_vm_fault_local_ratio", "gauge",
		"share of the last period's hinting faults that were local", m_flocal);
	for (guint g = 0; g < G_N_ELEMENTS(vcpu_gauges); g++)
		vcpu_gauge(d, t, g);
	each_vm(d, t, "autonuma_vcpu_faults_total", "counter",
		"hinting faults on memory of each node", m_vfaults);
	return g_string_free(t, FALSE);
}
