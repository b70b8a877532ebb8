// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Plain QEMU instances, named in the configuration by their QMP socket.
 * vCPU threads are pinned with sched_setaffinity(2): autonumad runs as
 * root, and there is no management layer whose view could go stale.
 */
#include <errno.h>
#include <sched.h>
#include <string.h>

#include "daemon.h"
#include "qmp.h"

static JsonNode *qmp_vm_call(Vm *vm, const char *command, JsonObject *args,
			     GError **error)
{
	g_autoptr(QmpConn) c = qmp_open(vm->qmp_path,
					vm->d->config->qmp_timeout_ms, error);

	return c ? qmp_call(c, command, args, error) : NULL;
}

static gboolean qmp_vm_pin(Vm *vm, const VcpuPin *pin, const guint8 *cpus,
			   int nr_cpus, GError **error)
{
	cpu_set_t set;

	CPU_ZERO(&set);
	for (int c = 0; c < nr_cpus && c < CPU_SETSIZE; c++)
		if (cpus[c])
			CPU_SET(c, &set);
	if (sched_setaffinity(pin->tid, sizeof(set), &set)) {
		int e = errno;

		g_set_error(error, G_IO_ERROR, g_io_error_from_errno(e),
			    "vCPU %d (thread %d) to node %d: %s", pin->vcpu,
			    pin->tid, pin->node, g_strerror(e));
		return FALSE;
	}
	return TRUE;
}

static const VmOps qmp_ops = {
	.kind = "qmp",
	.call = qmp_vm_call,
	.pin = qmp_vm_pin,
};

Vm *qmp_vm_new(Daemon *d, const ConfigVm *cv)
{
	Vm *vm = vm_new(d, cv->name, &qmp_ops);

	vm->qmp_path = g_strdup(cv->qmp);
	return vm;
}

/* Bring the registry's plain QEMU instances in line with the config. */
void qmp_vms_sync(Daemon *d)
{
	g_autoptr(GPtrArray) gone = g_ptr_array_new_with_free_func(g_free);
	GHashTableIter it;
	Vm *vm;

	g_hash_table_iter_init(&it, d->vms);
	while (g_hash_table_iter_next(&it, NULL, (gpointer *)&vm)) {
		gboolean listed = FALSE;

		if (vm->ops != &qmp_ops)
			continue;
		for (guint i = 0; i < d->config->vms->len; i++) {
			ConfigVm *cv = d->config->vms->pdata[i];

			listed |= !strcmp(cv->name, vm->name) &&
				  !strcmp(cv->qmp, vm->qmp_path);
		}
		if (!listed)
			g_ptr_array_add(gone, g_strdup(vm->name));
	}
	for (guint i = 0; i < gone->len; i++)
		daemon_remove_vm(d, gone->pdata[i], "no longer in the configuration");

	for (guint i = 0; i < d->config->vms->len; i++) {
		ConfigVm *cv = d->config->vms->pdata[i];

		vm = daemon_find_vm(d, cv->name);
		if (vm && vm->ops != &qmp_ops) {
			g_warning("%s: the configuration's [vm %s] has the name of a libvirt domain; ignored",
				  cv->name, cv->name);
			continue;
		}
		if (!vm) {
			vm = qmp_vm_new(d, cv);
			daemon_add_vm(d, vm);
			g_message("%s: QEMU at %s, from the configuration",
				  vm->name, vm->qmp_path);
		}
		if (!vm->override)
			daemon_set_want(d, vm, &cv->settings, "configuration");
	}
}
