// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * autonumactl: switch kvm-autonuma on and off, host-wide and per VM, and
 * watch what autonumad does (status, per-vCPU statistics, a live view,
 * metrics).  See autonumactl(8) and tools/doc/control-protocol.md.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "autonumactl.h"
#include "control-client.h"

CtlOptions ctl_opts;

#define COMMANDS_TEXT \
	"Commands:\n" \
	"  host on|off              switch kvm-autonuma on or off for the whole host\n" \
	"  host status              kvm.autonuma, numa_balancing, autonumad and its VMs\n" \
	"  vm list                  the VMs autonumad sees\n" \
	"  vm enable|disable DOMAIN switch kvm-autonuma on or off for one VM\n" \
	"  vm stats DOMAIN          one VM's memory and vCPU placement\n" \
	"  top [--interval SEC] [--iterations N]\n" \
	"                           live view of every VM and vCPU\n" \
	"  metrics                  autonumad's metrics, Prometheus text format\n"

static const char usage_text[] =
	"Usage: autonumactl [--json] [--control-socket PATH] [--connect URI] COMMAND\n"
	"\n"
	COMMANDS_TEXT
	"\n"
	"Options:\n"
	"  --json                   print JSON instead of text\n"
	"  --control-socket PATH    autonumad's socket (default "
	AUTONUMAD_CONTROL_SOCKET ")\n"
	"  --connect URI            libvirt URI (default " DEFAULT_LIBVIRT_URI ")\n";

static const GOptionEntry global_entries[] = {
	{ "json", 'j', 0, G_OPTION_ARG_NONE, &ctl_opts.json,
	  "Print JSON instead of text", NULL },
	{ "control-socket", 's', 0, G_OPTION_ARG_FILENAME, &ctl_opts.control_socket,
	  "autonumad's socket (default " AUTONUMAD_CONTROL_SOCKET ")", "PATH" },
	{ "connect", 'c', 0, G_OPTION_ARG_STRING, &ctl_opts.connect_uri,
	  "libvirt URI (default " DEFAULT_LIBVIRT_URI ")", "URI" },
	{ NULL }
};

static void vmessage(const char *prefix, const char *fmt, va_list ap)
{
	g_autofree char *msg = g_strdup_vprintf(fmt, ap);

	fflush(stdout);
	fprintf(stderr, "autonumactl: %s%s\n", prefix, msg);
}

int ctl_usage(const char *fmt, ...)
{
	va_list ap;

	if (fmt) {
		va_start(ap, fmt);
		vmessage("", fmt, ap);
		va_end(ap);
	}
	fputs(usage_text, stderr);
	return EXIT_USAGE;
}

void ctl_error(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vmessage("", fmt, ap);
	va_end(ap);
}

void ctl_warning(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vmessage("warning: ", fmt, ap);
	va_end(ap);
}

gboolean ctl_parse_options(int *argc, char ***argv, const char *syntax,
			   const GOptionEntry *extra)
{
	g_autoptr(GOptionContext) ctx = g_option_context_new(syntax);
	g_autoptr(GError) error = NULL;

	g_option_context_add_main_entries(ctx, global_entries, NULL);
	if (extra)
		g_option_context_add_main_entries(ctx, extra, NULL);
	if (!g_option_context_parse(ctx, argc, argv, &error)) {
		ctl_usage("%s", error->message);
		return FALSE;
	}
	/* GOption leaves the "--" before operands that start with '-'. */
	for (int i = 1; i < *argc; i++) {
		if (strcmp((*argv)[i], "--"))
			continue;
		memmove(&(*argv)[i], &(*argv)[i + 1], (*argc - i) * sizeof(char *));
		(*argc)--;
		break;
	}
	return TRUE;
}

static const struct {
	const char *name;
	int (*fn)(int argc, char **argv);
} commands[] = {
	{ "host", cmd_host },
	{ "vm", cmd_vm },
	{ "top", cmd_top },
	{ "metrics", cmd_metrics },
};

int main(int argc, char **argv)
{
	g_autoptr(GOptionContext) ctx = g_option_context_new("COMMAND [ARG...]");
	g_autoptr(GError) error = NULL;

	g_option_context_set_summary(ctx,
		"Switch kvm-autonuma on and off and watch autonumad's NUMA placement.");
	g_option_context_set_description(ctx, COMMANDS_TEXT);
	/* Global options come before COMMAND; the command parses the rest. */
	g_option_context_set_strict_posix(ctx, TRUE);
	g_option_context_add_main_entries(ctx, global_entries, NULL);
	if (!g_option_context_parse(ctx, &argc, &argv, &error))
		return ctl_usage("%s", error->message);
	if (argc > 1 && !strcmp(argv[1], "--")) {
		argv++;
		argc--;
	}
	if (argc < 2)
		return ctl_usage("no command");
	for (gsize i = 0; i < G_N_ELEMENTS(commands); i++)
		if (!strcmp(argv[1], commands[i].name))
			return commands[i].fn(argc - 1, argv + 1);
	return ctl_usage("unknown command \"%s\"", argv[1]);
}
