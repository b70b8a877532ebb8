// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * autonumactl top: every VM and vCPU autonumad sees, refreshed, in the
 * spirit of esxtop's NUMA view.
 */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "autonumactl.h"
#include "control-client.h"

static double opt_interval = 1.0;
static int opt_iterations;

static const GOptionEntry top_entries[] = {
	{ "interval", 'd', 0, G_OPTION_ARG_DOUBLE, &opt_interval,
	  "Seconds between frames (default 1)", "SEC" },
	{ "iterations", 'n', 0, G_OPTION_ARG_INT, &opt_iterations,
	  "Stop after N frames (default: run until interrupted)", "N" },
	{ NULL }
};

#define VM_ROW "%-*s  %-7s %6s %10s %11s %6s %10s %6s  %s\n"
#define VCPU_ROW "    %4s %5s %5s %7s %7s\n"

static void header(GString *out, JsonObject *status, const char *error)
{
	g_autoptr(GDateTime) now = g_date_time_new_now_local();
	g_autofree char *time = g_date_time_format(now, "%H:%M:%S");
	g_autofree char *balancing = NULL;
	JsonArray *nodes = jget_array(status, "nodes");
	guint len = nodes ? json_array_get_length(nodes) : 0;
	int kvm = read_kvm_autonuma(NULL);
	int b = read_numa_balancing();

	balancing = b < 0 ? g_strdup("n/a") : g_strdup_printf("%d", b);
	g_string_append_printf(out, "%s  kvm.autonuma %s  numa_balancing %s  ", time,
			       kvm < 0 ? "n/a" : kvm ? "on" : "off", balancing);
	if (!status) {
		g_string_append_printf(out, "%s%s\n",
				       g_str_has_prefix(error, "autonumad") ?
				       "" : "autonumad: ", error);
		return;
	}
	g_string_append_printf(out, "autonumad %s  period %" G_GINT64_FORMAT " ms\n",
			       fmt_onoff(jget_bool(status, "host-enabled")),
			       jget_int(status, "period-ms", 0));
	g_string_append(out, "vCPUs/capacity (free memory):");
	for (guint i = 0; i < len; i++) {
		JsonObject *n = jarray_object(nodes, i);

		g_string_append_printf(out, "  node %" G_GINT64_FORMAT " %"
				       G_GINT64_FORMAT "/%" G_GINT64_FORMAT,
				       jget_int(n, "node", i), jget_int(n, "vcpus", 0),
				       jget_int(n, "capacity", 0));
		if (jget_int(n, "memory-bytes", -1) >= 0)
			g_string_append_printf(out, " (%" G_GINT64_FORMAT " MiB free)",
					       jget_int(n, "free-bytes", 0) >> 20);
	}
	g_string_append_c(out, '\n');
}

static void vcpu_rows(GString *out, JsonArray *vcpus)
{
	guint len = vcpus ? json_array_get_length(vcpus) : 0;

	for (guint i = 0; i < len; i++) {
		JsonObject *v = jarray_object(vcpus, i);
		g_autofree char *index = fmt_node(v, "index");
		g_autofree char *node = fmt_node(v, "node");
		g_autofree char *pref = fmt_node(v, "preferred-node");
		g_autofree char *local = fmt_double(v, "local-ratio", 100, "%.1f");
		g_autofree char *compl = fmt_double(v, "compliance", 100, "%.1f");

		g_string_append_printf(out, VCPU_ROW, index, node, pref, local, compl);
	}
}

static void vm_rows(GString *out, JsonObject *status)
{
	JsonArray *vms = jget_array(status, "vms");
	guint len = vms ? json_array_get_length(vms) : 0;
	int width = 4;

	for (guint i = 0; i < len; i++)
		width = MAX(width, (int)strlen(jget_string(jarray_object(vms, i),
							   "name", "?")));
	g_string_append_c(out, '\n');
	g_string_append_printf(out, VM_ROW, width, "NAME", "HOME", "N%L",
			       "LOCAL MiB", "REMOTE MiB", "FL%", "MOVED MiB",
			       "VMOV", "STATE");
	g_string_append_printf(out, VCPU_ROW, "vCPU", "NODE", "PREF", "LOCAL%",
			       "COMPL%");
	if (!len)
		g_string_append(out, "(no VMs)\n");
	for (guint i = 0; i < len; i++) {
		JsonObject *vm = jarray_object(vms, i);
		g_autofree char *home = fmt_int_list(jget_array(vm, "home-nodes"), ",");
		g_autofree char *nl = fmt_double(vm, "local-percent", 1, "%.1f");
		g_autofree char *lmib = fmt_mib(vm, "local-bytes", 1);
		g_autofree char *rmib = fmt_mib(vm, "remote-bytes", 1);
		g_autofree char *fl = fmt_double(vm, "fault-local-percent", 1, "%.1f");
		g_autofree char *moved = fmt_mib(vm, "pages-moved", 4096);
		g_autofree char *vmov = fmt_node(vm, "vcpu-moves");

		g_string_append_printf(out, VM_ROW, width,
				       jget_string(vm, "name", "?"), home, nl, lmib,
				       rmib, fl, moved, vmov,
				       jget_string(vm, "state", "-"));
		vcpu_rows(out, jget_array(vm, "vcpus"));
	}
}

static void print_json_frame(JsonObject *status, const char *error)
{
	g_autoptr(GDateTime) now = g_date_time_new_now_local();
	g_autofree char *time = g_date_time_format_iso8601(now);
	g_autoptr(JsonBuilder) b = json_builder_new();
	g_autoptr(JsonNode) root = NULL;
	int kvm = read_kvm_autonuma(NULL);
	int balancing = read_numa_balancing();

	json_builder_begin_object(b);
	json_builder_set_member_name(b, "time");
	json_builder_add_string_value(b, time);
	json_builder_set_member_name(b, "kvm-autonuma");
	if (kvm < 0)
		json_builder_add_null_value(b);
	else
		json_builder_add_boolean_value(b, kvm);
	json_builder_set_member_name(b, "numa-balancing");
	if (balancing < 0)
		json_builder_add_null_value(b);
	else
		json_builder_add_int_value(b, balancing);
	if (status) {
		g_autoptr(JsonNode) node = json_node_new(JSON_NODE_OBJECT);

		json_node_set_object(node, status);
		json_builder_set_member_name(b, "status");
		json_builder_add_value(b, g_steal_pointer(&node));
	} else {
		json_builder_set_member_name(b, "error");
		json_builder_add_string_value(b, error);
	}
	json_builder_end_object(b);
	root = json_builder_get_root(b);
	ctl_print_json(root, FALSE);
}

static void frame(int i, gboolean tty)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(JsonNode) reply = ctl_call("status", &error);
	g_autoptr(GString) out = g_string_new(NULL);
	JsonObject *status = NULL;

	if (reply && !JSON_NODE_HOLDS_OBJECT(reply))
		g_set_error_literal(&error, CONTROL_ERROR, CONTROL_ERROR_PROTOCOL,
				    "autonumad's status is not a JSON object");
	else if (reply)
		status = json_node_get_object(reply);
	if (ctl_opts.json) {
		print_json_frame(status, error ? error->message : NULL);
		return;
	}
	if (tty)
		g_string_append(out, "\033[H\033[2J");
	else if (i)
		g_string_append_c(out, '\n');
	header(out, status, error ? error->message : NULL);
	if (status)
		vm_rows(out, status);
	else
		g_string_append_printf(out, "(trying again every %g s)\n",
				       opt_interval);
	fputs(out->str, stdout);
	fflush(stdout);
}

int cmd_top(int argc, char **argv)
{
	gboolean tty = isatty(STDOUT_FILENO);
	gint64 next, interval_us;

	if (!ctl_parse_options(&argc, &argv, "top", top_entries))
		return EXIT_USAGE;
	if (argc > 1)
		return ctl_usage("top: unexpected argument \"%s\"", argv[1]);
	if (!(opt_interval >= 0.1 && opt_interval <= 3600))
		return ctl_usage("top: --interval must be 0.1 to 3600 seconds");
	if (opt_iterations < 0)
		return ctl_usage("top: --iterations must be at least 1");
	interval_us = (gint64)(opt_interval * G_USEC_PER_SEC);
	next = g_get_monotonic_time();
	for (int i = 0; !opt_iterations || i < opt_iterations; i++) {
		gint64 now;

		frame(i, tty);
		if (opt_iterations && i + 1 == opt_iterations)
			break;
		next += interval_us;
		now = g_get_monotonic_time();
		if (next > now)
			g_usleep(next - now);
		else
			next = now;
	}
	return EXIT_OK;
}
