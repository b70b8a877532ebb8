// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The control socket (tools/doc/control-protocol.md): one JSON request
 * line in, one JSON reply line out.  Reads are asynchronous so that a
 * client that connects and says nothing cannot stall the main loop.
 */
#include <errno.h>
#include <gio/gunixsocketaddress.h>
#include <glib/gstdio.h>
#include <string.h>
#include <sys/stat.h>

#include "daemon.h"
#include "qmp.h"

#define VERSION "0.3"

typedef struct {
	Daemon *d;
	GSocketConnection *conn;
	GDataInputStream *in;
} Client;

static void add_nodes(JsonBuilder *b, int nr, const gint64 *v)
{
	json_builder_begin_array(b);
	for (int n = 0; n < nr; n++)
		json_builder_add_int_value(b, v[n]);
	json_builder_end_array(b);
}

#define MEMBER_INT(b, k, v) do { json_builder_set_member_name(b, k); \
	json_builder_add_int_value(b, v); } while (0)
#define MEMBER_DOUBLE(b, k, v) do { json_builder_set_member_name(b, k); \
	json_builder_add_double_value(b, v); } while (0)
#define MEMBER_BOOL(b, k, v) do { json_builder_set_member_name(b, k); \
	json_builder_add_boolean_value(b, v); } while (0)
#define MEMBER_STRING(b, k, v) do { json_builder_set_member_name(b, k); \
	json_builder_add_string_value(b, v); } while (0)

static void add_vm(Daemon *d, JsonBuilder *b, Vm *vm)
{
	int nr = MIN(d->topo->nr_nodes, POLICY_MAX_NODES);
	const gint64 *mem = vm->memory;
	gint64 local = 0, remote = 0;
	gboolean home[POLICY_MAX_NODES] = { FALSE };
	for (guint i = 0; i < vm->vcpus->len; i++) {
		VcpuState *v = &g_array_index(vm->vcpus, VcpuState, i);
		int n = v->placed >= 0 ? v->placed : v->running;

		if (n >= 0 && n < nr)
			home[n] = TRUE;
	}
	for (int n = 0; n < nr; n++) {
		if (home[n])
			local += mem[n];
		else
			remote += mem[n];
	}

	json_builder_begin_object(b);
	MEMBER_STRING(b, "name", vm->name);
	MEMBER_STRING(b, "kind", vm->ops->kind);
	MEMBER_BOOL(b, "wanted", vm->managed && vm->want.enabled);
	MEMBER_BOOL(b, "enabled", vm->enabled);
	MEMBER_BOOL(b, "placement", d->config->placement && vm->want.placement);
	MEMBER_STRING(b, "state", vm->state);
	json_builder_set_member_name(b, "memory");
	add_nodes(b, nr, mem);
	json_builder_set_member_name(b, "home-nodes");
	json_builder_begin_array(b);
	for (int n = 0; n < nr; n++)
		if (home[n])
			json_builder_add_int_value(b, n);
	json_builder_end_array(b);
	MEMBER_DOUBLE(b, "local-percent",
		      local + remote ? 100.0 * local / (local + remote) : 0);
	MEMBER_INT(b, "local-bytes", local);
	MEMBER_INT(b, "remote-bytes", remote);
	MEMBER_DOUBLE(b, "fault-local-percent", 100.0 * vm->fault_local);
	MEMBER_INT(b, "pages-moved", vm->pages_moved);
	MEMBER_INT(b, "pages-stale", vm->pages_stale);
	MEMBER_INT(b, "vcpu-moves", vm->vcpu_moves);
	json_builder_set_member_name(b, "vcpus");
	json_builder_begin_array(b);
	for (guint i = 0; i < vm->vcpus->len; i++) {
		VcpuState *v = &g_array_index(vm->vcpus, VcpuState, i);
		gint64 f[POLICY_MAX_NODES];

		for (int n = 0; n < nr; n++)
			f[n] = v->faults[n];
		json_builder_begin_object(b);
		MEMBER_INT(b, "index", v->index);
		MEMBER_INT(b, "tid", v->tid);
		MEMBER_INT(b, "node", v->placed);
		MEMBER_INT(b, "running-node", v->running);
		MEMBER_INT(b, "preferred-node", v->preferred);
		MEMBER_DOUBLE(b, "local-ratio", v->local_ratio);
		MEMBER_DOUBLE(b, "compliance",
			      v->run_all > 0 ? v->run_on_pref / v->run_all : 0);
		MEMBER_DOUBLE(b, "load", MAX(v->load, 0));
		json_builder_set_member_name(b, "faults-node");
		add_nodes(b, nr, f);
		MEMBER_INT(b, "moves", v->moves);
		json_builder_end_object(b);
	}
	json_builder_end_array(b);
	json_builder_end_object(b);
}

static int by_name(gconstpointer a, gconstpointer b)
{
	return strcmp((*(Vm *const *)a)->name, (*(Vm *const *)b)->name);
}

JsonNode *daemon_status(Daemon *d)
{
	g_autoptr(JsonBuilder) b = json_builder_new();
	g_autoptr(GPtrArray) vms = g_ptr_array_new();
	int placed[POLICY_MAX_NODES] = { 0 };
	GHashTableIter it;
	Vm *vm;

	g_hash_table_iter_init(&it, d->vms);
	while (g_hash_table_iter_next(&it, NULL, (gpointer *)&vm)) {
		g_ptr_array_add(vms, vm);
		for (guint i = 0; i < vm->vcpus->len; i++) {
			int n = g_array_index(vm->vcpus, VcpuState, i).placed;

			if (n >= 0 && n < POLICY_MAX_NODES)
				placed[n]++;
		}
	}
	g_ptr_array_sort(vms, by_name);

	json_builder_begin_object(b);
	MEMBER_STRING(b, "version", VERSION);
	MEMBER_BOOL(b, "host-enabled", d->host_enabled);
	MEMBER_BOOL(b, "kvm-autonuma", d->kvm_autonuma);
	MEMBER_INT(b, "numa-balancing", d->numa_balancing);
	MEMBER_INT(b, "period-ms", d->config->period_ms);
	json_builder_set_member_name(b, "nodes");
	json_builder_begin_array(b);
	for (int n = 0; n < d->topo->nr_nodes && n < POLICY_MAX_NODES; n++) {
		gint64 free_bytes, size;
		g_autofree char *cpus = cpulist_format(d->node_cpus[n],
						       d->topo->nr_cpus);

		json_builder_begin_object(b);
		MEMBER_INT(b, "node", n);
		MEMBER_STRING(b, "cpus", cpus);
		MEMBER_INT(b, "capacity", d->node_capacity[n]);
		if (daemon_node_memory(n, &free_bytes, &size)) {
			MEMBER_INT(b, "memory-bytes", size);
			MEMBER_INT(b, "free-bytes", free_bytes);
		}
		MEMBER_INT(b, "vcpus", placed[n]);
		json_builder_end_object(b);
	}
	json_builder_end_array(b);
	json_builder_set_member_name(b, "vms");
	json_builder_begin_array(b);
	for (guint i = 0; i < vms->len; i++)
		add_vm(d, b, vms->pdata[i]);
	json_builder_end_array(b);
	json_builder_end_object(b);
	return json_builder_get_root(b);
}

static JsonNode *error_reply(const char *fmt, ...) G_GNUC_PRINTF(1, 2);

static JsonNode *error_reply(const char *fmt, ...)
{
	g_autoptr(JsonBuilder) b = json_builder_new();
	g_autofree char *msg = NULL;
	va_list ap;

	va_start(ap, fmt);
	msg = g_strdup_vprintf(fmt, ap);
	va_end(ap);
	json_builder_begin_object(b);
	MEMBER_STRING(b, "error", msg);
	json_builder_end_object(b);
	return json_builder_get_root(b);
}

static JsonNode *return_reply(JsonNode *value)
{
	JsonObject *o = json_object_new();
	JsonNode *n = json_node_init_object(json_node_alloc(), o);

	json_object_set_member(o, "return", value);
	json_object_unref(o);
	return n;
}

static JsonNode *handle(Daemon *d, const char *line)
{
	g_autoptr(JsonParser) p = json_parser_new();
	g_autoptr(GError) error = NULL;
	JsonObject *req;
	const char *cmd;

	if (!json_parser_load_from_data(p, line, -1, &error))
		return error_reply("not JSON: %s", error->message);
	if (!JSON_NODE_HOLDS_OBJECT(json_parser_get_root(p)))
		return error_reply("a request is a JSON object");
	req = json_node_get_object(json_parser_get_root(p));
	cmd = json_object_get_string_member_with_default(req, "command", NULL);
	if (!cmd)
		return error_reply("missing \"command\"");

	if (!strcmp(cmd, "status"))
		return return_reply(daemon_status(d));
	if (!strcmp(cmd, "metrics")) {
		g_autofree char *text = metrics_text(d);
		JsonNode *n = json_node_new(JSON_NODE_VALUE);

		json_node_set_string(n, text);
		return return_reply(n);
	}
	if (!strcmp(cmd, "host")) {
		JsonNode *e = json_object_get_member(req, "enabled");

		if (!e || json_node_get_value_type(e) != G_TYPE_BOOLEAN)
			return error_reply("host: \"enabled\" must be true or false");
		if (d->host_enabled != json_node_get_boolean(e))
			g_message("host switch %s by autonumactl: %s",
				  json_node_get_boolean(e) ? "on" : "off",
				  json_node_get_boolean(e) ?
				  "placing and enabling again" :
				  "no more enabling or re-pinning");
		d->host_enabled = json_node_get_boolean(e);
		return return_reply(json_node_new(JSON_NODE_NULL));
	}
	if (!strcmp(cmd, "vm-set")) {
		const char *name = json_object_get_string_member_with_default(
			req, "name", NULL);
		JsonNode *e = json_object_get_member(req, "enabled");
		Vm *vm = name ? daemon_find_vm(d, name) : NULL;
		AutonumaSettings s;

		if (!e || json_node_get_value_type(e) != G_TYPE_BOOLEAN)
			return error_reply("vm-set: \"enabled\" must be true or false");
		if (!vm)
			return error_reply("vm-set: no VM named \"%s\"",
					   name ? name : "");
		if (strcmp(vm->ops->kind, "qmp"))
			return error_reply("vm-set: %s is a libvirt domain: change its <autonuma:autonuma> metadata (autonumactl vm enable|disable does)",
					   name);
		s = vm->want;
		s.enabled = json_node_get_boolean(e);
		vm->override = TRUE;
		daemon_set_want(d, vm, &s, "autonumactl");
		return return_reply(json_node_new(JSON_NODE_NULL));
	}
	return error_reply("unknown command \"%s\"", cmd);
}

static void client_free(Client *c)
{
	g_io_stream_close(G_IO_STREAM(c->conn), NULL, NULL);
	g_object_unref(c->in);
	g_object_unref(c->conn);
	g_free(c);
}

static void got_line(GObject *src, GAsyncResult *res, gpointer data)
{
	Client *c = data;
	g_autoptr(GError) error = NULL;
	g_autofree char *line = g_data_input_stream_read_line_finish(
		c->in, res, NULL, &error);
	g_autoptr(JsonNode) reply = NULL;
	g_autofree char *text = NULL;
	GOutputStream *out = g_io_stream_get_output_stream(G_IO_STREAM(c->conn));

	if (line) {
		reply = handle(c->d, line);
		text = json_to_string(reply, FALSE);
		/* Small, and the client waits for it: a blocking write. */
		if (!g_output_stream_write_all(out, text, strlen(text), NULL,
					       NULL, &error) ||
		    !g_output_stream_write_all(out, "\n", 1, NULL, NULL, &error))
			g_debug("control: %s", error->message);
	}
	client_free(c);
}

static gboolean incoming(GSocketService *service, GSocketConnection *conn,
			 GObject *source, gpointer data)
{
	Client *c = g_new0(Client, 1);

	c->d = data;
	c->conn = g_object_ref(conn);
	c->in = g_data_input_stream_new(
		g_io_stream_get_input_stream(G_IO_STREAM(conn)));
	g_data_input_stream_read_line_async(c->in, G_PRIORITY_DEFAULT, NULL,
					    got_line, c);
	return TRUE;
}

gboolean control_start(Daemon *d, GError **error)
{
	const char *path = d->config->control_socket;
	g_autofree char *dir = g_path_get_dirname(path);
	g_autoptr(GSocketAddress) addr = g_unix_socket_address_new(path);
	mode_t old;
	gboolean ok;

	if (g_mkdir_with_parents(dir, 0755)) {
		g_set_error(error, G_IO_ERROR, G_IO_ERROR_FAILED,
			    "control socket: cannot create %s: %s", dir,
			    g_strerror(errno));
		return FALSE;
	}
	/* A socket left by a daemon that died; a live one would answer. */
	if (g_file_test(path, G_FILE_TEST_EXISTS)) {
		g_autoptr(GSocketClient) cl = g_socket_client_new();
		g_autoptr(GSocketConnection) live =
			g_socket_client_connect(cl, G_SOCKET_CONNECTABLE(addr),
						NULL, NULL);

		if (live) {
			g_set_error(error, G_IO_ERROR, G_IO_ERROR_EXISTS,
				    "another autonumad is running (%s answers)",
				    path);
			return FALSE;
		}
		g_unlink(path);
	}
	d->control = g_socket_service_new();
	old = umask(0177);      /* 0600: only root steers placement */
	ok = g_socket_listener_add_address(G_SOCKET_LISTENER(d->control), addr,
					   G_SOCKET_TYPE_STREAM,
					   G_SOCKET_PROTOCOL_DEFAULT, NULL,
					   NULL, error);
	umask(old);
	if (!ok) {
		g_prefix_error(error, "control socket %s: ", path);
		g_clear_object(&d->control);
		return FALSE;
	}
	g_signal_connect(d->control, "incoming", G_CALLBACK(incoming), d);
	g_socket_service_start(d->control);
	return TRUE;
}

void control_stop(Daemon *d)
{
	if (!d->control)
		return;
	g_socket_service_stop(d->control);
	g_socket_listener_close(G_SOCKET_LISTENER(d->control));
	g_clear_object(&d->control);
	g_unlink(d->config->control_socket);
}
