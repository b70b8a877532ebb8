/* SPDX-License-Identifier: GPL-2.0-or-later */
/* autonumad's configuration file (GKeyFile); see autonumad(8). */
#pragma once

#include <glib.h>

#include "metadata.h"

#define AUTONUMAD_CONFIG "/etc/kvm-autonuma/autonumad.conf"

/* A plain QEMU instance, found by its QMP socket: [vm NAME]. */
typedef struct {
	char *name;
	char *qmp;
	AutonumaSettings settings;
} ConfigVm;

typedef struct {
	guint period_ms;
	guint anti_thrash_ms;
	guint min_faults;
	double overcommit;
	guint qmp_timeout_ms;
	gboolean placement;
	char *libvirt_uri;              /* NULL: no libvirt */
	char *control_socket;
	char *metrics_textfile;         /* NULL: none */
	GPtrArray *vms;                 /* ConfigVm */
} Config;

/* The defaults, as with an empty file. */
Config *config_new(void);
void config_free(Config *c);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(Config, config_free)

/*
 * Parse @data (the text of @path, which only names it in errors).  Any
 * bad, unknown or missing value fails the whole file with an error of
 * the form "PATH: [group] key: what is wrong".
 */
Config *config_parse(const char *path, const char *data, GError **error);
Config *config_load(const char *path, GError **error);
