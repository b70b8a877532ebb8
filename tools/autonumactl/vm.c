// SPDX-License-Identifier: GPL-2.0-or-later
/* autonumactl vm list|enable|disable|stats */
#include <libvirt/libvirt.h>
#include <libvirt/virterror.h>
#include <stdio.h>
#include <string.h>

#include "autonumactl.h"
#include "control-client.h"
#include "metadata.h"

G_DEFINE_AUTOPTR_CLEANUP_FUNC(virConnect, virConnectClose)
G_DEFINE_AUTOPTR_CLEANUP_FUNC(virDomain, virDomainFree)

/* The status reply as an object, or NULL with the error printed. */
static JsonNode *get_status(void)
{
	g_autoptr(GError) error = NULL;
	JsonNode *reply = ctl_call("status", &error);

	if (!reply) {
		ctl_error("%s", error->message);
		return NULL;
	}
	if (!JSON_NODE_HOLDS_OBJECT(reply)) {
		ctl_error("autonumad's status is not a JSON object");
		json_node_unref(reply);
		return NULL;
	}
	return reply;
}

/* vm list */

#define LIST_ROW "%-*s  %-7s  %-6s  %-7s  %-9s  %-8s  %6s  %s\n"

static int vm_list(void)
{
	g_autoptr(JsonNode) reply = get_status();
	JsonArray *vms;
	guint len;
	int width = 4;

	if (!reply)
		return EXIT_RUNTIME;
	vms = jget_array(json_node_get_object(reply), "vms");
	len = vms ? json_array_get_length(vms) : 0;
	if (ctl_opts.json) {
		g_autoptr(JsonNode) node = json_node_new(JSON_NODE_ARRAY);

		json_node_take_array(node, vms ? json_array_ref(vms) : json_array_new());
		ctl_print_json(node, TRUE);
		return EXIT_OK;
	}
	for (guint i = 0; i < len; i++)
		width = MAX(width, (int)strlen(jget_string(jarray_object(vms, i),
							   "name", "?")));
	printf(LIST_ROW, width, "NAME",
	       "KIND", "WANTED", "ENABLED", "PLACEMENT", "HOME", "LOCAL%", "STATE");
	for (guint i = 0; i < len; i++) {
		JsonObject *vm = jarray_object(vms, i);
		g_autofree char *home = fmt_int_list(jget_array(vm, "home-nodes"), ",");
		g_autofree char *local = fmt_double(vm, "local-percent", 1, "%.1f");

		printf(LIST_ROW, width,
		       jget_string(vm, "name", "?"), jget_string(vm, "kind", "-"),
		       fmt_onoff(jget_bool(vm, "wanted")),
		       fmt_onoff(jget_bool(vm, "enabled")),
		       fmt_onoff(jget_bool(vm, "placement")), home, local,
		       jget_string(vm, "state", "-"));
	}
	return EXIT_OK;
}

/* vm stats */

static void print_memory(JsonObject *vm)
{
	JsonArray *mem = jget_array(vm, "memory");
	guint len = mem ? json_array_get_length(mem) : 0;
	double total = 0;

	printf("  memory:       ");
	for (guint i = 0; i < len; i++) {
		JsonNode *n = json_array_get_element(mem, i);
		double b = JSON_NODE_HOLDS_VALUE(n) ? json_node_get_double(n) : 0;

		total += b;
		printf("%snode %u %.0f MiB", i ? ", " : "", i, b / (1 << 20));
	}
	if (len)
		printf(" (%.0f MiB)\n", total / (1 << 20));
	else
		printf("-\n");
}

static void print_vcpus(JsonArray *vcpus)
{
	guint len = vcpus ? json_array_get_length(vcpus) : 0;
	guint nodes = 0;

	for (guint i = 0; i < len; i++) {
		JsonArray *f = jget_array(jarray_object(vcpus, i), "faults-node");

		nodes = MAX(nodes, f ? json_array_get_length(f) : 0);
	}
	printf("\n%5s %8s %5s %5s %5s %7s %7s", "vCPU", "TID", "NODE", "RUN",
	       "PREF", "LOCAL%", "COMPL%");
	for (guint n = 0; n < nodes; n++) {
		g_autofree char *h = g_strdup_printf("FAULTS@%u", n);

		printf(" %10s", h);
	}
	printf("\n");
	for (guint i = 0; i < len; i++) {
		JsonObject *v = jarray_object(vcpus, i);
		JsonArray *f = jget_array(v, "faults-node");
		g_autofree char *index = fmt_node(v, "index");
		g_autofree char *tid = fmt_node(v, "tid");
		g_autofree char *node = fmt_node(v, "node");
		g_autofree char *running = fmt_node(v, "running-node");
		g_autofree char *pref = fmt_node(v, "preferred-node");
		g_autofree char *local = fmt_double(v, "local-ratio", 100, "%.1f");
		g_autofree char *compl = fmt_double(v, "compliance", 100, "%.1f");

		printf("%5s %8s %5s %5s %5s %7s %7s", index, tid, node, running,
		       pref, local, compl);
		for (guint n = 0; f && n < json_array_get_length(f); n++) {
			JsonNode *e = json_array_get_element(f, n);

			if (JSON_NODE_HOLDS_VALUE(e))
				printf(" %10" G_GINT64_FORMAT, json_node_get_int(e));
			else
				printf(" %10s", "-");
		}
		printf("\n");
	}
}

static int vm_stats(const char *name)
{
	g_autoptr(JsonNode) reply = get_status();
	JsonObject *vm;

	if (!reply)
		return EXIT_RUNTIME;
	vm = status_find_vm(json_node_get_object(reply), name);
	if (!vm) {
		ctl_error("autonumad has no VM called \"%s\" (see autonumactl vm list)",
			  name);
		return EXIT_RUNTIME;
	}
	if (ctl_opts.json) {
		g_autoptr(JsonNode) node = json_node_new(JSON_NODE_OBJECT);

		json_node_set_object(node, vm);
		ctl_print_json(node, TRUE);
		return EXIT_OK;
	}
	{
		g_autofree char *home = fmt_int_list(jget_array(vm, "home-nodes"), ",");
		g_autofree char *local = fmt_double(vm, "local-percent", 1, "%.1f%%");
		g_autofree char *lmib = fmt_mib(vm, "local-bytes", 1);
		g_autofree char *rmib = fmt_mib(vm, "remote-bytes", 1);
		g_autofree char *fl = fmt_double(vm, "fault-local-percent", 1, "%.1f%%");
		g_autofree char *moved_mib = fmt_mib(vm, "pages-moved", 4096);
		gint64 moved = jget_int(vm, "pages-moved", -1);
		gint64 vmoves = jget_int(vm, "vcpu-moves", -1);

		printf("%s (%s)\n", name, jget_string(vm, "kind", "-"));
		printf("  state:        %s\n", jget_string(vm, "state", "-"));
		printf("  enabled:      %s (wanted %s, placement %s)\n",
		       fmt_onoff(jget_bool(vm, "enabled")),
		       fmt_onoff(jget_bool(vm, "wanted")),
		       fmt_onoff(jget_bool(vm, "placement")));
		print_memory(vm);
		printf("  home nodes:   %s\n", home);
		printf("  local:        %s (%s MiB local, %s MiB remote)\n", local,
		       lmib, rmib);
		printf("  fault-local:  %s of last period's hinting faults\n", fl);
		if (moved >= 0)
			printf("  pages moved:  %" G_GINT64_FORMAT " (%s MiB)\n", moved,
			       moved_mib);
		else
			printf("  pages moved:  -\n");
		if (vmoves >= 0)
			printf("  vCPU moves:   %" G_GINT64_FORMAT "\n", vmoves);
		else
			printf("  vCPU moves:   -\n");
	}
	print_vcpus(jget_array(vm, "vcpus"));
	return EXIT_OK;
}

/* vm enable|disable */

static void libvirt_quiet(void *data, virErrorPtr err)
{
}

/* Switch the element in one of the domain's definitions (@flag). */
static gboolean set_element(virDomainPtr dom, const char *name,
			    unsigned int flag, gboolean enable)
{
	const char *what = flag == VIR_DOMAIN_AFFECT_LIVE ?
		"running domain" : "persistent configuration";
	AutonumaSettings s = { .enabled = TRUE, .placement = TRUE };
	g_autoptr(GError) error = NULL;
	g_autofree char *old = NULL;
	g_autofree char *xml = NULL;

	old = virDomainGetMetadata(dom, VIR_DOMAIN_METADATA_ELEMENT,
				   AUTONUMA_XML_NS, flag);
	if (!old && virGetLastErrorCode() != VIR_ERR_NO_DOMAIN_METADATA) {
		ctl_error("%s: cannot read the metadata of its %s: %s", name, what,
			  virGetLastErrorMessage());
		return FALSE;
	}
	if (old && !autonuma_settings_parse(old, &s, &error)) {
		ctl_error("%s: the autonuma element of its %s is invalid: %s "
			  "(fix it with virsh edit or virsh metadata)",
			  name, what, error->message);
		return FALSE;
	}
	s.enabled = enable;
	xml = autonuma_settings_format(&s);
	if (virDomainSetMetadata(dom, VIR_DOMAIN_METADATA_ELEMENT, xml,
				 AUTONUMA_XML_KEY, AUTONUMA_XML_NS, flag) < 0) {
		ctl_error("%s: cannot write the metadata of its %s: %s", name, what,
			  virGetLastErrorMessage());
		return FALSE;
	}
	return TRUE;
}

static void print_set(const char *name, const char *kind, gboolean enable,
		      int live, int config)
{
	g_autoptr(JsonBuilder) b = NULL;
	g_autoptr(JsonNode) root = NULL;

	if (!ctl_opts.json) {
		printf("%s: kvm-autonuma %s", name, enable ? "enabled" : "disabled");
		if (live >= 0)
			printf(" (%s%s%s)", live ? "running domain" : "",
			       live && config ? " and " : "",
			       config ? "persistent configuration" : "");
		printf("\n");
		return;
	}
	b = json_builder_new();
	json_builder_begin_object(b);
	json_builder_set_member_name(b, "name");
	json_builder_add_string_value(b, name);
	json_builder_set_member_name(b, "kind");
	json_builder_add_string_value(b, kind);
	json_builder_set_member_name(b, "enabled");
	json_builder_add_boolean_value(b, enable);
	if (live >= 0) {
		json_builder_set_member_name(b, "live");
		json_builder_add_boolean_value(b, live);
		json_builder_set_member_name(b, "config");
		json_builder_add_boolean_value(b, config);
	}
	json_builder_end_object(b);
	root = json_builder_get_root(b);
	ctl_print_json(root, TRUE);
}

enum { SET_DONE, SET_NOT_LIBVIRT, SET_FAILED };

/*
 * Through the domain's metadata, so that the choice travels with it and
 * autonumad hears of it from libvirt's metadata-change event.  Each
 * definition keeps its own placement and tunables.
 */
static int vm_set_libvirt(const char *name, gboolean enable, char **reason)
{
	const char *uri = ctl_opts.connect_uri ? ctl_opts.connect_uri :
						 DEFAULT_LIBVIRT_URI;
	g_autoptr(virConnect) conn = NULL;
	g_autoptr(virDomain) dom = NULL;
	g_autoptr(GError) error = NULL;
	g_autoptr(JsonNode) request = NULL;
	g_autoptr(JsonNode) status = NULL;
	int live, config;

	if (!*uri) {
		*reason = g_strdup("libvirt not used (--connect \"\")");
		return SET_NOT_LIBVIRT;
	}
	virSetErrorFunc(NULL, libvirt_quiet);
	conn = virConnectOpen(uri);
	if (!conn) {
		*reason = g_strdup_printf("libvirt at %s: %s", uri,
					  virGetLastErrorMessage());
		return SET_NOT_LIBVIRT;
	}
	dom = virDomainLookupByName(conn, name);
	if (!dom) {
		if (virGetLastErrorCode() == VIR_ERR_NO_DOMAIN)
			*reason = g_strdup_printf("no libvirt domain of that name at %s",
						  uri);
		else
			*reason = g_strdup_printf("libvirt at %s: %s", uri,
						  virGetLastErrorMessage());
		return SET_NOT_LIBVIRT;
	}
	live = virDomainIsActive(dom);
	config = virDomainIsPersistent(dom);
	if (live < 0 || config < 0) {
		ctl_error("%s: %s", name, virGetLastErrorMessage());
		return SET_FAILED;
	}
	if (live && !set_element(dom, name, VIR_DOMAIN_AFFECT_LIVE, enable))
		return SET_FAILED;
	if (config && !set_element(dom, name, VIR_DOMAIN_AFFECT_CONFIG, enable))
		return SET_FAILED;
	print_set(name, "libvirt", enable, live, config);

	if (!live)
		return SET_DONE;
	request = json_from_string("{\"command\": \"status\"}", NULL);
	status = control_call(ctl_socket_path(), request, 1000, &error);
	if (!status && g_error_matches(error, CONTROL_ERROR,
				       CONTROL_ERROR_NOT_RUNNING))
		ctl_warning("%s: nothing acts on it until autonumad starts",
			    error->message);
	return SET_DONE;
}

/* A plain QEMU instance from autonumad's configuration. */
static int vm_set_daemon(const char *name, gboolean enable,
			 const char *libvirt_reason)
{
	g_autoptr(JsonBuilder) b = json_builder_new();
	g_autoptr(JsonNode) request = NULL;
	g_autoptr(JsonNode) reply = NULL;
	g_autoptr(GError) error = NULL;

	json_builder_begin_object(b);
	json_builder_set_member_name(b, "command");
	json_builder_add_string_value(b, "vm-set");
	json_builder_set_member_name(b, "name");
	json_builder_add_string_value(b, name);
	json_builder_set_member_name(b, "enabled");
	json_builder_add_boolean_value(b, enable);
	json_builder_end_object(b);
	request = json_builder_get_root(b);
	reply = ctl_call_request(request, &error);
	if (!reply) {
		if (g_error_matches(error, CONTROL_ERROR, CONTROL_ERROR_NOT_RUNNING))
			ctl_error("%s: %s, and %s", name, libvirt_reason,
				  error->message);
		else
			ctl_error("%s: %s; autonumad: %s", name, libvirt_reason,
				  error->message);
		return EXIT_RUNTIME;
	}
	print_set(name, "qmp", enable, -1, -1);
	return EXIT_OK;
}

static int vm_set(const char *name, gboolean enable)
{
	g_autofree char *reason = NULL;

	switch (vm_set_libvirt(name, enable, &reason)) {
	case SET_DONE:
		return EXIT_OK;
	case SET_FAILED:
		return EXIT_RUNTIME;
	default:
		return vm_set_daemon(name, enable, reason);
	}
}

int cmd_vm(int argc, char **argv)
{
	const char *sub;

	if (!ctl_parse_options(&argc, &argv, "vm list|enable|disable|stats [DOMAIN]",
			       NULL))
		return EXIT_USAGE;
	if (argc < 2)
		return ctl_usage("vm: list, enable, disable or stats?");
	sub = argv[1];
	if (!strcmp(sub, "list")) {
		if (argc != 2)
			return ctl_usage("vm list: too many arguments");
		return vm_list();
	}
	if (strcmp(sub, "enable") && strcmp(sub, "disable") && strcmp(sub, "stats"))
		return ctl_usage("vm: unknown subcommand \"%s\"", sub);
	if (argc != 3)
		return ctl_usage(argc < 3 ? "vm %s: which DOMAIN?" :
				 "vm %s: too many arguments", sub);
	if (!strcmp(sub, "stats"))
		return vm_stats(argv[2]);
	return vm_set(argv[2], !strcmp(sub, "enable"));
}
