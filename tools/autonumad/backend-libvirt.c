// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * libvirt domains that carry <autonuma:autonuma/> in their metadata.
 * Events (lifecycle, metadata change) run in our main loop through
 * libvirt-glib; QMP goes through libvirt's monitor passthrough, and vCPUs
 * are pinned with virDomainPinVcpuFlags() so that libvirt's own view of
 * the domain (vcpupin, its live XML) stays true.
 */
#include <libvirt/libvirt.h>
#include <libvirt/libvirt-qemu.h>
#include <libvirt/virterror.h>
#include <libvirt-glib/libvirt-glib.h>
#include <string.h>

#include "daemon.h"
#include "qmp.h"

#define RECONNECT_S 2

static void libvirt_error(GError **error, const char *what)
{
	const char *msg = virGetLastErrorMessage();

	g_set_error(error, G_IO_ERROR, G_IO_ERROR_FAILED, "%s: %s", what,
		    msg ? msg : "unknown libvirt error");
}

static JsonNode *lv_call(Vm *vm, const char *command, JsonObject *args,
			 GError **error)
{
	g_autofree char *cmd = qmp_command_format(command, args);
	g_autofree char *reply = NULL;
	g_autoptr(GError) err = NULL;
	JsonNode *ret = NULL;

	if (virDomainQemuMonitorCommand(vm->backend, cmd, &reply, 0) < 0) {
		libvirt_error(error, command);
		return NULL;
	}
	if (!qmp_reply_parse(reply, &ret, &err) && !err) {
		g_set_error(error, G_IO_ERROR, G_IO_ERROR_FAILED,
			    "%s: no reply from QEMU", command);
		return NULL;
	}
	if (err) {
		g_set_error(error, G_IO_ERROR, G_IO_ERROR_FAILED, "%s: %s",
			    command, err->message);
		return NULL;
	}
	return ret;
}

static gboolean lv_pin(Vm *vm, const VcpuPin *pin, const guint8 *cpus,
		       int nr_cpus, GError **error)
{
	int len = VIR_CPU_MAPLEN(nr_cpus);
	g_autofree unsigned char *map = g_new0(unsigned char, len);

	for (int c = 0; c < nr_cpus; c++)
		if (cpus[c])
			VIR_USE_CPU(map, c);
	if (virDomainPinVcpuFlags(vm->backend, pin->vcpu, map, len,
				  VIR_DOMAIN_AFFECT_LIVE) < 0) {
		g_autofree char *what = g_strdup_printf("vCPU %d to node %d",
							pin->vcpu, pin->node);

		libvirt_error(error, what);
		return FALSE;
	}
	return TRUE;
}

static void lv_free(Vm *vm)
{
	if (vm->backend)
		virDomainFree(vm->backend);
}

static const VmOps libvirt_ops = {
	.kind = "libvirt",
	.call = lv_call,
	.pin = lv_pin,
	.free = lv_free,
};

/* Read the domain's element again and act on what it says now. */
static void refresh(Daemon *d, virDomainPtr dom, gboolean started)
{
	const char *name = virDomainGetName(dom);
	Vm *vm = daemon_find_vm(d, name);
	g_autofree char *xml = NULL;
	g_autoptr(GError) error = NULL;
	AutonumaSettings s;
	char *md;

	if (vm && vm->ops != &libvirt_ops) {
		g_warning("%s: a libvirt domain with the name of a [vm] in the configuration; the libvirt domain is ignored",
			  name);
		return;
	}
	if (virDomainIsActive(dom) != 1) {
		daemon_remove_vm(d, name, "not running");
		return;
	}
	md = virDomainGetMetadata(dom, VIR_DOMAIN_METADATA_ELEMENT,
				  AUTONUMA_XML_NS, VIR_DOMAIN_AFFECT_LIVE);
	xml = g_strdup(md);
	free(md);
	if (!xml) {
		if (vm && vm->managed && vm->want.enabled) {
			s = vm->want;
			s.enabled = FALSE;
			daemon_set_want(d, vm, &s, "the metadata element was removed");
		}
		return;
	}
	if (!autonuma_settings_parse(xml, &s, &error)) {
		g_warning("%s: %s; kvm-autonuma left as it is", name,
			  error->message);
		return;
	}
	if (!vm) {
		vm = vm_new(d, name, &libvirt_ops);
		vm->backend = dom;
		virDomainRef(dom);
		daemon_add_vm(d, vm);
		g_message("%s: libvirt domain%s", name,
			  started ? ", just started" : "");
	}
	daemon_set_want(d, vm, &s, "metadata");
}

static int lifecycle_cb(virConnectPtr conn, virDomainPtr dom, int event,
			int detail, void *opaque)
{
	Daemon *d = opaque;

	switch (event) {
	case VIR_DOMAIN_EVENT_STOPPED:
	case VIR_DOMAIN_EVENT_CRASHED:
		daemon_remove_vm(d, virDomainGetName(dom),
				 event == VIR_DOMAIN_EVENT_CRASHED ? "crashed" :
				 detail == VIR_DOMAIN_EVENT_STOPPED_MIGRATED ?
				 "migrated away" : "stopped");
		break;
	case VIR_DOMAIN_EVENT_STARTED:
	case VIR_DOMAIN_EVENT_RESUMED:
		/* Also an incoming migration: a new QEMU, set up afresh. */
		refresh(d, dom, event == VIR_DOMAIN_EVENT_STARTED);
		break;
	default:
		break;
	}
	return 0;
}

static void metadata_cb(virConnectPtr conn, virDomainPtr dom, int type,
			const char *nsuri, void *opaque)
{
	if (type == VIR_DOMAIN_METADATA_ELEMENT &&
	    (!nsuri || !strcmp(nsuri, AUTONUMA_XML_NS)))
		refresh(opaque, dom, FALSE);
}

static gboolean reconnect_cb(gpointer data);

static void forget_domains(Daemon *d)
{
	g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func(g_free);
	GHashTableIter it;
	Vm *vm;

	g_hash_table_iter_init(&it, d->vms);
	while (g_hash_table_iter_next(&it, NULL, (gpointer *)&vm))
		if (vm->ops == &libvirt_ops)
			g_ptr_array_add(names, g_strdup(vm->name));
	for (guint i = 0; i < names->len; i++)
		daemon_remove_vm(d, names->pdata[i], "libvirt connection closed");
}

static void disconnect(Daemon *d)
{
	virConnectPtr conn = d->conn;

	if (!conn)
		return;
	for (int i = 0; i < 2; i++)
		if (d->events[i] >= 0)
			virConnectDomainEventDeregisterAny(conn, d->events[i]);
	d->events[0] = d->events[1] = -1;
	forget_domains(d);
	virConnectClose(conn);
	d->conn = NULL;
}

static void close_cb(virConnectPtr conn, int reason, void *opaque)
{
	Daemon *d = opaque;

	g_warning("libvirt: connection to %s lost (reason %d); reconnecting every %d s",
		  d->config->libvirt_uri, reason, RECONNECT_S);
	/* Not from inside libvirt's callback: the connection is still in use. */
	if (!d->reconnect_id)
		d->reconnect_id = g_timeout_add_seconds(RECONNECT_S,
							reconnect_cb, d);
}

static gboolean connect_libvirt(Daemon *d)
{
	virDomainPtr *doms = NULL;
	virConnectPtr conn;
	int n;

	conn = virConnectOpen(d->config->libvirt_uri);
	if (!conn)
		return FALSE;
	d->conn = conn;
	virConnectRegisterCloseCallback(conn, close_cb, d, NULL);
	d->events[0] = virConnectDomainEventRegisterAny(conn, NULL,
		VIR_DOMAIN_EVENT_ID_LIFECYCLE,
		VIR_DOMAIN_EVENT_CALLBACK(lifecycle_cb), d, NULL);
	d->events[1] = virConnectDomainEventRegisterAny(conn, NULL,
		VIR_DOMAIN_EVENT_ID_METADATA_CHANGE,
		VIR_DOMAIN_EVENT_CALLBACK(metadata_cb), d, NULL);
	n = virConnectListAllDomains(conn, &doms,
				     VIR_CONNECT_LIST_DOMAINS_ACTIVE);
	g_message("libvirt: connected to %s, %d running domains",
		  d->config->libvirt_uri, MAX(n, 0));
	for (int i = 0; i < n; i++) {
		refresh(d, doms[i], FALSE);
		virDomainFree(doms[i]);
	}
	free(doms);
	return TRUE;
}

static gboolean reconnect_cb(gpointer data)
{
	Daemon *d = data;

	if (d->conn && virConnectIsAlive(d->conn) == 1) {
		d->reconnect_id = 0;
		return G_SOURCE_REMOVE;
	}
	disconnect(d);
	if (!connect_libvirt(d))
		return G_SOURCE_CONTINUE;       /* logged by libvirt_error_cb */
	d->reconnect_id = 0;
	return G_SOURCE_REMOVE;
}

/* libvirt reports every error on stderr by default; say it once, ours. */
static void libvirt_error_cb(void *data, virErrorPtr err)
{
	static char *last;

	if (err && err->message && g_strcmp0(last, err->message)) {
		g_free(last);
		last = g_strdup(err->message);
		g_debug("libvirt: %s", err->message);
	}
}

void libvirt_start(Daemon *d)
{
	static gboolean registered;

	if (!registered) {
		gvir_event_register();
		virSetErrorFunc(NULL, libvirt_error_cb);
		registered = TRUE;
	}
	d->events[0] = d->events[1] = -1;
	if (!connect_libvirt(d)) {
		g_warning("libvirt: cannot connect to %s (%s); retrying every %d s",
			  d->config->libvirt_uri, virGetLastErrorMessage(),
			  RECONNECT_S);
		d->reconnect_id = g_timeout_add_seconds(RECONNECT_S,
							reconnect_cb, d);
	}
}

void libvirt_stop(Daemon *d)
{
	g_clear_handle_id(&d->reconnect_id, g_source_remove);
	disconnect(d);
}
