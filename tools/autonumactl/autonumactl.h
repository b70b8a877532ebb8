/* SPDX-License-Identifier: GPL-2.0-or-later */
/* autonumactl: what its commands share. */
#pragma once

#include <glib.h>
#include <json-glib/json-glib.h>

/* Overridable at build time, for tests on a host without kvm-autonuma. */
#ifndef KVM_AUTONUMA_PARAM
#define KVM_AUTONUMA_PARAM "/sys/module/kvm/parameters/autonuma"
#endif
#ifndef NUMA_BALANCING_SYSCTL
#define NUMA_BALANCING_SYSCTL "/proc/sys/kernel/numa_balancing"
#endif
#define DEFAULT_LIBVIRT_URI "qemu:///system"
#define CONTROL_TIMEOUT_MS 5000

/* Exit codes. */
enum { EXIT_OK = 0, EXIT_RUNTIME = 1, EXIT_USAGE = 2 };

typedef struct {
	gboolean json;                  /* --json */
	char *control_socket;           /* --control-socket */
	char *connect_uri;              /* --connect */
} CtlOptions;

extern CtlOptions ctl_opts;

/* main.c */
/* Print "autonumactl: MESSAGE" (if any) and the usage on stderr; EXIT_USAGE. */
int ctl_usage(const char *fmt, ...) G_GNUC_PRINTF(1, 2);
void ctl_error(const char *fmt, ...) G_GNUC_PRINTF(1, 2);
void ctl_warning(const char *fmt, ...) G_GNUC_PRINTF(1, 2);
/*
 * Parse a command's own options (@extra, may be NULL) together with the
 * global ones, so that "autonumactl vm list --json" works too.  @argv[0]
 * is the command's name; the operands are left in @argv[1..].
 */
gboolean ctl_parse_options(int *argc, char ***argv, const char *syntax,
			   const GOptionEntry *extra);

/* util.c */
const char *ctl_socket_path(void);
/* {"command": @command} to autonumad; its "return" member. */
JsonNode *ctl_call(const char *command, GError **error);
JsonNode *ctl_call_request(JsonNode *request, GError **error);
void ctl_print_json(JsonNode *node, gboolean pretty);

/* Members of a reply; @def when missing, null or of the wrong type. */
gint64 jget_int(JsonObject *o, const char *member, gint64 def);
gboolean jget_double(JsonObject *o, const char *member, double *value);
int jget_bool(JsonObject *o, const char *member);       /* -1: missing */
const char *jget_string(JsonObject *o, const char *member, const char *def);
JsonArray *jget_array(JsonObject *o, const char *member);
JsonObject *jget_object(JsonObject *o, const char *member);
JsonObject *jarray_object(JsonArray *a, guint i);

/* Formatting that prints "-" for what the reply does not say. */
char *fmt_double(JsonObject *o, const char *member, double scale,
		 const char *fmt);
char *fmt_node(JsonObject *o, const char *member);      /* -1 -> "-" */
char *fmt_mib(JsonObject *o, const char *member, double unit);
char *fmt_int_list(JsonArray *a, const char *sep);
const char *fmt_onoff(int b);

/* The VM called @name in a status reply, or NULL. */
JsonObject *status_find_vm(JsonObject *status, const char *name);

/* Host facts.  kvm.autonuma: 1, 0, -1 (error set); numa_balancing: -1 if unknown. */
int read_kvm_autonuma(GError **error);
int read_numa_balancing(void);

/* Commands. */
int cmd_host(int argc, char **argv);
int cmd_vm(int argc, char **argv);
int cmd_top(int argc, char **argv);
int cmd_metrics(int argc, char **argv);
