// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * autonumad: host-wide placement of kvm-autonuma VMs.  See autonumad(8).
 */
#include <glib-unix.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "daemon.h"

static char *opt_config = NULL;
static char *opt_socket = NULL;
static gboolean opt_verbose;
static gboolean opt_foreground = TRUE;
static gboolean opt_check;

static const GOptionEntry entries[] = {
	{ "config", 'c', 0, G_OPTION_ARG_FILENAME, &opt_config,
	  "configuration file (default " AUTONUMAD_CONFIG ", if it exists)", "FILE" },
	{ "control-socket", 's', 0, G_OPTION_ARG_FILENAME, &opt_socket,
	  "control socket, overriding the configuration", "PATH" },
	{ "foreground", 'f', 0, G_OPTION_ARG_NONE, &opt_foreground,
	  "run in the foreground (the only mode: systemd supervises it)", NULL },
	{ "check-config", 0, 0, G_OPTION_ARG_NONE, &opt_check,
	  "check the configuration file and exit", NULL },
	{ "verbose", 'v', 0, G_OPTION_ARG_NONE, &opt_verbose,
	  "log debug messages too", NULL },
	{ NULL }
};

/*
 * One line per event: to the journal when systemd connected stderr to it,
 * else "TIME LEVEL: message" on stderr (GLib's default adds "**" and
 * blank lines).
 */
static GLogWriterOutput log_writer(GLogLevelFlags level, const GLogField *fields,
				   gsize n, gpointer data)
{
	const char *msg = NULL, *what;
	g_autoptr(GDateTime) now = NULL;
	g_autofree char *stamp = NULL;

	if (g_log_writer_is_journald(fileno(stderr)))
		return g_log_writer_journald(level, fields, n, data);
	if ((level & G_LOG_LEVEL_DEBUG) && !opt_verbose)
		return G_LOG_WRITER_HANDLED;
	for (gsize i = 0; i < n; i++)
		if (!strcmp(fields[i].key, "MESSAGE"))
			msg = fields[i].value;
	what = level & (G_LOG_LEVEL_ERROR | G_LOG_LEVEL_CRITICAL) ? "error" :
	       level & G_LOG_LEVEL_WARNING ? "warning" :
	       level & G_LOG_LEVEL_DEBUG ? "debug" : "info";
	now = g_date_time_new_now_local();
	stamp = g_date_time_format(now, "%H:%M:%S.%f");
	stamp[12] = '\0';      /* milliseconds */
	fprintf(stderr, "%s %s: %s\n", stamp, what, msg ? msg : "");
	return G_LOG_WRITER_HANDLED;
}

static Config *load(const char *path, gboolean must_exist, GError **error)
{
	Config *c;

	if (!must_exist && !g_file_test(path, G_FILE_TEST_EXISTS))
		c = config_new();
	else
		c = config_load(path, error);
	if (c && opt_socket) {
		g_free(c->control_socket);
		c->control_socket = g_strdup(opt_socket);
	}
	return c;
}

static gboolean on_quit(gpointer data)
{
	Daemon *d = data;

	g_message("stopping on a signal; vCPU pins and VM settings stay as they are");
	g_main_loop_quit(d->loop);
	return G_SOURCE_CONTINUE;
}

/* SIGHUP: a new configuration, or the old one kept with the reason. */
static gboolean on_reload(gpointer data)
{
	Daemon *d = data;
	g_autoptr(GError) error = NULL;
	Config *c = load(d->config_path, FALSE, &error);

	if (!c) {
		g_warning("reload: %s; keeping the previous configuration",
			  error->message);
		return G_SOURCE_CONTINUE;
	}
	if (g_strcmp0(c->control_socket, d->config->control_socket) ||
	    g_strcmp0(c->libvirt_uri, d->config->libvirt_uri) ||
	    c->overcommit != d->config->overcommit)
		g_warning("reload: control-socket, libvirt-uri and overcommit take effect at restart");
	g_free(c->control_socket);
	c->control_socket = g_strdup(d->config->control_socket);
	g_free(c->libvirt_uri);
	c->libvirt_uri = g_strdup(d->config->libvirt_uri);
	c->overcommit = d->config->overcommit;
	config_free(d->config);
	d->config = c;
	g_clear_handle_id(&d->tick_id, g_source_remove);
	d->tick_id = g_timeout_add(c->period_ms, daemon_tick_cb, d);
	qmp_vms_sync(d);
	g_message("reloaded %s", d->config_path);
	return G_SOURCE_CONTINUE;
}

int main(int argc, char **argv)
{
	g_autoptr(GOptionContext) ctx =
		g_option_context_new("- NUMA placement of kvm-autonuma VMs");
	g_autoptr(GError) error = NULL;
	g_autoptr(GMainLoop) loop = NULL;
	Daemon d = { 0 };

	g_option_context_add_main_entries(ctx, entries, NULL);
	g_option_context_set_description(ctx, "See autonumad(8).");
	if (!g_option_context_parse(ctx, &argc, &argv, &error)) {
		g_printerr("autonumad: %s\n", error->message);
		return 2;
	}
	if (argc > 1) {
		g_printerr("autonumad: unexpected argument \"%s\"\n", argv[1]);
		return 2;
	}
	g_log_set_writer_func(log_writer, NULL, NULL);
	d.config_path = opt_config ? opt_config : g_strdup(AUTONUMAD_CONFIG);
	d.config = load(d.config_path, opt_config != NULL, &error);
	if (!d.config) {
		g_printerr("autonumad: %s\n", error->message);
		return 1;
	}
	if (opt_check) {
		printf("%s: ok, %u VMs\n", d.config_path, d.config->vms->len);
		return 0;
	}

	loop = g_main_loop_new(NULL, FALSE);
	d.loop = loop;
	if (!daemon_start(&d, &error)) {
		g_printerr("autonumad: %s\n", error->message);
		return 1;
	}
	g_unix_signal_add(SIGTERM, on_quit, &d);
	g_unix_signal_add(SIGINT, on_quit, &d);
	g_unix_signal_add(SIGHUP, on_reload, &d);
	g_main_loop_run(loop);
	daemon_stop(&d);
	config_free(d.config);
	g_free(d.config_path);
	return 0;
}
