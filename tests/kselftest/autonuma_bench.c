// SPDX-License-Identifier: GPL-2.0-only
/*
 * autonuma_bench: what kvm-autonuma's scanner costs, next to what the host
 * kernel's NUMA balancing costs for the same guest.
 *
 *   autonuma_bench MODE PLACEMENT SECONDS [WARMUP]
 *
 * A VM with 1GiB of THP-backed memory and one vCPU pinned to node 1 that
 * keeps writing the first 512MiB.  PLACEMENT "misplaced" puts the memory on
 * node 0, "placed" on node 1 (where a placement policy would have put it).
 * MODE is
 *   off        nothing: the baseline for exits
 *   autonuma   KVM_CAP_AUTONUMA with its default tunables
 *   kernel     no capability; the caller sets kernel.numa_balancing=1
 * After the memory is touched once and WARMUP seconds (default 0) have
 * passed, so that a scan period can settle, the program measures for SECONDS and
 * prints one line of "key=value" figures:
 *   exits_per_s        vCPU exits per second (KVM's "exits" stat)
 *   guest_sweeps_per_s passes over the 512MiB (guest progress)
 *   tlb_flushes_per_min  KVM's remote_tlb_flush_requests stat
 *   unmaps_per_min     SPTE invalidations: hinting SPTEs made (autonuma) or
 *                      MMU-notifier unmaps reaching KVM (kernel)
 *   unmapped_mib_per_min  guest memory those made non-present
 *   scanner_cpu_ms_per_gib  CPU time of the kvm-autonuma thread per GiB of
 *                      guest memory scanned
 *   max_lock_hold_us   longest mmu_lock hold of the scanner
 *   hint_faults_per_s, candidates
 *   node1_mib          guest memory on node 1 at the end (moved by the
 *                      kernel's balancing; kvm-autonuma moves nothing itself)
 * The kernel mode reads the kvm:kvm_unmap_hva_range trace event, so tracefs
 * must be mounted at /sys/kernel/tracing.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/mempolicy.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "kvm_util.h"
#include "processor.h"
#include "test_util.h"

#define SLOT		1
#define GPA		(1ULL << 30)
#define MEM_MB		1024
#define TOUCH_MB	512
#define TRACE		"/sys/kernel/tracing"

static void guest_code(void)
{
	for (uint64_t sweep = 1;; sweep++) {
		for (uint64_t off = 0; off < (TOUCH_MB << 20); off += 4096)
			*(volatile uint64_t *)(GPA + off) = sweep;
		GUEST_SYNC(sweep);
	}
}

static atomic_ulong sweeps;
static atomic_bool stopping;

static void *run_vcpu(void *arg)
{
	struct kvm_vcpu *vcpu = arg;
	struct ucall uc;

	while (!atomic_load(&stopping)) {
		vcpu_run(vcpu);
		if (get_ucall(vcpu, &uc) == UCALL_ABORT)
			REPORT_GUEST_ASSERT(uc);
		atomic_fetch_add(&sweeps, 1);
	}
	return NULL;
}

static void pin_node(pthread_t t, int node)
{
	char path[80], buf[128], *p, *end;
	cpu_set_t set;
	FILE *f;

	snprintf(path, sizeof(path), "/sys/devices/system/node/node%d/cpulist", node);
	f = fopen(path, "r");
	TEST_ASSERT(f && fgets(buf, sizeof(buf), f), "read %s", path);
	fclose(f);
	CPU_ZERO(&set);
	for (p = buf; *p && *p != '\n'; p = end + (*end == ',')) {
		long a = strtol(p, &end, 10), b = a;

		if (*end == '-')
			b = strtol(end + 1, &end, 10);
		for (; a <= b; a++)
			CPU_SET(a, &set);
	}
	TEST_ASSERT(!pthread_setaffinity_np(t, sizeof(set), &set), "affinity");
}

static uint64_t vm_stat(struct kvm_vm *vm, const char *name)
{
	uint64_t v;

	__vm_get_stat(vm, name, &v, 1);
	return v;
}

static uint64_t vcpu_stat(struct kvm_vcpu *vcpu, const char *name)
{
	int fd = vcpu_get_stats_fd(vcpu);
	struct kvm_stats_header h;
	struct kvm_stats_desc *descs, *d;
	uint64_t v = 0;

	read_stats_header(fd, &h);
	descs = read_stats_descriptors(fd, &h);
	for (uint32_t i = 0; i < h.num_desc; i++) {
		d = get_stats_descriptor(descs, i, &h);
		if (!strcmp(d->name, name))
			read_stat_data(fd, &h, d, &v, 1);
	}
	free(descs);
	close(fd);
	return v;
}

/* CPU time (ns) of this process's threads named "kvm-autonuma". */
static uint64_t scanner_cpu_ns(void)
{
	char path[300], comm[32];
	unsigned long long ns;
	uint64_t total = 0;
	struct dirent *e;
	DIR *d = opendir("/proc/self/task");
	FILE *f;

	while (d && (e = readdir(d))) {
		snprintf(path, sizeof(path), "/proc/self/task/%s/comm", e->d_name);
		f = fopen(path, "r");
		if (!f)
			continue;
		if (!fgets(comm, sizeof(comm), f) || strncmp(comm, "kvm-autonuma", 12)) {
			fclose(f);
			continue;
		}
		fclose(f);
		snprintf(path, sizeof(path), "/proc/self/task/%s/schedstat", e->d_name);
		f = fopen(path, "r");
		if (f && fscanf(f, "%llu", &ns) == 1)
			total += ns;
		if (f)
			fclose(f);
	}
	if (d)
		closedir(d);
	return total;
}

static void write_file(const char *path, const char *text)
{
	int fd = open(path, O_WRONLY | O_TRUNC);

	TEST_ASSERT(fd >= 0 && write(fd, text, strlen(text)) == (ssize_t)strlen(text),
		    "write %s", path);
	close(fd);
}

/* Unmap events and unmapped bytes within [lo, hi) from the trace buffer. */
static void count_unmaps(uint64_t lo, uint64_t hi, uint64_t *events,
			 uint64_t *bytes)
{
	FILE *f = fopen(TRACE "/trace", "r");
	char line[512], *p;

	*events = *bytes = 0;
	TEST_ASSERT(f, "open trace");
	while (fgets(line, sizeof(line), f)) {
		unsigned long long s, e;

		p = strstr(line, "kvm_unmap_hva_range:");
		if (!p || sscanf(p, "kvm_unmap_hva_range: mmu notifier unmap range: %llx -- %llx", &s, &e) != 2)
			continue;
		if (e <= lo || s >= hi)
			continue;
		(*events)++;
		*bytes += (e < hi ? e : hi) - (s > lo ? s : lo);
	}
	fclose(f);
}

static long sys_mbind(void *addr, unsigned long len, unsigned long *mask)
{
	return syscall(__NR_mbind, addr, len, MPOL_BIND, mask, 64, 0);
}

static uint64_t mib_on_node(void *hva, int node)
{
	static void *pages[(MEM_MB << 20) / (2 << 20)];
	static int status[(MEM_MB << 20) / (2 << 20)];
	int n = (MEM_MB << 20) / (2 << 20), on = 0;

	/* One probe per 2MiB: THP moves whole. */
	for (int i = 0; i < n; i++)
		pages[i] = (char *)hva + ((size_t)i << 21);
	TEST_ASSERT(!syscall(__NR_move_pages, 0, n, pages, NULL, status, 0), "move_pages");
	for (int i = 0; i < n; i++)
		on += status[i] == node;
	return on * 2;
}

int main(int argc, char **argv)
{
	const char *mode = argc > 1 ? argv[1] : "autonuma";
	const char *placement = argc > 2 ? argv[2] : "misplaced";
	int seconds = argc > 3 ? atoi(argv[3]) : 60;
	int warmup = argc > 4 ? atoi(argv[4]) : 0;
	uint64_t t_exits, t_flush, t_scanned, t_cpu, t_hints, t_faults, t_sweeps;
	uint64_t events = 0, bytes = 0, hint_sptes, mask = 1;
	struct kvm_enable_cap cap = { .cap = KVM_CAP_AUTONUMA, .args = { 1 } };
	struct kvm_vcpu *vcpu;
	struct kvm_vm *vm;
	pthread_t thread;
	void *hva;

	setbuf(stdout, NULL);
	vm = vm_create_with_one_vcpu(&vcpu, guest_code);
	vm_userspace_mem_region_add(vm, VM_MEM_SRC_ANONYMOUS_THP, GPA, SLOT,
				    (MEM_MB << 20) / 4096, 0);
	/* 2MiB guest pages: 4KiB ones would need 2MiB of page tables. */
	virt_map_level(vm, GPA, GPA, MEM_MB << 20, PG_LEVEL_2M);
	hva = addr_gpa2hva(vm, GPA);
	TEST_ASSERT(!strcmp(placement, "misplaced") || !strcmp(placement, "placed"),
		    "placement: misplaced or placed");
	mask = !strcmp(placement, "placed") ? 2 : 1;
	TEST_ASSERT(!sys_mbind(hva, MEM_MB << 20, &mask), "mbind");

	pthread_create(&thread, NULL, run_vcpu, vcpu);
	pin_node(thread, 1);
	while (atomic_load(&sweeps) < 1)
		usleep(10000);
	/* The kernel's balancing may move it now: only the binding goes. */
	if (!strcmp(mode, "kernel")) {
		TEST_ASSERT(!syscall(__NR_mbind, hva, MEM_MB << 20, MPOL_DEFAULT,
				     NULL, 0, 0), "mbind default");
		write_file(TRACE "/buffer_size_kb", "65536");
		write_file(TRACE "/trace", "");
		write_file(TRACE "/events/kvm/kvm_unmap_hva_range/enable", "1");
	} else if (!strcmp(mode, "autonuma")) {
		vm_ioctl(vm, KVM_ENABLE_CAP, &cap);
	} else {
		TEST_ASSERT(!strcmp(mode, "off"), "mode: off, autonuma or kernel");
	}

	sleep(warmup);
	t_exits = vcpu_stat(vcpu, "exits");
	t_flush = vm_stat(vm, "remote_tlb_flush_requests");
	t_scanned = vm_stat(vm, "autonuma_pages_scanned");
	t_hints = vm_stat(vm, "autonuma_hint_sptes");
	t_faults = vcpu_stat(vcpu, "autonuma_faults_local") +
		   vcpu_stat(vcpu, "autonuma_faults_remote");
	t_cpu = scanner_cpu_ns();
	t_sweeps = atomic_load(&sweeps);
	sleep(seconds);
	t_exits = vcpu_stat(vcpu, "exits") - t_exits;
	t_flush = vm_stat(vm, "remote_tlb_flush_requests") - t_flush;
	t_scanned = vm_stat(vm, "autonuma_pages_scanned") - t_scanned;
	hint_sptes = vm_stat(vm, "autonuma_hint_sptes") - t_hints;
	t_faults = vcpu_stat(vcpu, "autonuma_faults_local") +
		   vcpu_stat(vcpu, "autonuma_faults_remote") - t_faults;
	t_cpu = scanner_cpu_ns() - t_cpu;
	t_sweeps = atomic_load(&sweeps) - t_sweeps;

	if (!strcmp(mode, "kernel")) {
		write_file(TRACE "/events/kvm/kvm_unmap_hva_range/enable", "0");
		count_unmaps((uint64_t)hva, (uint64_t)hva + (MEM_MB << 20),
			     &events, &bytes);
	} else if (!strcmp(mode, "autonuma")) {
		/* Hints are 2MiB SPTEs here (THP), or 4KiB where THP failed. */
		events = hint_sptes;
		bytes = hint_sptes * (vm_stat(vm, "pages_2m") ? 2 << 20 : 4096);
	}

	printf("mode=%s placement=%s warmup=%d seconds=%d exits_per_s=%.1f guest_sweeps_per_s=%.2f "
	       "tlb_flushes_per_min=%.1f unmaps_per_min=%.1f "
	       "unmapped_mib_per_min=%.1f scanner_cpu_ms_per_gib=%.2f "
	       "max_lock_hold_us=%.1f hint_faults_per_s=%.1f candidates=%lu "
	       "scanned_gib=%.2f node1_mib=%lu\n",
	       mode, placement, warmup, seconds, (double)t_exits / seconds,
	       (double)t_sweeps / seconds, t_flush * 60.0 / seconds,
	       events * 60.0 / seconds, bytes / 1048576.0 * 60.0 / seconds,
	       t_scanned ? t_cpu / 1e6 / (t_scanned * 4096.0 / (1 << 30)) : 0,
	       vm_stat(vm, "autonuma_max_lock_hold_ns") / 1e3,
	       (double)t_faults / seconds,
	       vm_stat(vm, "autonuma_candidates_queued"),
	       t_scanned * 4096.0 / (1 << 30), mib_on_node(hva, 1));

	atomic_store(&stopping, true);
	pthread_join(thread, NULL);
	kvm_vm_free(vm);
	return 0;
}
