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
	JsonObject *info = vm->info ? json_node_get_object(vm->info) : NULL;
	JsonArray *ma = info ? json_object_get_array_member(info, "memory") : NULL;

	for (guint i = 0; ma && i < json_array_get_length(ma); i++) {
		JsonObject *m = json_array_get_object_element(ma, i);

		g_string_append_printf(t, "autonuma_vm_memory_bytes{vm=\"%s\",node=\"%"
				       G_GINT64_FORMAT "\"} %" G_GINT64_FORMAT "\n", l,
				       json_object_get_int_member(m, "node"),
				       json_object_get_int_member(m, "bytes"));
	}
}

static void m_moved(GString *t, const char *l, Vm *vm, int nr)
{
	g_string_append_printf(t, "autonuma_vm_pages_migrated_total{vm=\"%s\"} %"
			       G_GUINT64_FORMAT "\n", l, vm->pages_moved);
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

#define EACH_VCPU(t, vm, v) \
	for (guint _i = 0; _i < (vm)->vcpus->len && \
	     ((v) = &g_array_index((vm)->vcpus, VcpuState, _i)); _i++)

static void m_vnode(GString *t, const char *l, Vm *vm, int nr)
{
	VcpuState *v;

	EACH_VCPU(t, vm, v)
		g_string_append_printf(t, "autonuma_vcpu_node{vm=\"%s\",vcpu=\"%d\"} %d\n",
				       l, v->index, v->placed);
}

static void m_vpref(GString *t, const char *l, Vm *vm, int nr)
{
	VcpuState *v;

	EACH_VCPU(t, vm, v)
		g_string_append_printf(t, "autonuma_vcpu_preferred_node{vm=\"%s\",vcpu=\"%d\"} %d\n",
				       l, v->index, v->preferred);
}

static void m_vlocal(GString *t, const char *l, Vm *vm, int nr)
{
	VcpuState *v;

	EACH_VCPU(t, vm, v)
		g_string_append_printf(t, "autonuma_vcpu_local_ratio{vm=\"%s\",vcpu=\"%d\"} %.4f\n",
				       l, v->index, v->local_ratio);
}

static void m_vcompl(GString *t, const char *l, Vm *vm, int nr)
{
	VcpuState *v;

	EACH_VCPU(t, vm, v)
		g_string_append_printf(t, "autonuma_vcpu_compliance_ratio{vm=\"%s\",vcpu=\"%d\"} %.4f\n",
				       l, v->index,
				       v->run_all > 0 ? v->run_on_pref / v->run_all : 0);
}

static void m_vfaults(GString *t, const char *l, Vm *vm, int nr)
{
	VcpuState *v;

	EACH_VCPU(t, vm, v)
		for (int n = 0; n < nr; n++)
			g_string_append_printf(t, "autonuma_vcpu_faults_total{vm=\"%s\",vcpu=\"%d\",node=\"%d\"} %"
					       G_GUINT64_FORMAT "\n", l, v->index, n,
					       v->faults[n]);
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
	each_vm(d, t, "autonuma_vm_vcpu_moves_total", "counter",
		"vCPU re-pinnings by autonumad", m_vmoves);
	each_vm(d, t, "autonuma_vm_fault_local_ratio", "gauge",
		"share of the last period's hinting faults that were local", m_flocal);
	each_vm(d, t, "autonuma_vcpu_node", "gauge",
		"node the vCPU is pinned to, -1 when autonumad has not pinned it", m_vnode);
	each_vm(d, t, "autonuma_vcpu_preferred_node", "gauge",
		"node its recent hinting faults go to, -1 when unknown", m_vpref);
	each_vm(d, t, "autonuma_vcpu_local_ratio", "gauge",
		"share of its last period's hinting faults that were local", m_vlocal);
	each_vm(d, t, "autonuma_vcpu_compliance_ratio", "gauge",
		"share of its recent run time spent on its preferred node", m_vcompl);
	each_vm(d, t, "autonuma_vcpu_faults_total", "counter",
		"hinting faults on memory of each node", m_vfaults);
	return g_string_free(t, FALSE);
}
