/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * A small blocking QMP client, for worker threads: every read and write
 * has a timeout, so that a hung QEMU costs one query, not the daemon.
 */
#pragma once

#include <glib.h>
#include <json-glib/json-glib.h>

typedef struct QmpConn QmpConn;

/* Connect to the QMP socket @path and leave capabilities negotiation. */
QmpConn *qmp_open(const char *path, guint timeout_ms, GError **error);
void qmp_close(QmpConn *c);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(QmpConn, qmp_close)

/*
 * Execute @command with @args (an object or NULL; not consumed).  Returns
 * the "return" member, or NULL with QMP's error description in @error.
 */
JsonNode *qmp_call(QmpConn *c, const char *command, JsonObject *args,
		   GError **error);

/*
 * The reply in @line: TRUE with *@ret set for a return or an error (then
 * @error is set too), FALSE with *@ret NULL for an event or noise.
 */
gboolean qmp_reply_parse(const char *line, JsonNode **ret, GError **error);

/* A command as one JSON line, for QMP or libvirt's monitor passthrough. */
char *qmp_command_format(const char *command, JsonObject *args);

/* Object member helpers that tolerate a missing or mistyped member. */
gint64 qmp_get_int(JsonObject *o, const char *name, gint64 dflt);
double qmp_get_double(JsonObject *o, const char *name, double dflt);
gboolean qmp_get_bool(JsonObject *o, const char *name, gboolean dflt);
