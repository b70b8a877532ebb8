// SPDX-License-Identifier: GPL-2.0-or-later
#include "topology.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#define TOPOLOGY_ERROR (topology_error_quark())
G_DEFINE_QUARK(topology-error-quark, topology_error)

gboolean cpulist_parse(const char *list, int nr_cpus, guint8 *bits,
		       GError **error)
{
	g_autofree char *copy = g_strstrip(g_strdup(list));
	g_auto(GStrv) parts = g_strsplit(copy, ",", -1);

	memset(bits, 0, nr_cpus);
	if (!*copy)
		return TRUE;
	for (int i = 0; parts[i]; i++) {
		guint64 a, b;
		const char *dash = strchr(parts[i], '-');
		g_autofree char *lo = g_strndup(parts[i],
				dash ? (gsize)(dash - parts[i]) : strlen(parts[i]));

		if (!g_ascii_string_to_unsigned(lo, 10, 0, nr_cpus - 1, &a, NULL) ||
		    !g_ascii_string_to_unsigned(dash ? dash + 1 : lo, 10, a,
						nr_cpus - 1, &b, NULL)) {
			g_set_error(error, TOPOLOGY_ERROR, EINVAL,
				    "bad cpulist \"%s\" (%d CPUs)", list, nr_cpus);
			return FALSE;
		}
		for (guint64 c = a; c <= b; c++)
			bits[c] = 1;
	}
	return TRUE;
}

char *cpulist_format(const guint8 *bits, int nr_cpus)
{
	GString *s = g_string_new(NULL);

	for (int c = 0; c < nr_cpus; c++) {
		int e = c;

		if (!bits[c])
			continue;
		while (e + 1 < nr_cpus && bits[e + 1])
			e++;
		g_string_append_printf(s, "%s%d", s->len ? "," : "", c);
		if (e > c)
			g_string_append_printf(s, "-%d", e);
		c = e;
	}
	return g_string_free(s, FALSE);
}

static gboolean read_list(const char *path, int nr_cpus, guint8 *bits,
			  GError **error)
{
	g_autofree char *text = NULL;

	return g_file_get_contents(path, &text, NULL, error) &&
	       cpulist_parse(text, nr_cpus, bits, error);
}

/* Highest entry of a cpulist file, plus one. */
static int list_span(const char *path, GError **error)
{
	g_autofree char *text = NULL;
	const char *last;

	if (!g_file_get_contents(path, &text, NULL, error))
		return -1;
	g_strstrip(text);
	last = strrchr(text, '-');
	if (!last)
		last = strrchr(text, ',');
	last = last ? last + 1 : text;
	return atoi(last) + 1;
}

Topology *topology_read(const char *sysfs, GError **error)
{
	g_autoptr(Topology) t = g_new0(Topology, 1);
	g_autofree char *cpus = g_build_filename(sysfs, "devices/system/cpu/possible", NULL);
	g_autofree char *nodes = g_build_filename(sysfs, "devices/system/node/online", NULL);
	g_autofree guint8 *bits = NULL;
	g_autofree guint8 *online = NULL;

	t->nr_cpus = list_span(cpus, error);
	if (t->nr_cpus <= 0)
		return NULL;
	t->nr_nodes = list_span(nodes, error);
	if (t->nr_nodes <= 0)
		return NULL;
	t->cpu_node = g_new(int, t->nr_cpus);
	for (int c = 0; c < t->nr_cpus; c++)
		t->cpu_node[c] = -1;

	online = g_new0(guint8, t->nr_nodes);
	if (!read_list(nodes, t->nr_nodes, online, error))
		return NULL;
	bits = g_new0(guint8, t->nr_cpus);
	for (int n = 0; n < t->nr_nodes; n++) {
		g_autofree char *p = NULL;

		if (!online[n])
			continue;
		p = g_strdup_printf("%s/devices/system/node/node%d/cpulist", sysfs, n);
		if (!read_list(p, t->nr_cpus, bits, error))
			return NULL;
		for (int c = 0; c < t->nr_cpus; c++)
			if (bits[c])
				t->cpu_node[c] = n;
	}
	return g_steal_pointer(&t);
}

void topology_free(Topology *t)
{
	if (!t)
		return;
	g_free(t->cpu_node);
	g_free(t);
}
