// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * numabench: a guest workload for measuring NUMA locality from the host.
 * THREADS threads, thread i pinned to guest CPU i % ncpus, each owning one
 * slice of MIB of memory.  After the first touch it prints, per slice, the
 * guest-physical frames that back it (from /proc/self/pagemap), so that the
 * host can find each slice's pages in QEMU's guest RAM and ask which host
 * node holds them; the vCPU that uses the slice is "cpu C".
 *
 *   numabench MODE MIB THREADS [PCT [FIRST [DELAY]]]
 *
 * MODE private: each thread writes one byte per page of its own slice,
 *      sweep after sweep (AutoNUMA's numa02).
 *      shared: every thread writes all the memory, each starting at a
 *      different offset (numa01-style sharing).
 *      mpi: PCT% (default 90) of a thread's page touches write its own
 *      slice, the rest read its neighbours' slices i-1 and i+1 in a ring
 *      (Robin Holt's MPI workers).
 * FIRST 1: thread 0 (on CPU 0) first-touches all the memory, as one MPI
 *      rank initialising it; 0 (default): each thread its own slice.
 * DELAY: seconds of idling between "ready" and "start".
 *
 * Output, every line flushed:
 *   numabench: slice I cpu C pfns HEX-HEX,HEX-HEX,...   (may repeat for I)
 *   numabench: huge KIB           (anonymous huge pages after the first touch)
 *   numabench: ready MODE MIB THREADS
 *   numabench: start
 *   numabench: t=S ops=N          (every second; N page touches, all threads)
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
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
#define HUGE (2UL << 20)
#define MAX_THREADS 256
#define LINE_MAX_CHARS 3500
/* Publish the op count this often: cheap, and smooth enough at 1 s. */
#define OPS_BATCH 64

enum mode { PRIVATE, SHARED, MPI };

/* One cache line each: the counters must not bounce between vCPUs. */
struct counter {
	atomic_ulong ops;
	char pad[64 - sizeof(atomic_ulong)];
} __attribute__((aligned(64)));

static enum mode mode;
static char *buf;
static size_t slice, total;
static long threads, ncpus, pct = 90;
static int first_all;
static struct counter ops[MAX_THREADS];
static pthread_barrier_t touched, go;
static volatile unsigned long sink;

static void pin(long cpu)
{
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	if (sched_setaffinity(0, sizeof(set), &set))
		perror("numabench: sched_setaffinity");
}

static void touch(char *p, size_t len)
{
	for (size_t off = 0; off < len; off += PAGE)
		p[off] = 1;
}

static void run_private(long id, struct counter *c)
{
	char *p = buf + id * slice;
	unsigned long n = 0;

	for (unsigned char pass = 2;; pass++)
		for (size_t off = 0; off < slice; off += PAGE) {
			p[off] = pass;
			if (++n % OPS_BATCH == 0)
				atomic_store_explicit(&c->ops, n,
						      memory_order_relaxed);
		}
}

static void run_shared(long id, struct counter *c)
{
	size_t off = (size_t)id * slice;
	unsigned long n = 0;

	for (unsigned char pass = 2;; pass++)
		for (size_t i = 0; i < total; i += PAGE) {
			buf[off] = pass;
			off += PAGE;
			if (off >= total)
				off = 0;
			if (++n % OPS_BATCH == 0)
				atomic_store_explicit(&c->ops, n,
						      memory_order_relaxed);
		}
}

static void run_mpi(long id, struct counter *c)
{
	char *own = buf + id * slice;
	const char *nb[2] = {
		buf + ((id + threads - 1) % threads) * slice,
		buf + ((id + 1) % threads) * slice,
	};
	size_t own_off = 0, nb_off = 0;
	unsigned long n = 0, acc = 0, side = 0, sum = 0;
	unsigned char pass = 2;

	for (;;) {
		/* Bresenham: exactly 100-PCT reads in every 100 touches. */
		acc += 100 - pct;
		if (acc >= 100) {
			acc -= 100;
			sum += *(volatile const char *)(nb[side] + nb_off);
			side ^= 1;
			if (!side)
				nb_off = nb_off + PAGE < slice ? nb_off + PAGE : 0;
		} else {
			own[own_off] = pass;
			own_off += PAGE;
			if (own_off >= slice) {
				own_off = 0;
				pass++;
			}
		}
		if (++n % OPS_BATCH == 0) {
			atomic_store_explicit(&c->ops, n, memory_order_relaxed);
			sink = sum;
		}
	}
}

static void *worker(void *arg)
{
	long id = (long)arg;

	/* Thread i on guest CPU i: the host then knows which vCPU it is. */
	pin(id % ncpus);
	if (!first_all)
		touch(buf + id * slice, slice);
	else if (id == 0)
		touch(buf, total);
	pthread_barrier_wait(&touched);
	/* Blocked here (idle vCPUs) while main reports and waits DELAY. */
	pthread_barrier_wait(&go);
	if (mode == PRIVATE)
		run_private(id, &ops[id]);
	else if (mode == SHARED)
		run_shared(id, &ops[id]);
	else
		run_mpi(id, &ops[id]);
	return NULL;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return (x > y) - (x < y);
}

/* Append "lo-hi" to the line, flushing it first if it would grow too long. */
static void emit(char *line, size_t *len, size_t prefix, uint64_t lo,
		 uint64_t hi)
{
	char r[40];
	int n = snprintf(r, sizeof(r), "%lx-%lx", (unsigned long)lo,
			 (unsigned long)hi);

	if (*len > prefix && *len + 1 + n > LINE_MAX_CHARS) {
		printf("%.*s\n", (int)*len, line);
		*len = prefix;
	}
	if (*len > prefix)
		line[(*len)++] = ',';
	memcpy(line + *len, r, n);
	*len += n;
}

/* One or more "slice I cpu C pfns ..." lines: sorted, merged ranges. */
static int report_slice(int fd, long id)
{
	size_t pages = slice / PAGE, n = 0, len;
	uint64_t *ent = malloc(pages * sizeof(*ent));
	off_t at = (off_t)((uintptr_t)(buf + id * slice) / PAGE * 8);
	char line[LINE_MAX_CHARS + 64];
	size_t prefix;

	if (!ent)
		return -1;
	for (size_t got = 0; got < pages * 8;) {
		ssize_t r = pread(fd, (char *)ent + got, pages * 8 - got,
				  at + got);

		if (r <= 0) {
			perror("numabench: pagemap");
			free(ent);
			return -1;
		}
		got += r;
	}
	/* Bit 63 present, bits 0-54 the frame (zero unless privileged). */
	for (size_t i = 0; i < pages; i++)
		if (ent[i] >> 63)
			ent[n++] = ent[i] & ((1ULL << 55) - 1);
	qsort(ent, n, sizeof(*ent), cmp_u64);
	prefix = snprintf(line, sizeof(line), "numabench: slice %ld cpu %ld pfns ",
			  id, id % ncpus);
	len = prefix;
	for (size_t i = 0; i < n;) {
		size_t j = i;

		while (j + 1 < n && ent[j + 1] <= ent[j] + 1)
			j++;
		emit(line, &len, prefix, ent[i], ent[j]);
		i = j + 1;
	}
	if (len == prefix)
		len += snprintf(line + len, sizeof(line) - len, "none");
	printf("%.*s\n", (int)len, line);
	fflush(stdout);
	free(ent);
	return 0;
}

/*
 * "huge KIB": the guest's anonymous huge pages after the first touch, from
 * /proc/self/smaps_rollup.  Without them, slices are 4KiB frames in no
 * particular 2MiB alignment and the buffer's page tables sit among them.
 */
static void report_huge(void)
{
	FILE *f = fopen("/proc/self/smaps_rollup", "r");
	char line[256];
	long kib = -1;

	while (f && fgets(line, sizeof(line), f))
		if (sscanf(line, "AnonHugePages: %ld kB", &kib) == 1)
			break;
	if (f)
		fclose(f);
	printf("numabench: huge %ld KiB\n", kib);
	fflush(stdout);
}

static int parse_mode(const char *s)
{
	if (!strcmp(s, "private"))
		mode = PRIVATE;
	else if (!strcmp(s, "shared"))
		mode = SHARED;
	else if (!strcmp(s, "mpi"))
		mode = MPI;
	else
		return -1;
	return 0;
}

int main(int argc, char **argv)
{
	long mib, delay = 0;
	struct timespec next;
	pthread_t t;
	size_t unit;
	char *raw;
	int fd;

	if (argc < 4 || parse_mode(argv[1]) || (mib = atol(argv[2])) <= 0 ||
	    (threads = atol(argv[3])) <= 0 || threads > MAX_THREADS ||
	    (argc > 4 && ((pct = atol(argv[4])) < 0 || pct > 100))) {
		fprintf(stderr,
			"usage: numabench private|shared|mpi MIB THREADS [PCT [FIRST [DELAY]]]\n");
		return 2;
	}
	first_all = argc > 5 && atol(argv[5]) != 0;
	delay = argc > 6 ? atol(argv[6]) : 0;
	ncpus = sysconf(_SC_NPROCESSORS_ONLN);
	/*
	 * Slices in whole, aligned huge pages where possible: then no guest
	 * huge page, and no 2 MiB of guest-physical memory the host may back
	 * with one huge page, is shared by two threads' slices.
	 */
	unit = ((size_t)mib << 20) / threads >= HUGE ? HUGE : PAGE;
	slice = ((size_t)mib << 20) / threads / unit * unit;
	total = slice * threads;
	raw = mmap(NULL, total + HUGE, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (raw == MAP_FAILED) {
		perror("numabench: mmap");
		return 1;
	}
	buf = (char *)(((uintptr_t)raw + HUGE - 1) & ~(HUGE - 1));
	/*
	 * Whole huge pages at first touch: no khugepaged collapse (and new
	 * frames) after the frames are reported.  Fine if THP is off.
	 */
	madvise(buf, total, MADV_HUGEPAGE);
	pthread_barrier_init(&touched, NULL, threads + 1);
	pthread_barrier_init(&go, NULL, threads + 1);
	for (long i = 0; i < threads; i++)
		if (pthread_create(&t, NULL, worker, (void *)i)) {
			perror("numabench: pthread_create");
			return 1;
		}
	pthread_barrier_wait(&touched);
	fd = open("/proc/self/pagemap", O_RDONLY);
	if (fd < 0) {
		perror("numabench: /proc/self/pagemap");
		return 1;
	}
	for (long i = 0; i < threads; i++)
		if (report_slice(fd, i))
			return 1;
	close(fd);
	report_huge();
	printf("numabench: ready %s %ld %ld\n", argv[1], mib, threads);
	fflush(stdout);
	if (delay > 0)
		sleep(delay);
	printf("numabench: start\n");
	fflush(stdout);
	pthread_barrier_wait(&go);
	clock_gettime(CLOCK_MONOTONIC, &next);
	for (long s = 1;; s++) {
		unsigned long sum = 0;

		next.tv_sec++;
		while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &next,
				       NULL) == EINTR)
			;
		for (long i = 0; i < threads; i++)
			sum += atomic_load_explicit(&ops[i].ops,
						    memory_order_relaxed);
		printf("numabench: t=%ld ops=%lu\n", s, sum);
		fflush(stdout);
	}
}
