/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The per-VM switch in a libvirt domain's <metadata>:
 *
 *   <autonuma:autonuma xmlns:autonuma="urn:kvm-autonuma:libvirt:1.0"
 *                      state="on" placement="auto" scan-period-min="1000"/>
 *
 * Schema: libvirt-xml/autonuma.rng.
 */
#pragma once

#include <glib.h>

#define AUTONUMA_XML_NS "urn:kvm-autonuma:libvirt:1.0"
#define AUTONUMA_XML_KEY "autonuma"

/* Tunables with the names and bounds of QMP set-autonuma. */
typedef enum {
	AUTONUMA_SCAN_PERIOD_MIN,
	AUTONUMA_SCAN_PERIOD_MAX,
	AUTONUMA_SCAN_WINDOW,
	AUTONUMA_HINT_PERCENT,
	AUTONUMA_MIGRATE_RATE,
	AUTONUMA_FREE_WATERMARK,
	AUTONUMA_NR_TUNABLES
} AutonumaTunable;

typedef struct {
	gboolean enabled;               /* state="on" */
	gboolean placement;             /* placement="auto": autonumad pins vCPUs */
	gboolean has[AUTONUMA_NR_TUNABLES];
	guint32 value[AUTONUMA_NR_TUNABLES];
} AutonumaSettings;

#define AUTONUMA_ERROR (autonuma_error_quark())
GQuark autonuma_error_quark(void);
enum { AUTONUMA_ERROR_INVALID };

/* The QMP/XML attribute name of @t ("scan-period-min", ...). */
const char *autonuma_tunable_name(AutonumaTunable t);

/*
 * Check @value against @t's bounds (min <= max is checked by
 * autonuma_settings_parse); FALSE with an error naming the tunable.
 */
gboolean autonuma_tunable_check(AutonumaTunable t, guint64 value,
				GError **error);

/*
 * Parse the element as libvirt's virDomainGetMetadata() returns it (no
 * namespace) or as written in a domain's XML (ours declared).  On
 * failure @s is untouched and @error says what is wrong (malformed XML,
 * wrong element or namespace, unknown attribute, value out of range).
 */
gboolean autonuma_settings_parse(const char *xml, AutonumaSettings *s,
				 GError **error);

/*
 * The element without a namespace, as virDomainSetMetadata() takes it
 * (with AUTONUMA_XML_KEY and AUTONUMA_XML_NS as its key and URI).
 */
char *autonuma_settings_format(const AutonumaSettings *s);
