// SPDX-License-Identifier: GPL-2.0-or-later
/* autonumactl host on|off|status */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "autonumactl.h"
#include "control-client.h"

#define BALANCING_WARNING \
	"the kernel's NUMA balancing and kvm-autonuma both act on these guests: " \
	"sysctl kernel.numa_balancing=0"

/* sysfs wants write(2) on the file itself, not a rename over it. */
static gboolean write_param(const char *path, const char *value, GError **error)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC);
	ssize_t n;
	int err;

	if (fd < 0) {
		err = errno;
		if (err == ENOENT)
			g_set_error_literal(error, G_FILE_ERROR, G_FILE_ERROR_NOENT,
				"kvm is not loaded or has no kvm.autonuma: "
				"is this kvm-autonuma's KVM?");
		else
			g_set_error(error, G_FILE_ERROR, g_file_error_from_errno(err),
				    "cannot open %s: %s%s", path, g_strerror(err),
				    err == EACCES || err == EPERM ?
				    " (run as root)" : "");
		return FALSE;
	}
	n = write(fd, value, strlen(value));
	err = errno;
	if (close(fd) < 0 && n >= 0) {
		n = -1;
		err = errno;
	}
	if (n < 0) {
		g_set_error(error, G_FILE_ERROR, g_file_error_from_errno(err),
			    "cannot write %s to %s: %s", value, path, g_strerror(err));
		return FALSE;
	}
	return TRUE;
}

static JsonNode *host_request(gboolean enable)
{
	g_autoptr(JsonBuilder) b = json_builder_new();

	json_builder_begin_object(b);
	json_builder_set_member_name(b, "command");
	json_builder_add_string_value(b, "host");
	json_builder_set_member_name(b, "enabled");
	json_builder_add_boolean_value(b, enable);
	json_builder_end_object(b);
	return json_builder_get_root(b);
}

static int host_switch(gboolean enable)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(JsonNode) request = host_request(enable);
	g_autoptr(JsonNode) reply = NULL;
	gboolean running = TRUE;

	if (!write_param(KVM_AUTONUMA_PARAM, enable ? "1" : "0", &error)) {
		ctl_error("%s", error->message);
		return EXIT_RUNTIME;
	}
	reply = ctl_call_request(request, &error);
	if (!reply) {
		if (!g_error_matches(error, CONTROL_ERROR, CONTROL_ERROR_NOT_RUNNING)) {
			ctl_error("kvm.autonuma is %s, but autonumad: %s",
				  enable ? "on" : "off", error->message);
			return EXIT_RUNTIME;
		}
		ctl_warning("%s: only kvm.autonuma was set", error->message);
		running = FALSE;
	}
	if (ctl_opts.json) {
		g_autoptr(JsonBuilder) b = json_builder_new();
		g_autoptr(JsonNode) root = NULL;

		json_builder_begin_object(b);
		json_builder_set_member_name(b, "kvm-autonuma");
		json_builder_add_boolean_value(b, enable);
		json_builder_set_member_name(b, "autonumad-running");
		json_builder_add_boolean_value(b, running);
		json_builder_set_member_name(b, "host-enabled");
		if (running)
			json_builder_add_boolean_value(b, enable);
		else
			json_builder_add_null_value(b);
		json_builder_end_object(b);
		root = json_builder_get_root(b);
		ctl_print_json(root, TRUE);
	} else {
		printf("kvm.autonuma: %s\n", enable ? "on" : "off");
		if (running)
			printf("autonumad: host switch %s\n", enable ? "on" : "off");
	}
	return EXIT_OK;
}

static void count_vms(JsonObject *status, int *vms, int *enabled)
{
	JsonArray *a = jget_array(status, "vms");
	guint len = a ? json_array_get_length(a) : 0;

	*vms = len;
	*enabled = 0;
	for (guint i = 0; i < len; i++)
		if (jget_bool(jarray_object(a, i), "enabled") == 1)
			(*enabled)++;
}

static void add_int_or_null(JsonBuilder *b, const char *member, gboolean known,
			    gint64 value)
{
	json_builder_set_member_name(b, member);
	if (known)
		json_builder_add_int_value(b, value);
	else
		json_builder_add_null_value(b);
}

static void status_json(int kvm, const char *kvm_error, int balancing,
			JsonNode *reply, const GError *daemon_error, int vms,
			int enabled, gboolean warn)
{
	g_autoptr(JsonBuilder) b = json_builder_new();
	g_autoptr(JsonNode) root = NULL;
	JsonObject *status = reply ? json_node_get_object(reply) : NULL;
	int host = jget_bool(status, "host-enabled");

	json_builder_begin_object(b);
	json_builder_set_member_name(b, "kvm-autonuma");
	if (kvm >= 0)
		json_builder_add_boolean_value(b, kvm);
	else
		json_builder_add_null_value(b);
	if (kvm_error) {
		json_builder_set_member_name(b, "kvm-autonuma-error");
		json_builder_add_string_value(b, kvm_error);
	}
	add_int_or_null(b, "numa-balancing", balancing >= 0, balancing);
	json_builder_set_member_name(b, "autonumad-running");
	json_builder_add_boolean_value(b, reply != NULL);
	if (daemon_error) {
		json_builder_set_member_name(b, "autonumad-error");
		json_builder_add_string_value(b, daemon_error->message);
	}
	json_builder_set_member_name(b, "host-enabled");
	if (host >= 0)
		json_builder_add_boolean_value(b, host);
	else
		json_builder_add_null_value(b);
	add_int_or_null(b, "vms", reply != NULL, vms);
	add_int_or_null(b, "enabled-vms", reply != NULL, enabled);
	json_builder_set_member_name(b, "warnings");
	json_builder_begin_array(b);
	if (warn)
		json_builder_add_string_value(b, BALANCING_WARNING);
	json_builder_end_array(b);
	json_builder_set_member_name(b, "status");
	if (reply)
		json_builder_add_value(b, json_node_copy(reply));
	else
		json_builder_add_null_value(b);
	json_builder_end_object(b);
	root = json_builder_get_root(b);
	ctl_print_json(root, TRUE);
}

static int host_status(void)
{
	g_autoptr(GError) kvm_error = NULL;
	g_autoptr(GError) daemon_error = NULL;
	g_autoptr(JsonNode) reply = NULL;
	JsonObject *status = NULL;
	int kvm = read_kvm_autonuma(&kvm_error);
	int balancing = read_numa_balancing();
	int vms = 0, enabled = 0;
	gboolean warn;

	reply = ctl_call("status", &daemon_error);
	if (reply && !JSON_NODE_HOLDS_OBJECT(reply)) {
		g_set_error_literal(&daemon_error, CONTROL_ERROR, CONTROL_ERROR_PROTOCOL,
				    "autonumad's status is not a JSON object");
		g_clear_pointer(&reply, json_node_unref);
	}
	if (reply) {
		status = json_node_get_object(reply);
		count_vms(status, &vms, &enabled);
	}
	warn = balancing > 0 && enabled > 0;

	if (ctl_opts.json) {
		status_json(kvm, kvm_error ? kvm_error->message : NULL, balancing,
			    reply, daemon_error, vms, enabled, warn);
		return EXIT_OK;
	}
	if (kvm >= 0)
		printf("kvm.autonuma:           %s\n", kvm ? "on" : "off");
	else
		printf("kvm.autonuma:           unavailable (%s)\n", kvm_error->message);
	if (balancing >= 0)
		printf("kernel.numa_balancing:  %d\n", balancing);
	else
		printf("kernel.numa_balancing:  unavailable (no %s)\n",
		       NUMA_BALANCING_SYSCTL);
	if (reply)
		printf("autonumad:              running, host switch %s\n",
		       fmt_onoff(jget_bool(status, "host-enabled")));
	else if (g_error_matches(daemon_error, CONTROL_ERROR,
				 CONTROL_ERROR_NOT_RUNNING))
		printf("autonumad:              %s\n",
		       g_str_has_prefix(daemon_error->message, "autonumad is ") ?
		       daemon_error->message + strlen("autonumad is ") :
		       daemon_error->message);
	else
		printf("autonumad:              error: %s\n", daemon_error->message);
	if (reply)
		printf("VMs:                    %d (%d with kvm-autonuma enabled)\n",
		       vms, enabled);
	else
		printf("VMs:                    unknown (autonumad does not answer)\n");
	if (warn)
		printf("WARNING: %s\n", BALANCING_WARNING);
	return EXIT_OK;
}

int cmd_host(int argc, char **argv)
{
	if (!ctl_parse_options(&argc, &argv, "host on|off|status", NULL))
		return EXIT_USAGE;
	if (argc != 2)
		return ctl_usage(argc < 2 ? "host: on, off or status?" :
				 "host: too many arguments");
	if (!strcmp(argv[1], "on"))
		return host_switch(TRUE);
	if (!strcmp(argv[1], "off"))
		return host_switch(FALSE);
	if (!strcmp(argv[1], "status"))
		return host_status();
	return ctl_usage("host: unknown subcommand \"%s\"", argv[1]);
}
