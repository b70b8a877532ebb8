// SPDX-License-Identifier: GPL-2.0-or-later
/* Unit tests of tools/lib: the parsers every tool relies on. */
#include <glib.h>
#include <glib/gstdio.h>
#include <string.h>
#include <unistd.h>

#include "numa-maps.h"
#include "threads.h"
#include "topology.h"

/* A QEMU-like process: guest RAM (THP-backed, split over two nodes), a
 * small heap, a file mapping and a hugetlbfs mapping. */
static const char maps_text[] =
	"55d0c0000000-55d0c0100000 r-xp 00000000 08:01 1234 /usr/bin/qemu-system-x86_64\n"
	"55d0c2000000-55d0c2200000 rw-p 00000000 00:00 0 [heap]\n"
	"7f0000000000-7f0020000000 rw-p 00000000 00:00 0 \n"
	"7f1000000000-7f1000400000 rw-s 00000000 00:10 99 /dev/hugepages/ram\n"
	"7f2000000000-7f2000021000 rw-p 00000000 00:00 0\n";

static const char numa_text[] =
	"55d0c0000000 default file=/usr/bin/qemu-system-x86_64 mapped=200 N0=200 kernelpagesize_kB=4\n"
	"55d0c2000000 default heap anon=10 dirty=10 N1=10 kernelpagesize_kB=4\n"
	"7f0000000000 default anon=131072 dirty=131072 N0=98304 N1=32768 kernelpagesize_kB=4\n"
	"7f1000000000 default file=/dev/hugepages/ram huge dirty=2 N1=2 kernelpagesize_kB=2048\n"
	"7f2000000000 default anon=3 dirty=3 N3=3 kernelpagesize_kB=4\n";

static void test_numa_maps_parse(void)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(GArray) m = numa_maps_parse(maps_text, numa_text, &error);
	NumaMapping *ram;

	g_assert_no_error(error);
	g_assert_cmpuint(m->len, ==, 5);
	ram = &g_array_index(m, NumaMapping, 2);
	g_assert_true(ram->anon);
	g_assert_cmphex(ram->start, ==, 0x7f0000000000);
	g_assert_cmpuint(ram->end - ram->start, ==, 512u << 20);
	g_assert_cmpuint(ram->pages[0], ==, 98304);
	g_assert_cmpuint(ram->pages[1], ==, 32768);
	g_assert_false(g_array_index(m, NumaMapping, 0).anon);
	g_assert_cmpuint(g_array_index(m, NumaMapping, 3).page_size, ==, 2u << 20);
	g_assert_cmpuint(g_array_index(m, NumaMapping, 4).pages[3], ==, 3);
}

static void test_numa_maps_sum(void)
{
	g_autoptr(GArray) m = numa_maps_parse(maps_text, numa_text, NULL);
	uint64_t bytes[NUMA_MAPS_MAX_NODES];

	/* Only the 512 MiB guest RAM is at least 64 MiB and anonymous. */
	numa_maps_sum(m, 64u << 20, bytes);
	g_assert_cmpuint(bytes[0], ==, 384u << 20);
	g_assert_cmpuint(bytes[1], ==, 128u << 20);
	g_assert_cmpuint(bytes[3], ==, 0);
	/* Any size: the small mapping counts too, [heap] never does. */
	numa_maps_sum(m, 0, bytes);
	g_assert_cmpuint(bytes[1], ==, 128u << 20);
	g_assert_cmpuint(bytes[3], ==, 3 * 4096);
}

static void test_numa_maps_vanished(void)
{
	/* numa_maps read after maps may list a mapping maps did not have. */
	g_autoptr(GError) error = NULL;
	g_autoptr(GArray) m = numa_maps_parse(
		"7f0000000000-7f0000100000 rw-p 00000000 00:00 0\n",
		"7e0000000000 default anon=1 N0=1 kernelpagesize_kB=4\n"
		"7f0000000000 default anon=5 N1=5 kernelpagesize_kB=4\n", &error);

	g_assert_no_error(error);
	g_assert_cmpuint(m->len, ==, 1);
	g_assert_cmpuint(g_array_index(m, NumaMapping, 0).pages[1], ==, 5);
}

static void test_numa_maps_garbage(void)
{
	GError *error = NULL;

	g_assert_null(numa_maps_parse("zzz\n", "", &error));
	g_assert_nonnull(error);
	g_assert_nonnull(strstr(error->message, "maps line 1"));
	g_clear_error(&error);
	g_assert_null(numa_maps_parse("", "7f00 default N0=x\n", &error));
	g_assert_nonnull(strstr(error->message, "numa_maps line 1"));
	g_clear_error(&error);
	g_assert_null(numa_maps_parse("", "7f00 default kernelpagesize_kB=0\n", &error));
	g_clear_error(&error);
}

static void test_cpulist(void)
{
	guint8 bits[16];
	g_autofree char *s = NULL;
	GError *error = NULL;

	g_assert_true(cpulist_parse("0-3,8,10-11\n", 16, bits, &error));
	g_assert_cmpint(bits[0] + bits[3] + bits[8] + bits[10] + bits[11], ==, 5);
	g_assert_cmpint(bits[4] + bits[9] + bits[12], ==, 0);
	s = cpulist_format(bits, 16);
	g_assert_cmpstr(s, ==, "0-3,8,10-11");
	g_assert_true(cpulist_parse("", 16, bits, NULL));
	g_assert_cmpint(bits[0], ==, 0);
	g_assert_false(cpulist_parse("3-1", 16, bits, &error));
	g_clear_error(&error);
	g_assert_false(cpulist_parse("0-16", 16, bits, &error));
	g_clear_error(&error);
	g_assert_false(cpulist_parse("a", 16, bits, &error));
	g_clear_error(&error);
}

static void write_file(const char *dir, const char *rel, const char *text)
{
	g_autofree char *p = g_build_filename(dir, rel, NULL);
	g_autofree char *d = g_path_get_dirname(p);

	g_assert_cmpint(g_mkdir_with_parents(d, 0755), ==, 0);
	g_assert_true(g_file_set_contents(p, text, -1, NULL));
}

static void test_topology(void)
{
	g_autofree char *dir = g_dir_make_tmp("topo-XXXXXX", NULL);
	g_autoptr(GError) error = NULL;
	g_autoptr(Topology) t = NULL;

	/* Four CPUs, nodes 0 and 2 online (1 offline: a gap). */
	write_file(dir, "devices/system/cpu/possible", "0-3\n");
	write_file(dir, "devices/system/node/online", "0,2\n");
	write_file(dir, "devices/system/node/node0/cpulist", "0-1\n");
	write_file(dir, "devices/system/node/node2/cpulist", "2-3\n");
	t = topology_read(dir, &error);
	g_assert_no_error(error);
	g_assert_cmpint(t->nr_cpus, ==, 4);
	g_assert_cmpint(t->nr_nodes, ==, 3);
	g_assert_cmpint(t->cpu_node[1], ==, 0);
	g_assert_cmpint(t->cpu_node[2], ==, 2);
	g_assert_cmpint(t->cpu_node[3], ==, 2);

	write_file(dir, "devices/system/node/node2/cpulist", "2-9\n");
	g_clear_pointer(&t, topology_free);
	t = topology_read(dir, &error);
	g_assert_null(t);
	g_assert_nonnull(error);
}

static void test_stat_last_cpu(void)
{
	/* A thread name with a space and a parenthesis, as QEMU's are. */
	g_autoptr(GString) s = g_string_new("4242 (CPU 1/KVM) x) S");

	for (int field = 4; field <= 52; field++)
		g_string_append_printf(s, " %d", field == 39 ? 3 : 7);
	g_assert_cmpint(stat_last_cpu(s->str), ==, 3);
	g_assert_cmpint(stat_last_cpu("4242 (short) S 1 2"), ==, -1);
	g_assert_cmpint(stat_last_cpu("garbage"), ==, -1);
}

static void test_vcpu_threads_self(void)
{
	/* This process has no vCPU threads; reading must still succeed. */
	g_autoptr(GError) error = NULL;
	g_autoptr(GPtrArray) v = vcpu_threads_read(getpid(), 64, &error);

	g_assert_no_error(error);
	g_assert_cmpuint(v->len, ==, 0);
	g_assert_null(vcpu_threads_read(-1, 64, &error));
	g_assert_nonnull(error);
}

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/numa-maps/parse", test_numa_maps_parse);
	g_test_add_func("/numa-maps/sum", test_numa_maps_sum);
	g_test_add_func("/numa-maps/vanished", test_numa_maps_vanished);
	g_test_add_func("/numa-maps/garbage", test_numa_maps_garbage);
	g_test_add_func("/topology/cpulist", test_cpulist);
	g_test_add_func("/topology/sysfs", test_topology);
	g_test_add_func("/threads/stat", test_stat_last_cpu);
	g_test_add_func("/threads/self", test_vcpu_threads_self);
	return g_test_run();
}
