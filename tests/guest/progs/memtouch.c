// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * memtouch: a guest workload that keeps touching a buffer from several
 * threads, one slice each, so that the host sees every page in use by a
 * known vCPU.  Prints "memtouch: ready" once every page has been written,
 * then a line per second with the passes done (guest progress).
 *
 *   memtouch MIB THREADS [SECONDS [verify]]   (SECONDS 0: forever)
 *
 * With "verify", each page's first word holds its index and the sweep
 * that wrote it, and every sweep checks that it finds the previous
 * sweep's value: a write lost by a live migration shows as a MISMATCH.
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#define PAGE 4096UL

static char *buf;
static size_t slice;
static atomic_ulong passes;
static atomic_ulong mismatches;
static atomic_int ready;
static int verify;

static void *worker(void *arg)
{
	long id = (long)arg;
	char *p = buf + id * slice;
	cpu_set_t set;

	/* Thread i on guest CPU i: the host then knows which vCPU it is. */
	CPU_ZERO(&set);
	CPU_SET(id % sysconf(_SC_NPROCESSORS_ONLN), &set);
	sched_setaffinity(0, sizeof(set), &set);
	for (unsigned long pass = 0;; pass++) {
		for (size_t off = 0; off < slice; off += PAGE) {
			uint64_t *w = (uint64_t *)(p + off);
			uint64_t idx = (id * slice + off) / PAGE;
			uint64_t want = idx << 32 | (uint32_t)(pass - 1);

			if (!verify) {
				p[off] = (char)pass;
				continue;
			}
			if (pass && *w != want &&
			    atomic_fetch_add(&mismatches, 1) < 10)
				printf("memtouch: MISMATCH page %lu: %lx, want %lx\n",
				       (unsigned long)idx, (unsigned long)*w,
				       (unsigned long)want);
			*w = idx << 32 | (uint32_t)pass;
		}
		if (pass == 0)
			atomic_fetch_add(&ready, 1);
		atomic_fetch_add(&passes, 1);
	}
	return NULL;
}

int main(int argc, char **argv)
{
	long mib, threads, seconds;
	pthread_t t;

	if (argc < 3 || (mib = atol(argv[1])) <= 0 ||
	    (threads = atol(argv[2])) <= 0 || threads > 64) {
		fprintf(stderr, "usage: memtouch MIB THREADS [SECONDS]\n");
		return 2;
	}
	seconds = argc > 3 ? atol(argv[3]) : 0;
	verify = argc > 4 && !strcmp(argv[4], "verify");
	slice = ((size_t)mib << 20) / threads / PAGE * PAGE;
	buf = mmap(NULL, slice * threads, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (buf == MAP_FAILED) {
		perror("memtouch: mmap");
		return 1;
	}
	for (long i = 0; i < threads; i++)
		if (pthread_create(&t, NULL, worker, (void *)i)) {
			perror("memtouch: pthread_create");
			return 1;
		}
	while (atomic_load(&ready) < threads)
		usleep(10000);
	printf("memtouch: ready %ld MiB %ld threads\n", mib, threads);
	fflush(stdout);
	for (long s = 1; !seconds || s <= seconds; s++) {
		sleep(1);
		printf("memtouch: t=%ld passes=%lu mismatches=%lu\n", s,
		       atomic_load(&passes), atomic_load(&mismatches));
		fflush(stdout);
	}
	return 0;
}
