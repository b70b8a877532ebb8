// SPDX-License-Identifier: GPL-2.0-or-later
/* autonumactl: talking to autonumad, reading its replies, host facts. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "autonumactl.h"
#include "control-client.h"

const char *ctl_socket_path(void)
{
	return ctl_opts.control_socket ? ctl_opts.control_socket :
					 AUTONUMAD_CONTROL_SOCKET;
}

JsonNode *ctl_call_request(JsonNode *request, GError **error)
{
	return control_call(ctl_socket_path(), request, CONTROL_TIMEOUT_MS, error);
}

JsonNode *ctl_call(const char *command, GError **error)
{
	g_autoptr(JsonBuilder) b = json_builder_new();
	g_autoptr(JsonNode) request = NULL;

	json_builder_begin_object(b);
	json_builder_set_member_name(b, "command");
	json_builder_add_string_value(b, command);
	json_builder_end_object(b);
	request = json_builder_get_root(b);
	return ctl_call_request(request, error);
}

void ctl_print_json(JsonNode *node, gboolean pretty)
{
	g_autoptr(JsonGenerator) gen = json_generator_new();
	g_autofree char *text = NULL;

	json_generator_set_pretty(gen, pretty);
	json_generator_set_indent(gen, 2);
	json_generator_set_root(gen, node);
	text = json_generator_to_data(gen, NULL);
	printf("%s\n", text);
	fflush(stdout);
}

static JsonNode *value_member(JsonObject *o, const char *member)
{
	JsonNode *n = o ? json_object_get_member(o, member) : NULL;

	return n && JSON_NODE_HOLDS_VALUE(n) ? n : NULL;
}

gint64 jget_int(JsonObject *o, const char *member, gint64 def)
{
	JsonNode *n = value_member(o, member);

	if (!n)
		return def;
	switch (json_node_get_value_type(n)) {
	case G_TYPE_INT64:
		return json_node_get_int(n);
	case G_TYPE_DOUBLE:
		return (gint64)json_node_get_double(n);
	default:
		return def;
	}
}

gboolean jget_double(JsonObject *o, const char *member, double *value)
{
	JsonNode *n = value_member(o, member);

	if (!n)
		return FALSE;
	switch (json_node_get_value_type(n)) {
	case G_TYPE_INT64:
		*value = json_node_get_int(n);
		return TRUE;
	case G_TYPE_DOUBLE:
		*value = json_node_get_double(n);
		return TRUE;
	default:
		return FALSE;
	}
}

int jget_bool(JsonObject *o, const char *member)
{
	JsonNode *n = value_member(o, member);

	if (!n || json_node_get_value_type(n) != G_TYPE_BOOLEAN)
		return -1;
	return json_node_get_boolean(n);
}

const char *jget_string(JsonObject *o, const char *member, const char *def)
{
	JsonNode *n = value_member(o, member);

	if (!n || json_node_get_value_type(n) != G_TYPE_STRING)
		return def;
	return json_node_get_string(n);
}

JsonArray *jget_array(JsonObject *o, const char *member)
{
	JsonNode *n = o ? json_object_get_member(o, member) : NULL;

	return n && JSON_NODE_HOLDS_ARRAY(n) ? json_node_get_array(n) : NULL;
}

JsonObject *jget_object(JsonObject *o, const char *member)
{
	JsonNode *n = o ? json_object_get_member(o, member) : NULL;

	return n && JSON_NODE_HOLDS_OBJECT(n) ? json_node_get_object(n) : NULL;
}

JsonObject *jarray_object(JsonArray *a, guint i)
{
	JsonNode *n = a && i < json_array_get_length(a) ?
		json_array_get_element(a, i) : NULL;

	return n && JSON_NODE_HOLDS_OBJECT(n) ? json_node_get_object(n) : NULL;
}

char *fmt_double(JsonObject *o, const char *member, double scale,
		 const char *fmt)
{
	double v;

	if (!jget_double(o, member, &v))
		return g_strdup("-");
	return g_strdup_printf(fmt, v * scale);
}

char *fmt_node(JsonObject *o, const char *member)
{
	gint64 v = jget_int(o, member, -1);

	return v < 0 ? g_strdup("-") : g_strdup_printf("%" G_GINT64_FORMAT, v);
}

char *fmt_mib(JsonObject *o, const char *member, double unit)
{
	double v;

	if (!jget_double(o, member, &v))
		return g_strdup("-");
	return g_strdup_printf("%.0f", v * unit / (1024.0 * 1024.0));
}

char *fmt_int_list(JsonArray *a, const char *sep)
{
	GString *s = g_string_new(NULL);
	guint len = a ? json_array_get_length(a) : 0;

	for (guint i = 0; i < len; i++) {
		JsonNode *n = json_array_get_element(a, i);

		if (i)
			g_string_append(s, sep);
		if (JSON_NODE_HOLDS_VALUE(n) &&
		    json_node_get_value_type(n) == G_TYPE_INT64)
			g_string_append_printf(s, "%" G_GINT64_FORMAT,
					       json_node_get_int(n));
		else
			g_string_append_c(s, '?');
	}
	if (!s->len)
		g_string_append_c(s, '-');
	return g_string_free(s, FALSE);
}

const char *fmt_onoff(int b)
{
	return b < 0 ? "-" : b ? "on" : "off";
}

JsonObject *status_find_vm(JsonObject *status, const char *name)
{
	JsonArray *vms = jget_array(status, "vms");
	guint len = vms ? json_array_get_length(vms) : 0;

	for (guint i = 0; i < len; i++) {
		JsonObject *vm = jarray_object(vms, i);

		if (!g_strcmp0(jget_string(vm, "name", NULL), name))
			return vm;
	}
	return NULL;
}

int read_kvm_autonuma(GError **error)
{
	g_autofree char *text = NULL;
	g_autoptr(GError) local = NULL;

	if (!g_file_get_contents(KVM_AUTONUMA_PARAM, &text, NULL, &local)) {
		if (g_error_matches(local, G_FILE_ERROR, G_FILE_ERROR_NOENT))
			g_set_error_literal(error, G_FILE_ERROR, G_FILE_ERROR_NOENT,
				"kvm is not loaded or has no kvm.autonuma: "
				"is this kvm-autonuma's KVM?");
		else
			g_propagate_error(error, g_steal_pointer(&local));
		return -1;
	}
	g_strstrip(text);
	if (!strcmp(text, "Y") || !strcmp(text, "y") || !strcmp(text, "1"))
		return 1;
	if (!strcmp(text, "N") || !strcmp(text, "n") || !strcmp(text, "0"))
		return 0;
	g_set_error(error, G_FILE_ERROR, G_FILE_ERROR_INVAL,
		    "%s: unexpected value \"%s\"", KVM_AUTONUMA_PARAM, text);
	return -1;
}

int read_numa_balancing(void)
{
	g_autofree char *text = NULL;
	guint64 v;

	if (!g_file_get_contents(NUMA_BALANCING_SYSCTL, &text, NULL, NULL))
		return -1;
	g_strstrip(text);
	if (!g_ascii_string_to_unsigned(text, 10, 0, G_MAXINT, &v, NULL))
		return -1;
	return (int)v;
}
