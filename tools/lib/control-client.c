// SPDX-License-Identifier: GPL-2.0-or-later
/* Client side of autonumad's control socket: tools/doc/control-protocol.md. */
#include "control-client.h"

#include <gio/gio.h>
#include <gio/gunixsocketaddress.h>
#include <string.h>

G_DEFINE_QUARK(control-error-quark, control_error)

/* A status of a host full of big VMs is well under this. */
#define REPLY_MAX (64u << 20)

/* Microseconds left until @deadline (-1: none) for g_socket_condition_timed_wait. */
static gint64 time_left(gint64 deadline)
{
	gint64 left;

	if (deadline < 0)
		return -1;
	left = deadline - g_get_monotonic_time();
	return left > 0 ? left : 0;
}

/* Turn a socket error into ours, saying what we were doing. */
static void socket_error(GError **error, GError *cause, const char *path,
			 guint timeout_ms, const char *doing)
{
	if (g_error_matches(cause, G_IO_ERROR, G_IO_ERROR_TIMED_OUT))
		g_set_error(error, CONTROL_ERROR, CONTROL_ERROR_TIMEOUT,
			    "autonumad did not answer within %u ms (socket %s)",
			    timeout_ms, path);
	else
		g_set_error(error, CONTROL_ERROR, CONTROL_ERROR_IO,
			    "%s autonumad at %s: %s", doing, path, cause->message);
}

static GSocketConnection *connect_to(const char *path, guint timeout_ms,
				     GError **error)
{
	g_autoptr(GSocketClient) client = g_socket_client_new();
	g_autoptr(GSocketAddress) addr = g_unix_socket_address_new(path);
	g_autoptr(GError) local = NULL;
	GSocketConnection *conn;

	/* Whole seconds only; the exchange itself keeps to timeout_ms. */
	g_socket_client_set_timeout(client, (timeout_ms + 999) / 1000);
	conn = g_socket_client_connect(client, G_SOCKET_CONNECTABLE(addr), NULL,
				       &local);
	if (conn)
		return conn;
	if (g_error_matches(local, G_IO_ERROR, G_IO_ERROR_NOT_FOUND))
		g_set_error(error, CONTROL_ERROR, CONTROL_ERROR_NOT_RUNNING,
			    "autonumad is not running (no socket at %s)", path);
	else if (g_error_matches(local, G_IO_ERROR, G_IO_ERROR_CONNECTION_REFUSED))
		g_set_error(error, CONTROL_ERROR, CONTROL_ERROR_NOT_RUNNING,
			    "autonumad is not running (nothing listens on %s)",
			    path);
	else if (g_error_matches(local, G_IO_ERROR, G_IO_ERROR_PERMISSION_DENIED))
		g_set_error(error, CONTROL_ERROR, CONTROL_ERROR_IO,
			    "cannot connect to autonumad at %s: %s (only root may)",
			    path, local->message);
	else
		socket_error(error, local, path, timeout_ms, "cannot connect to");
	return NULL;
}

static gboolean send_all(GSocket *sock, const char *buf, gsize len,
			 gint64 deadline, const char *path, guint timeout_ms,
			 GError **error)
{
	g_autoptr(GError) local = NULL;

	while (len) {
		gssize n;

		if (!g_socket_condition_timed_wait(sock, G_IO_OUT, time_left(deadline),
						   NULL, &local))
			goto fail;
		n = g_socket_send(sock, buf, len, NULL, &local);
		if (n < 0) {
			if (g_error_matches(local, G_IO_ERROR, G_IO_ERROR_WOULD_BLOCK)) {
				g_clear_error(&local);
				continue;
			}
			goto fail;
		}
		buf += n;
		len -= n;
	}
	return TRUE;
fail:
	socket_error(error, local, path, timeout_ms, "cannot send to");
	return FALSE;
}

/* One line (without its newline), or all there is before the daemon closes. */
static char *receive_line(GSocket *sock, gint64 deadline, const char *path,
			  guint timeout_ms, GError **error)
{
	g_autoptr(GString) reply = g_string_new(NULL);
	g_autoptr(GError) local = NULL;
	char buf[4096];

	for (;;) {
		const char *nl = memchr(reply->str, '\n', reply->len);
		gssize n;

		if (nl) {
			g_string_truncate(reply, nl - reply->str);
			break;
		}
		if (reply->len > REPLY_MAX) {
			g_set_error(error, CONTROL_ERROR, CONTROL_ERROR_PROTOCOL,
				    "autonumad's reply is longer than %u MiB",
				    REPLY_MAX >> 20);
			return NULL;
		}
		if (!g_socket_condition_timed_wait(sock, G_IO_IN, time_left(deadline),
						   NULL, &local))
			goto fail;
		n = g_socket_receive(sock, buf, sizeof(buf), NULL, &local);
		if (n < 0) {
			if (g_error_matches(local, G_IO_ERROR, G_IO_ERROR_WOULD_BLOCK)) {
				g_clear_error(&local);
				continue;
			}
			goto fail;
		}
		if (n == 0)
			break;
		g_string_append_len(reply, buf, n);
	}
	if (!reply->len) {
		g_set_error(error, CONTROL_ERROR, CONTROL_ERROR_PROTOCOL,
			    "autonumad at %s closed the connection without a reply",
			    path);
		return NULL;
	}
	return g_string_free(g_steal_pointer(&reply), FALSE);
fail:
	socket_error(error, local, path, timeout_ms, "cannot read from");
	return NULL;
}

/* {"return": X} -> a copy of X; {"error": "..."} -> that message. */
static JsonNode *reply_parse(const char *line, GError **error)
{
	g_autoptr(JsonParser) parser = json_parser_new();
	g_autoptr(GError) local = NULL;
	JsonObject *obj;
	JsonNode *err;

	if (!json_parser_load_from_data(parser, line, -1, &local)) {
		g_set_error(error, CONTROL_ERROR, CONTROL_ERROR_PROTOCOL,
			    "autonumad's reply is not JSON: %s", local->message);
		return NULL;
	}
	if (!JSON_NODE_HOLDS_OBJECT(json_parser_get_root(parser))) {
		g_set_error_literal(error, CONTROL_ERROR, CONTROL_ERROR_PROTOCOL,
				    "autonumad's reply is not a JSON object");
		return NULL;
	}
	obj = json_node_get_object(json_parser_get_root(parser));
	err = json_object_get_member(obj, "error");
	if (err) {
		const char *msg = NULL;

		if (JSON_NODE_HOLDS_VALUE(err) &&
		    json_node_get_value_type(err) == G_TYPE_STRING)
			msg = json_node_get_string(err);
		else if (JSON_NODE_HOLDS_OBJECT(err))   /* QMP's {"desc": ...} */
			msg = json_object_get_string_member_with_default(
				json_node_get_object(err), "desc", NULL);
		g_set_error_literal(error, CONTROL_ERROR, CONTROL_ERROR_DAEMON,
				    msg ? msg : "autonumad reported an error");
		return NULL;
	}
	if (!json_object_has_member(obj, "return")) {
		g_set_error_literal(error, CONTROL_ERROR, CONTROL_ERROR_PROTOCOL,
				    "autonumad's reply has neither \"return\" nor \"error\"");
		return NULL;
	}
	return json_object_dup_member(obj, "return");
}

JsonNode *control_call(const char *socket_path, JsonNode *request,
		       guint timeout_ms, GError **error)
{
	gint64 deadline = timeout_ms ?
		g_get_monotonic_time() + (gint64)timeout_ms * 1000 : -1;
	g_autoptr(GSocketConnection) conn = NULL;
	g_autofree char *req = NULL;
	g_autofree char *line = NULL;
	GSocket *sock;

	g_return_val_if_fail(JSON_NODE_HOLDS_OBJECT(request), NULL);

	conn = connect_to(socket_path, timeout_ms, error);
	if (!conn)
		return NULL;
	sock = g_socket_connection_get_socket(conn);
	{
		g_autofree char *json = json_to_string(request, FALSE);

		req = g_strconcat(json, "\n", NULL);
	}
	if (!send_all(sock, req, strlen(req), deadline, socket_path, timeout_ms,
		      error))
		return NULL;
	line = receive_line(sock, deadline, socket_path, timeout_ms, error);
	if (!line)
		return NULL;
	return reply_parse(line, error);
}
