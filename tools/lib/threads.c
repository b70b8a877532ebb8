// SPDX-License-Identifier: GPL-2.0-or-later
#include "threads.h"

#include <errno.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int stat_last_cpu(const char *stat)
{
	/* The command name may hold spaces and parentheses: skip past it. */
	const char *p = strrchr(stat, ')');
	g_auto(GStrv) f = NULL;
	guint64 cpu;

	if (!p)
		return -1;
	f = g_strsplit(p + 2, " ", -1);
	/* f[0] is field 3 (state), so field 39 is f[36]. */
	if (g_strv_length(f) < 37 ||
	    !g_ascii_string_to_unsigned(f[36], 10, 0, G_MAXINT, &cpu, NULL))
		return -1;
	return (int)cpu;
}

static void vcpu_thread_free(gpointer p)
{
	VcpuThread *v = p;

	g_free(v->affinity);
	g_free(v);
}

static gint by_index(gconstpointer a, gconstpointer b)
{
	const VcpuThread *x = *(VcpuThread * const *)a;
	const VcpuThread *y = *(VcpuThread * const *)b;

	return (x->index > y->index) - (x->index < y->index);
}

GPtrArray *vcpu_threads_read(int pid, int nr_cpus, GError **error)
{
	g_autoptr(GPtrArray) out = g_ptr_array_new_with_free_func(vcpu_thread_free);
	g_autofree char *dir = g_strdup_printf("/proc/%d/task", pid);
	g_autoptr(GDir) d = g_dir_open(dir, 0, error);
	const char *name;

	if (!d)
		return NULL;
	while ((name = g_dir_read_name(d))) {
		g_autofree char *comm = NULL, *stat = NULL;
		g_autofree char *cp = g_strdup_printf("%s/%s/comm", dir, name);
		g_autofree char *sp = g_strdup_printf("%s/%s/stat", dir, name);
		VcpuThread *v;
		cpu_set_t set;
		int index;

		/* Threads come and go: one that vanished is simply skipped. */
		if (!g_file_get_contents(cp, &comm, NULL, NULL) ||
		    !g_file_get_contents(sp, &stat, NULL, NULL))
			continue;
		if (sscanf(comm, "CPU %d/KVM", &index) != 1)
			continue;
		v = g_new0(VcpuThread, 1);
		v->index = index;
		v->tid = atoi(name);
		v->last_cpu = stat_last_cpu(stat);
		v->affinity = g_new0(guint8, nr_cpus);
		if (sched_getaffinity(v->tid, sizeof(set), &set) == 0) {
			for (int c = 0; c < nr_cpus && c < CPU_SETSIZE; c++)
				v->affinity[c] = CPU_ISSET(c, &set) ? 1 : 0;
		}
		g_ptr_array_add(out, v);
	}
	g_ptr_array_sort(out, by_index);
	return g_steal_pointer(&out);
}
