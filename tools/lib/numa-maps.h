/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Where a process's memory lives: /proc/PID/maps joined with
 * /proc/PID/numa_maps, one entry per mapping with its pages per host node.
 */
#pragma once

#include <glib.h>
#include <stdint.h>

#define NUMA_MAPS_MAX_NODES 64

typedef struct {
	uint64_t start;
	uint64_t end;
	gboolean anon;          /* no backing file: QEMU's guest RAM is here */
	uint64_t page_size;     /* bytes, kernelpagesize_kB */
	uint64_t pages[NUMA_MAPS_MAX_NODES]; /* resident pages per node */
} NumaMapping;

/* Parse the text of /proc/PID/maps and /proc/PID/numa_maps. */
GArray *numa_maps_parse(const char *maps, const char *numa_maps,
			GError **error);

/* Read and parse them for @pid. */
GArray *numa_maps_read(int pid, GError **error);

/* Sum the bytes per node of anonymous mappings of at least @min_size. */
void numa_maps_sum(GArray *mappings, uint64_t min_size,
		   uint64_t bytes[NUMA_MAPS_MAX_NODES]);
