/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Client side of autonumad's control socket (tools/doc/control-protocol.md):
 * one JSON object on one line each way, then the daemon closes.
 */
#pragma once

#include <glib.h>
#include <json-glib/json-glib.h>

#define AUTONUMAD_CONTROL_SOCKET "/run/autonumad/control.sock"

#define CONTROL_ERROR (control_error_quark())
GQuark control_error_quark(void);

typedef enum {
	CONTROL_ERROR_NOT_RUNNING,      /* no socket, or nobody listens on it */
	CONTROL_ERROR_TIMEOUT,          /* no complete reply in time */
	CONTROL_ERROR_PROTOCOL,         /* the reply is not what the contract says */
	CONTROL_ERROR_DAEMON,           /* the daemon's {"error": ...} */
	CONTROL_ERROR_IO,               /* anything else on the socket */
} ControlError;

/*
 * Send @request (a JSON object) to the daemon at @socket_path and wait at
 * most @timeout_ms for its reply.  Returns a new node holding the reply's
 * "return" member (free with json_node_unref()), or NULL with @error set:
 * CONTROL_ERROR_DAEMON carries the daemon's "error" string as its message.
 */
JsonNode *control_call(const char *socket_path, JsonNode *request,
		       guint timeout_ms, GError **error);
