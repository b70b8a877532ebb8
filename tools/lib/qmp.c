// SPDX-License-Identifier: GPL-2.0-or-later
/* QMP over a unix socket, with GSocket's per-operation timeout. */
#include <gio/gio.h>
#include <gio/gunixsocketaddress.h>
#include <string.h>

#include "qmp.h"

struct QmpConn {
	GSocketConnection *conn;
	GDataInputStream *in;
	GOutputStream *out;
	char *path;
};

void qmp_close(QmpConn *c)
{
	if (!c)
		return;
	g_clear_object(&c->in);
	if (c->conn)
		g_io_stream_close(G_IO_STREAM(c->conn), NULL, NULL);
	g_clear_object(&c->conn);
	g_free(c->path);
	g_free(c);
}

gboolean qmp_reply_parse(const char *line, JsonNode **ret, GError **error)
{
	g_autoptr(JsonParser) p = json_parser_new();
	JsonObject *o;

	*ret = NULL;
	if (!json_parser_load_from_data(p, line, -1, NULL) ||
	    !JSON_NODE_HOLDS_OBJECT(json_parser_get_root(p)))
		return FALSE;
	o = json_node_get_object(json_parser_get_root(p));
	if (json_object_has_member(o, "return")) {
		*ret = json_node_copy(json_object_get_member(o, "return"));
		return TRUE;
	}
	if (json_object_has_member(o, "error")) {
		JsonNode *e = json_object_get_member(o, "error");
		const char *desc = JSON_NODE_HOLDS_OBJECT(e) ?
			json_object_get_string_member_with_default(
				json_node_get_object(e), "desc", NULL) : NULL;

		g_set_error(error, G_IO_ERROR, G_IO_ERROR_FAILED, "%s",
			    desc ? desc : "QMP error without a description");
		return TRUE;
	}
	return FALSE;           /* an event or the greeting */
}

char *qmp_command_format(const char *command, JsonObject *args)
{
	g_autoptr(JsonBuilder) b = json_builder_new();
	g_autoptr(JsonNode) root = NULL;

	json_builder_begin_object(b);
	json_builder_set_member_name(b, "execute");
	json_builder_add_string_value(b, command);
	if (args) {
		json_builder_set_member_name(b, "arguments");
		json_builder_add_value(b, json_node_init_object(json_node_alloc(),
								args));
	}
	json_builder_end_object(b);
	root = json_builder_get_root(b);
	return json_to_string(root, FALSE);
}

static gboolean send_line(QmpConn *c, const char *text, GError **error)
{
	g_autofree char *line = g_strconcat(text, "\n", NULL);

	return g_output_stream_write_all(c->out, line, strlen(line), NULL, NULL,
					 error);
}

/* The next return or error, skipping events. */
static JsonNode *receive(QmpConn *c, GError **error)
{
	for (;;) {
		g_autoptr(GError) err = NULL;
		g_autofree char *line =
			g_data_input_stream_read_line(c->in, NULL, NULL, &err);
		JsonNode *ret;

		if (!line) {
			g_set_error(error, G_IO_ERROR,
				    err ? err->code : G_IO_ERROR_CLOSED,
				    "QMP %s: %s", c->path,
				    err ? err->message : "connection closed");
			return NULL;
		}
		if (qmp_reply_parse(line, &ret, error))
			return ret;
		if (error && *error)
			return NULL;
	}
}

JsonNode *qmp_call(QmpConn *c, const char *command, JsonObject *args,
		   GError **error)
{
	g_autofree char *cmd = qmp_command_format(command, args);
	g_autoptr(GError) err = NULL;
	JsonNode *ret;

	if (!send_line(c, cmd, error))
		return NULL;
	ret = receive(c, &err);
	if (err) {
		g_set_error(error, err->domain, err->code, "%s: %s", command,
			    err->message);
		return NULL;
	}
	return ret;
}

QmpConn *qmp_open(const char *path, guint timeout_ms, GError **error)
{
	g_autoptr(GSocketClient) client = g_socket_client_new();
	g_autoptr(GSocketAddress) addr = g_unix_socket_address_new(path);
	g_autoptr(QmpConn) c = g_new0(QmpConn, 1);
	g_autoptr(GError) err = NULL;
	g_autofree char *greeting = NULL;
	g_autoptr(JsonNode) ret = NULL;

	c->path = g_strdup(path);
	/* GSocket timeouts are in seconds; a hung QEMU must not hold longer. */
	g_socket_client_set_timeout(client, MAX(1, (timeout_ms + 999) / 1000));
	c->conn = g_socket_client_connect(client, G_SOCKET_CONNECTABLE(addr),
					  NULL, &err);
	if (!c->conn) {
		g_set_error(error, G_IO_ERROR, err->code, "QMP %s: %s", path,
			    err->message);
		return NULL;
	}
	c->in = g_data_input_stream_new(
		g_io_stream_get_input_stream(G_IO_STREAM(c->conn)));
	c->out = g_io_stream_get_output_stream(G_IO_STREAM(c->conn));
	greeting = g_data_input_stream_read_line(c->in, NULL, NULL, &err);
	if (!greeting || !strstr(greeting, "\"QMP\"")) {
		g_set_error(error, G_IO_ERROR, G_IO_ERROR_FAILED,
			    "QMP %s: no greeting (%s)", path,
			    err ? err->message : "not a QMP socket");
		return NULL;
	}
	ret = qmp_call(c, "qmp_capabilities", NULL, error);
	if (!ret)
		return NULL;
	return g_steal_pointer(&c);
}

gint64 qmp_get_int(JsonObject *o, const char *name, gint64 dflt)
{
	JsonNode *n = o ? json_object_get_member(o, name) : NULL;

	if (!n || !JSON_NODE_HOLDS_VALUE(n))
		return dflt;
	if (json_node_get_value_type(n) == G_TYPE_INT64)
		return json_node_get_int(n);
	if (json_node_get_value_type(n) == G_TYPE_DOUBLE)
		return json_node_get_double(n);
	return dflt;
}

double qmp_get_double(JsonObject *o, const char *name, double dflt)
{
	JsonNode *n = o ? json_object_get_member(o, name) : NULL;

	if (!n || !JSON_NODE_HOLDS_VALUE(n))
		return dflt;
	if (json_node_get_value_type(n) == G_TYPE_DOUBLE)
		return json_node_get_double(n);
	if (json_node_get_value_type(n) == G_TYPE_INT64)
		return json_node_get_int(n);
	return dflt;
}

gboolean qmp_get_bool(JsonObject *o, const char *name, gboolean dflt)
{
	JsonNode *n = o ? json_object_get_member(o, name) : NULL;

	if (!n || !JSON_NODE_HOLDS_VALUE(n) ||
	    json_node_get_value_type(n) != G_TYPE_BOOLEAN)
		return dflt;
	return json_node_get_boolean(n);
}
