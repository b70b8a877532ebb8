// SPDX-License-Identifier: GPL-2.0-or-later
#include "numa-maps.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#define NUMA_MAPS_ERROR (numa_maps_error_quark())
G_DEFINE_QUARK(numa-maps-error-quark, numa_maps_error)

static gboolean parse_u64(const char *s, int base, uint64_t *out)
{
	char *end;

	if (!*s)
		return FALSE;
	*out = g_ascii_strtoull(s, &end, base);
	return *end == '\0';
}

/* "start-end perms offset dev inode [path]" */
static gboolean parse_maps_line(const char *line, NumaMapping *m)
{
	g_auto(GStrv) f = g_strsplit_set(line, " ", 6);
	g_auto(GStrv) range = NULL;
	const char *path;

	if (g_strv_length(f) < 5)
		return FALSE;
	range = g_strsplit(f[0], "-", 2);
	if (g_strv_length(range) != 2 || !parse_u64(range[0], 16, &m->start) ||
	    !parse_u64(range[1], 16, &m->end) || m->end <= m->start)
		return FALSE;
	path = f[5] ? g_strstrip(f[5]) : "";
	/* Anonymous, or QEMU's RAM backends named by the kernel. */
	m->anon = path[0] == '\0' || g_str_has_prefix(path, "[anon");
	return TRUE;
}

/* "start policy [key=value ...]": fills page counts and page size. */
static gboolean parse_numa_line(const char *line, uint64_t *start,
				NumaMapping *m)
{
	g_auto(GStrv) f = g_strsplit(line, " ", -1);

	if (!f[0] || !parse_u64(f[0], 16, start))
		return FALSE;
	m->page_size = 4096;
	for (int i = 1; f[i]; i++) {
		const char *v = strchr(f[i], '=');
		uint64_t n, node;

		if (!v)
			continue;
		if (f[i][0] == 'N' && g_ascii_isdigit(f[i][1])) {
			g_autofree char *k = g_strndup(f[i] + 1, v - f[i] - 1);

			if (!parse_u64(k, 10, &node) || !parse_u64(v + 1, 10, &n))
				return FALSE;
			if (node < NUMA_MAPS_MAX_NODES)
				m->pages[node] = n;
		} else if (g_str_has_prefix(f[i], "kernelpagesize_kB=")) {
			if (!parse_u64(v + 1, 10, &n) || !n)
				return FALSE;
			m->page_size = n * 1024;
		}
	}
	return TRUE;
}

GArray *numa_maps_parse(const char *maps, const char *numa_maps,
			GError **error)
{
	g_autoptr(GArray) out = g_array_new(FALSE, TRUE, sizeof(NumaMapping));
	g_autoptr(GHashTable) by_start = g_hash_table_new(g_int64_hash,
							  g_int64_equal);
	g_auto(GStrv) ml = g_strsplit(maps, "\n", -1);
	g_auto(GStrv) nl = g_strsplit(numa_maps, "\n", -1);

	for (int i = 0; ml[i]; i++) {
		NumaMapping m = { 0 };

		if (!*ml[i])
			continue;
		if (!parse_maps_line(ml[i], &m)) {
			g_set_error(error, NUMA_MAPS_ERROR, 1,
				    "maps line %d unreadable: %s", i + 1, ml[i]);
			return NULL;
		}
		g_array_append_val(out, m);
	}
	/* Index after the array stops growing: keys point into it. */
	for (guint i = 0; i < out->len; i++) {
		NumaMapping *m = &g_array_index(out, NumaMapping, i);

		g_hash_table_insert(by_start, &m->start, m);
	}
	for (int i = 0; nl[i]; i++) {
		NumaMapping parsed = { 0 }, *m;
		uint64_t start;

		if (!*nl[i])
			continue;
		if (!parse_numa_line(nl[i], &start, &parsed)) {
			g_set_error(error, NUMA_MAPS_ERROR, 2,
				    "numa_maps line %d unreadable: %s", i + 1,
				    nl[i]);
			return NULL;
		}
		/* A mapping that appeared between the two reads: skip it. */
		m = g_hash_table_lookup(by_start, &start);
		if (!m)
			continue;
		m->page_size = parsed.page_size;
		memcpy(m->pages, parsed.pages, sizeof(m->pages));
	}
	return g_steal_pointer(&out);
}

GArray *numa_maps_read(int pid, GError **error)
{
	g_autofree char *mp = g_strdup_printf("/proc/%d/maps", pid);
	g_autofree char *np = g_strdup_printf("/proc/%d/numa_maps", pid);
	g_autofree char *maps = NULL, *numa = NULL;

	if (!g_file_get_contents(mp, &maps, NULL, error) ||
	    !g_file_get_contents(np, &numa, NULL, error))
		return NULL;
	return numa_maps_parse(maps, numa, error);
}

void numa_maps_sum(GArray *mappings, uint64_t min_size,
		   uint64_t bytes[NUMA_MAPS_MAX_NODES])
{
	memset(bytes, 0, sizeof(uint64_t) * NUMA_MAPS_MAX_NODES);
	for (guint i = 0; i < mappings->len; i++) {
		NumaMapping *m = &g_array_index(mappings, NumaMapping, i);

		if (!m->anon || m->end - m->start < min_size)
			continue;
		for (int n = 0; n < NUMA_MAPS_MAX_NODES; n++)
			bytes[n] += m->pages[n] * m->page_size;
	}
}
