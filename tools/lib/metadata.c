// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The <autonuma:autonuma/> element of a libvirt domain's <metadata>.
 * virDomainGetMetadata() hands it back without a namespace (the caller
 * named it), and virDomainSetMetadata() wants it without one (libvirt adds
 * its own prefix), so that is the form parsed and formatted here.  An
 * element that does declare a namespace must declare ours: GMarkup has no
 * namespaces, so that is checked by hand.
 */
#include <string.h>

#include "metadata.h"

G_DEFINE_QUARK(autonuma-error-quark, autonuma_error)

static const struct {
	const char *name;
	guint64 min, max;
} tunables[AUTONUMA_NR_TUNABLES] = {
	[AUTONUMA_SCAN_PERIOD_MIN] = { "scan-period-min", 10, 600000 },
	[AUTONUMA_SCAN_PERIOD_MAX] = { "scan-period-max", 10, 600000 },
	[AUTONUMA_SCAN_WINDOW] = { "scan-window", 1, 1048576 },
	[AUTONUMA_HINT_PERCENT] = { "hint-percent", 0, 100 },
	[AUTONUMA_MIGRATE_RATE] = { "migrate-rate", 0, G_MAXUINT32 },
	[AUTONUMA_FREE_WATERMARK] = { "free-watermark", 0, G_MAXUINT32 },
};

const char *autonuma_tunable_name(AutonumaTunable t)
{
	return tunables[t].name;
}

gboolean autonuma_tunable_check(AutonumaTunable t, guint64 value,
				GError **error)
{
	if (value < tunables[t].min || value > tunables[t].max) {
		g_set_error(error, AUTONUMA_ERROR, AUTONUMA_ERROR_INVALID,
			    "%s must be %" G_GUINT64_FORMAT " to %" G_GUINT64_FORMAT
			    ", not %" G_GUINT64_FORMAT, tunables[t].name,
			    tunables[t].min, tunables[t].max, value);
		return FALSE;
	}
	return TRUE;
}

static gboolean parse_onoff(const char *attr, const char *value,
			    const char *on, const char *off, gboolean *out,
			    GError **error)
{
	if (!g_strcmp0(value, on))
		*out = TRUE;
	else if (!g_strcmp0(value, off))
		*out = FALSE;
	else {
		g_set_error(error, AUTONUMA_ERROR, AUTONUMA_ERROR_INVALID,
			    "%s must be \"%s\" or \"%s\", not \"%s\"", attr, on,
			    off, value);
		return FALSE;
	}
	return TRUE;
}

typedef struct {
	AutonumaSettings s;
	gboolean seen;
	gboolean has_state;
} ParseState;

static gboolean parse_attr(ParseState *ps, const char *name, const char *value,
			   GError **error)
{
	guint64 v;

	if (!strcmp(name, "state")) {
		ps->has_state = TRUE;
		return parse_onoff(name, value, "on", "off", &ps->s.enabled, error);
	}
	if (!strcmp(name, "placement"))
		return parse_onoff(name, value, "auto", "off", &ps->s.placement,
				   error);
	for (int t = 0; t < AUTONUMA_NR_TUNABLES; t++) {
		if (strcmp(name, tunables[t].name))
			continue;
		if (!g_ascii_string_to_unsigned(value, 10, 0, G_MAXUINT64, &v,
						NULL)) {
			g_set_error(error, AUTONUMA_ERROR, AUTONUMA_ERROR_INVALID,
				    "%s must be a number, not \"%s\"", name, value);
			return FALSE;
		}
		if (!autonuma_tunable_check(t, v, error))
			return FALSE;
		ps->s.has[t] = TRUE;
		ps->s.value[t] = v;
		return TRUE;
	}
	g_set_error(error, AUTONUMA_ERROR, AUTONUMA_ERROR_INVALID,
		    "unknown attribute \"%s\"", name);
	return FALSE;
}

static void start_element(GMarkupParseContext *ctx, const char *element,
			  const char **names, const char **values,
			  gpointer data, GError **error)
{
	ParseState *ps = data;
	const char *colon = strchr(element, ':');
	g_autofree char *xmlns = colon ?
		g_strdup_printf("xmlns:%.*s", (int)(colon - element), element) :
		g_strdup("xmlns");
	const char *local = colon ? colon + 1 : element;
	gboolean ns_ok = TRUE;

	if (ps->seen) {
		g_set_error(error, AUTONUMA_ERROR, AUTONUMA_ERROR_INVALID,
			    "<%s> has no child elements", AUTONUMA_XML_KEY);
		return;
	}
	ps->seen = TRUE;
	for (int i = 0; names[i]; i++)
		if (!strcmp(names[i], xmlns))
			ns_ok = !strcmp(values[i], AUTONUMA_XML_NS);
	/* A prefix must be bound to our namespace; no prefix may be unbound. */
	if (colon && !g_strv_contains((const char *const *)names, xmlns))
		ns_ok = FALSE;
	if (strcmp(local, AUTONUMA_XML_KEY) || !ns_ok) {
		g_set_error(error, AUTONUMA_ERROR, AUTONUMA_ERROR_INVALID,
			    "expected <%s> in namespace %s, found <%s>",
			    AUTONUMA_XML_KEY, AUTONUMA_XML_NS, element);
		return;
	}
	for (int i = 0; names[i]; i++) {
		if (g_str_has_prefix(names[i], "xmlns"))
			continue;
		if (!parse_attr(ps, names[i], values[i], error))
			return;
	}
	if (!ps->has_state)
		g_set_error(error, AUTONUMA_ERROR, AUTONUMA_ERROR_INVALID,
			    "attribute \"state\" (on or off) is required");
}

static void text(GMarkupParseContext *ctx, const char *text, gsize len,
		 gpointer data, GError **error)
{
	for (gsize i = 0; i < len; i++) {
		if (!g_ascii_isspace(text[i])) {
			g_set_error(error, AUTONUMA_ERROR, AUTONUMA_ERROR_INVALID,
				    "<%s> holds no text", AUTONUMA_XML_KEY);
			return;
		}
	}
}

gboolean autonuma_settings_parse(const char *xml, AutonumaSettings *s,
				 GError **error)
{
	static const GMarkupParser parser = {
		.start_element = start_element,
		.text = text,
	};
	ParseState ps = { .s = { .placement = TRUE } };
	g_autoptr(GMarkupParseContext) ctx =
		g_markup_parse_context_new(&parser, 0, &ps, NULL);
	g_autoptr(GError) err = NULL;

	if (!g_markup_parse_context_parse(ctx, xml, -1, &err) ||
	    !g_markup_parse_context_end_parse(ctx, &err)) {
		g_set_error(error, AUTONUMA_ERROR, AUTONUMA_ERROR_INVALID,
			    "bad <autonuma:%s> metadata: %s", AUTONUMA_XML_KEY,
			    err->message);
		return FALSE;
	}
	if (!ps.seen) {
		g_set_error(error, AUTONUMA_ERROR, AUTONUMA_ERROR_INVALID,
			    "no <autonuma:%s> element", AUTONUMA_XML_KEY);
		return FALSE;
	}
	if (ps.s.has[AUTONUMA_SCAN_PERIOD_MIN] &&
	    ps.s.has[AUTONUMA_SCAN_PERIOD_MAX] &&
	    ps.s.value[AUTONUMA_SCAN_PERIOD_MIN] >
	    ps.s.value[AUTONUMA_SCAN_PERIOD_MAX]) {
		g_set_error(error, AUTONUMA_ERROR, AUTONUMA_ERROR_INVALID,
			    "bad <autonuma:%s> metadata: scan-period-min %u is above scan-period-max %u",
			    AUTONUMA_XML_KEY, ps.s.value[AUTONUMA_SCAN_PERIOD_MIN],
			    ps.s.value[AUTONUMA_SCAN_PERIOD_MAX]);
		return FALSE;
	}
	*s = ps.s;
	return TRUE;
}

char *autonuma_settings_format(const AutonumaSettings *s)
{
	GString *xml = g_string_new(NULL);

	g_string_append_printf(xml, "<%s state=\"%s\" placement=\"%s\"",
			       AUTONUMA_XML_KEY, s->enabled ? "on" : "off",
			       s->placement ? "auto" : "off");
	for (int t = 0; t < AUTONUMA_NR_TUNABLES; t++)
		if (s->has[t])
			g_string_append_printf(xml, " %s=\"%u\"", tunables[t].name,
					       s->value[t]);
	g_string_append(xml, "/>");
	return g_string_free(xml, FALSE);
}
