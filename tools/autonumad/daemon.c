// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * autonumad's core: the VM registry, the period's reconciliation and
 * placement, and the per-VM jobs that talk to QEMU.
 */
#include <inttypes.h>
#include <math.h>
#include <numa.h>
#include <sched.h>
#include <string.h>

#include "daemon.h"
#include "qmp.h"

#define LOG_DOMAIN_VM(vm) (vm)->name

Vm *vm_new(Daemon *d, const char *name, const VmOps *ops)
{
	Vm *vm = g_new0(Vm, 1);

	vm->ref = 1;
	vm->d = d;
	vm->name = g_strdup(name);
	vm->ops = ops;
	vm->state = g_strdup("new");
	vm->vcpus = g_array_new(FALSE, TRUE, sizeof(VcpuState));
	return vm;
}

Vm *vm_ref(Vm *vm)
{
	g_atomic_int_inc(&vm->ref);
	return vm;
}

void vm_unref(Vm *vm)
{
	if (!vm || !g_atomic_int_dec_and_test(&vm->ref))
		return;
	if (vm->ops->free)
		vm->ops->free(vm);
	g_free(vm->name);
	g_free(vm->qmp_path);
	g_free(vm->state);
	g_free(vm->last_error);
	if (vm->info)
		json_node_unref(vm->info);
	g_array_unref(vm->vcpus);
	g_free(vm);
}

Vm *daemon_find_vm(Daemon *d, const char *name)
{
	return g_hash_table_lookup(d->vms, name);
}

void daemon_add_vm(Daemon *d, Vm *vm)
{
	g_hash_table_replace(d->vms, vm->name, vm);
}

void daemon_remove_vm(Daemon *d, const char *name, const char *why)
{
	if (g_hash_table_contains(d->vms, name)) {
		g_message("%s: forgotten (%s)", name, why);
		g_hash_table_remove(d->vms, name);
	}
}

void daemon_set_want(Daemon *d, Vm *vm, const AutonumaSettings *want,
		     const char *why)
{
	g_autofree char *xml = autonuma_settings_format(want);

	if (!vm->managed || memcmp(&vm->want, want, sizeof(*want)))
		g_message("%s: wants kvm-autonuma %s, vCPU placement %s (%s: %s)",
			  vm->name, want->enabled ? "on" : "off",
			  want->placement ? "auto" : "off", why, xml);
	vm->want = *want;
	vm->managed = TRUE;
}

/* A new error is logged; the same error again is not, until it changes. */
static void vm_set_state(Vm *vm, const char *state)
{
	if (g_strcmp0(vm->state, state)) {
		if (!strcmp(state, "ok"))
			g_message("%s: ok%s%s", vm->name,
				  vm->last_error ? " again after: " : "",
				  vm->last_error ? vm->last_error : "");
		else
			g_warning("%s: %s", vm->name, state);
		if (strcmp(state, "ok")) {
			g_free(vm->last_error);
			vm->last_error = g_strdup(state);
		}
	}
	g_free(vm->state);
	vm->state = g_strdup(state);
}

/* Host facts */

static gboolean read_kvm_autonuma(void)
{
	g_autofree char *s = NULL;

	if (!g_file_get_contents("/sys/module/kvm/parameters/autonuma", &s,
				 NULL, NULL))
		return FALSE;
	return s[0] == 'Y' || s[0] == '1';
}

static int read_numa_balancing(void)
{
	g_autofree char *s = NULL;

	if (!g_file_get_contents("/proc/sys/kernel/numa_balancing", &s, NULL,
				 NULL))
		return 0;
	return atoi(s);
}

/* Run time of a thread so far and its time waiting on a run queue, ns;
 * 0 if it is gone. */
static guint64 thread_runtime(int tid, guint64 *waited)
{
	g_autofree char *path = g_strdup_printf("/proc/%d/schedstat", tid);
	g_autofree char *s = NULL;
	char *end;
	guint64 ran;

	*waited = 0;
	if (!g_file_get_contents(path, &s, NULL, NULL))
		return 0;
	ran = g_ascii_strtoull(s, &end, 10);
	*waited = g_ascii_strtoull(end, NULL, 10);
	return ran;
}

/*
 * How many CPUs' worth @v wanted since the last look: its run time plus
 * its run-queue wait, over the time passed.  Waiting counts, so that
 * vCPUs crowded on too few CPUs still show their whole demand.  The
 * reading goes through policy_load_update(): a busy vCPU on a crowded host
 * reads 0.2 one period and 0.8 the next, and with a load that fell faster
 * it was moved in where it fitted on the low reading, and on the high one
 * its own VM's other vCPU was evicted, over and over (bench scenario f).
 * -1 until a second look measured it.
 */
static void vcpu_sample_load(VcpuState *v, guint64 ran, guint64 waited,
			     gint64 now, gint64 hold_us)
{
	double busy;

	if (v->sampled_at && now > v->sampled_at && ran >= v->runtime_ns &&
	    waited >= v->waited_ns) {
		busy = (double)(ran - v->runtime_ns + waited - v->waited_ns) /
		       ((now - v->sampled_at) * 1000.0);
		v->load = policy_load_update(v->load, busy, now - v->sampled_at,
					     hold_us);
	}
	v->sampled_at = now;
	v->waited_ns = waited;
}

/* The node that holds all of @tid's allowed CPUs, or -1. */
static int thread_affinity_node(Daemon *d, int tid)
{
	cpu_set_t set;
	int node = -1;

	if (sched_getaffinity(tid, sizeof(set), &set))
		return -1;
	for (int c = 0; c < d->topo->nr_cpus && c < CPU_SETSIZE; c++) {
		if (!CPU_ISSET(c, &set))
			continue;
		if (node == -1)
			node = d->topo->cpu_node[c];
		else if (node != d->topo->cpu_node[c])
			return -1;
	}
	return node;
}

/* query-autonuma's answer into the VM's state */

static VcpuState *vm_vcpu(Vm *vm, int index)
{
	VcpuState *v;

	for (guint i = 0; i < vm->vcpus->len; i++) {
		v = &g_array_index(vm->vcpus, VcpuState, i);
		if (v->index == index)
			return v;
	}
	g_array_set_size(vm->vcpus, vm->vcpus->len + 1);
	v = &g_array_index(vm->vcpus, VcpuState, vm->vcpus->len - 1);
	v->index = index;
	v->placed = v->preferred = v->running = v->pinned_to = -1;
	v->load = -1;
	return v;
}

static void vm_update(Daemon *d, Vm *vm, JsonNode *info)
{
	JsonObject *o = json_node_get_object(info);
	JsonObject *mig = json_object_get_object_member(o, "migration");
	JsonArray *vcpus = json_object_get_array_member(o, "vcpus");
	JsonArray *mem = json_object_get_array_member(o, "memory");
	int nr_nodes = MIN(d->topo->nr_nodes, POLICY_MAX_NODES);
	double local = 0, all = 0;

	if (vm->info)
		json_node_unref(vm->info);
	vm->info = json_node_ref(info);
	vm->enabled = qmp_get_bool(o, "enabled", FALSE);
	vm->pages_moved = qmp_get_int(mig, "moved", 0);
	vm->pages_stale = qmp_get_int(mig, "stale", 0);
	memset(vm->memory, 0, sizeof(vm->memory));
	vm->memory_total = 0;
	for (guint i = 0; mem && i < json_array_get_length(mem); i++) {
		JsonObject *m = json_array_get_object_element(mem, i);
		gint64 n = qmp_get_int(m, "node", -1);

		if (n >= 0 && n < nr_nodes) {
			vm->memory[n] = qmp_get_int(m, "bytes", 0);
			vm->memory_total += vm->memory[n];
		}
	}

	for (guint i = 0; vcpus && i < json_array_get_length(vcpus); i++) {
		JsonObject *jv = json_array_get_object_element(vcpus, i);
		JsonArray *fn = json_object_get_array_member(jv, "faults-node");
		VcpuState *v = vm_vcpu(vm, qmp_get_int(jv, "cpu-index", i));
		double delta[POLICY_MAX_NODES] = { 0 }, sum = 0, recent = 0;
		int tid = qmp_get_int(jv, "thread-id", 0);
		guint64 rt, waited;

		if (v->tid != tid) {    /* new, or a new QEMU after migration */
			v->tid = tid;
			memset(v->faults, 0, sizeof(v->faults));
			v->runtime_ns = thread_runtime(tid, &v->waited_ns);
			v->load = -1;
			/*
			 * Load is measured from this look to the next: sampled
			 * now, it would be a few microseconds' worth, 0 or 1.
			 */
			v->sampled_at = 0;
		}
		/* The truth, even when someone else pinned it since. */
		v->placed = thread_affinity_node(d, tid);
		/* The anti-thrash hold is for where autonumad put it, and
		 * ends when another tool moves it (or our pin failed). */
		if (v->pinned_to >= 0 && v->placed != v->pinned_to) {
			v->moved_at = 0;
			v->pinned_to = -1;
		}
		v->running = qmp_get_int(jv, "node", -1);
		for (int n = 0; n < nr_nodes; n++) {
			guint64 f = fn && n < (int)json_array_get_length(fn) ?
				    json_array_get_int_element(fn, n) : 0;

			delta[n] = f >= v->faults[n] ? f - v->faults[n] : 0;
			v->faults[n] = f;
			v->recent[n] = v->recent[n] / 2 + delta[n];
			sum += delta[n];
			recent += v->recent[n];
		}
		if (sum > 0 && v->running >= 0 && v->running < nr_nodes) {
			v->local_ratio = delta[v->running] / sum;
			local += delta[v->running];
			all += sum;
		}
		if (recent >= d->config->min_faults && recent > 0) {
			v->preferred = 0;
			for (int n = 1; n < nr_nodes; n++)
				if (v->recent[n] > v->recent[v->preferred])
					v->preferred = n;
		} else {
			v->preferred = qmp_get_int(jv, "preferred-node", -1);
		}

		/* Compliance: of the run time since the last look, how much
		 * was on the preferred node (sampled at the CPU it ran on). */
		rt = thread_runtime(tid, &waited);
		vcpu_sample_load(v, rt, waited, g_get_monotonic_time(),
				 d->config->anti_thrash_ms * 1000LL);
		if (rt > v->runtime_ns && v->preferred >= 0) {
			double ran = rt - v->runtime_ns;

			v->run_all = v->run_all * 0.9 + ran;
			v->run_on_pref = v->run_on_pref * 0.9 +
					 (v->running == v->preferred ? ran : 0);
		}
		v->runtime_ns = rt;
	}
	if (all > 0)
		vm->fault_local = local / all;
}

/* The job, in a worker thread */

static void job_free(VmJob *job)
{
	if (job->set)
		json_object_unref(job->set);
	if (job->info)
		json_node_unref(job->info);
	g_array_unref(job->pins);
	g_array_unref(job->pinned);
	g_clear_error(&job->error);
	vm_unref(job->vm);
	g_free(job);
}

static void job_run(GTask *task, gpointer source, gpointer data,
		    GCancellable *cancel)
{
	VmJob *job = data;
	Vm *vm = job->vm;
	g_autoptr(GError) set_error = NULL;
	g_autoptr(GError) pin_error = NULL;

	if (job->set) {
		g_autoptr(JsonNode) r = vm->ops->call(vm, "set-autonuma",
						      job->set, &set_error);
	}
	for (guint i = 0; i < job->pins->len; i++) {
		VcpuPin *p = &g_array_index(job->pins, VcpuPin, i);
		g_autoptr(GError) err = NULL;

		if (vm->ops->pin(vm, p, job->node_cpus[p->node], job->nr_cpus,
				 &err))
			g_array_append_val(job->pinned, *p);
		else if (!pin_error)
			pin_error = g_steal_pointer(&err);
	}
	job->info = vm->ops->call(vm, "query-autonuma", NULL, &job->error);
	if (!job->error && set_error)
		job->error = g_error_new(set_error->domain, set_error->code,
					 "set-autonuma failed: %s",
					 set_error->message);
	if (!job->error && pin_error)
		job->error = g_error_new(pin_error->domain, pin_error->code,
					 "pinning failed: %s",
					 pin_error->message);
	g_task_return_boolean(task, TRUE);
}

static void job_done(GObject *source, GAsyncResult *res, gpointer data)
{
	VmJob *job = g_task_get_task_data(G_TASK(res));
	Vm *vm = job->vm;
	Daemon *d = vm->d;

	vm->busy = FALSE;
	if (vm->stale_logged) {
		g_message("%s: answered again after %.1f s", vm->name,
			  (g_get_monotonic_time() - vm->busy_since) / 1e6);
		vm->stale_logged = FALSE;
	}
	if (daemon_find_vm(d, vm->name) != vm)
		return;         /* gone meanwhile */
	for (guint i = 0; i < job->pinned->len; i++) {
		VcpuPin *p = &g_array_index(job->pinned, VcpuPin, i);
		/* Where and when were recorded when the job was sent. */
		vm_vcpu(vm, p->vcpu)->moves++;
		vm->vcpu_moves++;
	}
	if (job->set && !job->error)
		g_message("%s: kvm-autonuma %s in QEMU", vm->name,
			  vm->want.enabled ? "enabled" : "disabled");
	if (job->info)
		vm_update(d, vm, job->info);
	if (job->error) {
		g_autofree char *s = g_strdup_printf("%s: %s",
			job->info ? "error" : "unreachable", job->error->message);

		d->query_errors++;
		vm_set_state(vm, s);
	} else {
		vm_set_state(vm, "ok");
	}
}

/* set-autonuma arguments that bring QEMU in line with @vm->want, or NULL. */
static JsonObject *reconcile(Vm *vm)
{
	JsonObject *info = vm->info ? json_node_get_object(vm->info) : NULL;
	JsonObject *set = NULL;

	if (!vm->managed)
		return NULL;
	if (!info || vm->enabled != vm->want.enabled) {
		set = json_object_new();
		json_object_set_boolean_member(set, "enabled", vm->want.enabled);
	}
	for (int t = 0; t < AUTONUMA_NR_TUNABLES; t++) {
		const char *name = autonuma_tunable_name(t);

		if (!vm->want.has[t] ||
		    (info && qmp_get_int(info, name, -1) == vm->want.value[t]))
			continue;
		if (!set)
			set = json_object_new();
		json_object_set_int_member(set, name, vm->want.value[t]);
	}
	return set;
}

/* Gear 4: one placement over every VM whose vCPUs autonumad places. */

static gboolean vm_placed_by_us(Daemon *d, Vm *vm)
{
	return d->config->placement && vm->managed && vm->want.enabled &&
	       vm->want.placement && vm->enabled && vm->info;
}

/* A VM joins placement once its vCPUs' load is known, a look after they
 * are first seen: an idle VM counted as busy would evict its neighbours. */
static gboolean vm_load_known(Vm *vm)
{
	for (guint i = 0; i < vm->vcpus->len; i++)
		if (g_array_index(vm->vcpus, VcpuState, i).load < 0)
			return FALSE;
	return vm->vcpus->len > 0;
}

static GHashTable *place(Daemon *d)
{
	GHashTable *pins = g_hash_table_new_full(NULL, NULL, NULL,
						 (GDestroyNotify)g_array_unref);
	g_autoptr(GPtrArray) vms = g_ptr_array_new();
	g_autoptr(GArray) in_v = g_array_new(FALSE, TRUE, sizeof(PolicyVcpu));
	g_autoptr(GArray) owner = g_array_new(FALSE, FALSE, sizeof(VcpuState *));
	g_autoptr(GArray) moves = NULL;
	g_autofree int *nodes = NULL;
	PolicyInput in = {
		.nr_nodes = MIN(d->topo->nr_nodes, POLICY_MAX_NODES),
		.min_faults = d->config->min_faults,
		.cohesion = 0.5,
	};
	gint64 now = g_get_monotonic_time();
	GHashTableIter it;
	Vm *vm;

	if (in.nr_nodes < 2)
		return pins;
	for (int n = 0; n < in.nr_nodes; n++)
		in.capacity[n] = d->node_capacity[n];
	g_hash_table_iter_init(&it, d->vms);
	while (g_hash_table_iter_next(&it, NULL, (gpointer *)&vm)) {
		if (!vm_placed_by_us(d, vm) || !vm_load_known(vm))
			continue;
		for (guint i = 0; i < vm->vcpus->len; i++) {
			VcpuState *v = &g_array_index(vm->vcpus, VcpuState, i);
			PolicyVcpu pv = {
				.vm = vms->len, .node = v->placed,
				/* Its pins wait for the VM's job under way. */
				.locked = vm->busy,
				.fixed = (v->moved_at &&
					 now - v->moved_at <
					 d->config->anti_thrash_ms * 1000LL),
				.load = v->load,
			};

			memcpy(pv.faults, v->recent, sizeof(pv.faults));
			for (int n = 0; n < in.nr_nodes && vm->memory_total; n++)
				pv.memory[n] = (double)vm->memory[n] /
					       vm->memory_total;
			g_array_append_val(in_v, pv);
			g_array_append_val(owner, v);
		}
		g_ptr_array_add(vms, vm);
	}
	if (!in_v->len)
		return pins;
	nodes = g_new(int, in_v->len);
	moves = policy_place(&in, (PolicyVcpu *)in_v->data, in_v->len, nodes);

	for (guint i = 0; i < moves->len; i++) {
		PolicyMove *m = &g_array_index(moves, PolicyMove, i);
		PolicyVcpu *pv = &g_array_index(in_v, PolicyVcpu, m->vcpu);
		VcpuState *v = g_array_index(owner, VcpuState *, m->vcpu);
		Vm *mv = vms->pdata[pv->vm];
		g_autofree char *with = NULL;

		if (m->swap_with >= 0) {
			PolicyVcpu *po = &g_array_index(in_v, PolicyVcpu, m->swap_with);
			VcpuState *o = g_array_index(owner, VcpuState *, m->swap_with);

			with = g_strdup_printf(", swapped with %s vCPU %d",
					       ((Vm *)vms->pdata[po->vm])->name,
					       o->index);
		}
		g_message("%s: vCPU %d node %d -> %d (%s: recent faults %.0f there, %.0f on node %d, gain %.0f, load %.2f%s)",
			  mv->name, v->index, m->from, m->to,
			  policy_reason_name(m->reason), pv->faults[m->to],
			  m->from >= 0 ? pv->faults[m->from] : 0, m->from,
			  m->gain, pv->load, with ? with : "");
	}
	for (guint i = 0; i < in_v->len; i++) {
		PolicyVcpu *pv = &g_array_index(in_v, PolicyVcpu, i);
		VcpuState *v = g_array_index(owner, VcpuState *, i);
		Vm *pvm = vms->pdata[pv->vm];
		GArray *list;
		VcpuPin pin = { v->index, v->tid, nodes[i] };

		if (nodes[i] == v->placed || nodes[i] < 0)
			continue;
		list = g_hash_table_lookup(pins, pvm);
		if (!list) {
			list = g_array_new(FALSE, FALSE, sizeof(VcpuPin));
			g_hash_table_insert(pins, pvm, list);
		}
		g_array_append_val(list, pin);
	}
	return pins;
}

void daemon_tick(Daemon *d)
{
	g_autoptr(GHashTable) pins = NULL;
	gboolean working;
	gint64 now = g_get_monotonic_time();
	GHashTableIter it;
	Vm *vm;

	d->ticks++;
	d->kvm_autonuma = read_kvm_autonuma();
	d->numa_balancing = read_numa_balancing();
	working = d->host_enabled && d->kvm_autonuma;
	pins = working ? place(d) : g_hash_table_new(NULL, NULL);

	g_hash_table_iter_init(&it, d->vms);
	while (g_hash_table_iter_next(&it, NULL, (gpointer *)&vm)) {
		g_autoptr(GTask) task = NULL;
		GArray *p = g_hash_table_lookup(pins, vm);
		VmJob *job;

		if (vm->busy) {
			gint64 late = now - vm->busy_since;

			if (!vm->stale_logged &&
			    late > 2000LL * d->config->qmp_timeout_ms) {
				g_autofree char *s = g_strdup_printf(
					"unreachable: no answer for %.1f s, skipped until it answers",
					late / 1e6);

				vm_set_state(vm, s);
				vm->stale_logged = TRUE;
			}
			continue;
		}
		job = g_new0(VmJob, 1);
		job->vm = vm_ref(vm);
		job->set = working ? reconcile(vm) : NULL;
		job->pins = p ? g_array_ref(p) :
			    g_array_new(FALSE, FALSE, sizeof(VcpuPin));
		/*
		 * Until the job is done, the next placement must see these
		 * vCPUs where they are going, or it fills their new node
		 * twice; the job's query-autonuma brings the truth back.
		 */
		for (guint i = 0; p && i < p->len; i++) {
			VcpuPin *pin = &g_array_index(p, VcpuPin, i);
			VcpuState *v = vm_vcpu(vm, pin->vcpu);

			v->placed = v->pinned_to = pin->node;
			v->moved_at = now;
		}
		job->pinned = g_array_new(FALSE, FALSE, sizeof(VcpuPin));
		job->node_cpus = d->node_cpus;
		job->nr_cpus = d->topo->nr_cpus;
		vm->busy = TRUE;
		vm->busy_since = now;
		task = g_task_new(NULL, NULL, job_done, NULL);
		g_task_set_task_data(task, job, (GDestroyNotify)job_free);
		g_task_run_in_thread(task, job_run);
	}
}

gboolean daemon_tick_cb(gpointer data)
{
	Daemon *d = data;
	g_autofree char *text = NULL;
	g_autoptr(GError) error = NULL;

	daemon_tick(d);
	if (d->config->metrics_textfile) {
		text = metrics_text(d);
		/* Atomic (a rename), as node_exporter's textfile collector
		 * wants it. */
		if (!g_file_set_contents(d->config->metrics_textfile, text, -1,
					 &error))
			g_warning("metrics: %s", error->message);
	}
	return G_SOURCE_CONTINUE;
}

/* Each node's CPUs (libnuma), and so how many vCPUs it may take. */
static gboolean read_nodes(Daemon *d, GError **error)
{
	int nr_nodes = d->topo->nr_nodes;

	if (numa_available() < 0) {
		g_set_error(error, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED,
			    "libnuma: this kernel has no NUMA support");
		return FALSE;
	}
	d->node_cpus = g_new0(guint8 *, nr_nodes + 1);
	d->node_capacity = g_new0(int, nr_nodes);
	for (int n = 0; n < nr_nodes; n++) {
		struct bitmask *mask = numa_allocate_cpumask();
		int cpus = 0;

		d->node_cpus[n] = g_new0(guint8, d->topo->nr_cpus);
		/* A node without CPUs (memory only) takes no vCPU. */
		if (numa_bitmask_isbitset(numa_nodes_ptr, n) &&
		    !numa_node_to_cpus(n, mask)) {
			for (int c = 0; c < d->topo->nr_cpus; c++) {
				if (numa_bitmask_isbitset(mask, c)) {
					d->node_cpus[n][c] = 1;
					cpus++;
				}
			}
		}
		numa_free_cpumask(mask);
		d->node_capacity[n] = cpus ? MAX(1, (int)floor(cpus *
					d->config->overcommit)) : 0;
	}
	return TRUE;
}

/* Free and total memory of @node, bytes (libnuma); FALSE if unknown. */
gboolean daemon_node_memory(int node, gint64 *free_bytes, gint64 *size)
{
	long long free_ll;

	*size = numa_node_size64(node, &free_ll);
	*free_bytes = free_ll;
	return *size >= 0;
}

gboolean daemon_start(Daemon *d, GError **error)
{
	d->topo = topology_read("/sys", error);
	if (!d->topo)
		return FALSE;
	if (!read_nodes(d, error))
		return FALSE;
	d->vms = g_hash_table_new_full(g_str_hash, g_str_equal, NULL,
				       (GDestroyNotify)vm_unref);
	d->host_enabled = TRUE;
	if (!control_start(d, error))
		return FALSE;
	g_message("started: %d nodes, %d CPUs, period %u ms, anti-thrash %u ms, placement %s",
		  d->topo->nr_nodes, d->topo->nr_cpus, d->config->period_ms,
		  d->config->anti_thrash_ms, d->config->placement ? "on" : "off");
	if (d->topo->nr_nodes < 2)
		g_message("a single node: nothing to place; VMs are still enabled as asked");
	qmp_vms_sync(d);
	if (d->config->libvirt_uri)
		libvirt_start(d);
	d->tick_id = g_timeout_add(d->config->period_ms, daemon_tick_cb, d);
	daemon_tick(d);
	return TRUE;
}

void daemon_stop(Daemon *d)
{
	g_clear_handle_id(&d->tick_id, g_source_remove);
	libvirt_stop(d);
	control_stop(d);
	if (d->vms)
		g_hash_table_remove_all(d->vms);
}
