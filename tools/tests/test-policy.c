// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The placement policy on synthetic statistics: the cases AutoNUMA's
 * authors argued over, as vCPUs of VMs.
 */
#include <glib.h>

#include "policy.h"

typedef struct {
	PolicyInput in;
	PolicyVcpu v[16];
	int nr;
	int nodes[16];
} Case;

static void setup(Case *c, int nr_nodes, int cap)
{
	*c = (Case){ .in = { .nr_nodes = nr_nodes, .min_faults = 32,
			     .cohesion = 0.5 } };
	for (int n = 0; n < nr_nodes; n++)
		c->in.capacity[n] = cap;
}

/* Add a busy vCPU of @vm on @node whose recent faults per node are
 * @f0.. */
static int add(Case *c, int vm, int node, double f0, double f1, double f2,
	       double f3)
{
	PolicyVcpu *v = &c->v[c->nr];

	*v = (PolicyVcpu){ .vm = vm, .node = node, .load = 1,
			   .faults = { f0, f1, f2, f3 } };
	return c->nr++;
}

/* The CPU that vCPUs 0, 1, ... want: one share each, for all vCPUs. */
static void loads(Case *c, const double *load)
{
	for (int i = 0; i < c->nr; i++)
		c->v[i].load = load[i];
}

/* The recent faults on @node of vCPUs 0 to 3. */
static void faults_on(Case *c, int node, double v0, double v1, double v2,
		      double v3)
{
	c->v[0].faults[node] = v0;
	c->v[1].faults[node] = v1;
	c->v[2].faults[node] = v2;
	c->v[3].faults[node] = v3;
}

/* Where @vm's RAM is: shares per node. */
static void memory(Case *c, int vm, double m0, double m1, double m2, double m3)
{
	for (int i = 0; i < c->nr; i++)
		if (c->v[i].vm == vm) {
			c->v[i].memory[0] = m0;
			c->v[i].memory[1] = m1;
			c->v[i].memory[2] = m2;
			c->v[i].memory[3] = m3;
		}
}

static GArray *place(Case *c)
{
	GArray *moves = policy_place(&c->in, c->v, c->nr, c->nodes);
	double load[POLICY_MAX_NODES] = { 0 };

	for (int i = 0; i < c->nr; i++) {
		g_assert_cmpint(c->nodes[i], >=, 0);
		g_assert_cmpint(c->nodes[i], <, c->in.nr_nodes);
		load[c->nodes[i]] += c->v[i].load;
	}
	/* Within capacity, up to the policy's slack of a quarter CPU. */
	for (int n = 0; n < c->in.nr_nodes; n++)
		g_assert_cmpfloat(load[n], <=, c->in.capacity[n] + 0.25);
	return moves;
}

/* Total faults that are local under the placement in c->nodes. */
static double local(const Case *c, const int *nodes)
{
	double sum = 0;

	for (int i = 0; i < c->nr; i++)
		sum += c->v[i].faults[nodes[i]];
	return sum;
}

static int current[16];

static double local_before(const Case *c)
{
	for (int i = 0; i < c->nr; i++)
		current[i] = c->v[i].node;
	return local(c, current);
}

/* Assert where vCPUs 0, 1, ... ended: @want has one node digit each. */
static void assert_nodes(const Case *c, const char *want)
{
	for (int i = 0; want[i]; i++)
		if (c->nodes[i] != want[i] - '0')
			g_error("vCPU %d ended on node %d, not %c", i, c->nodes[i],
				want[i]);
}

/* A 2-vCPU VM split over two nodes, its memory on node 1: it ends up
 * whole on node 1. */
static void test_fits_in_a_node(void)
{
	Case c;
	g_autoptr(GArray) moves = NULL;

	setup(&c, 2, 2);
	add(&c, 0, 0, 10, 900, 0, 0);
	add(&c, 0, 1, 5, 800, 0, 0);
	memory(&c, 0, 0.05, 0.95, 0, 0);
	moves = place(&c);
	assert_nodes(&c, "11");
	g_assert_cmpuint(moves->len, ==, 1);
	g_assert_cmpint(g_array_index(moves, PolicyMove, 0).reason, ==,
			POLICY_MOVE);
}

/* An idle vCPU (no faults of its own) follows its VM's memory. */
static void test_idle_vcpu_follows_vm(void)
{
	Case c;
	g_autoptr(GArray) moves = NULL;

	setup(&c, 2, 2);
	add(&c, 0, 1, 0, 900, 0, 0);
	add(&c, 0, 0, 0, 0, 0, 0);
	memory(&c, 0, 0.1, 0.9, 0, 0);
	moves = place(&c);
	assert_nodes(&c, "11");
}

/* Someone moved both vCPUs of a VM away from its memory; their few faults
 * so far say nothing yet, but the memory does: they go back at once. */
static void test_moved_away_goes_back(void)
{
	Case c;
	g_autoptr(GArray) moves = NULL;

	setup(&c, 2, 2);
	add(&c, 0, 1, 3, 0, 0, 0);
	add(&c, 0, 1, 0, 0, 0, 0);
	memory(&c, 0, 1, 0, 0, 0);
	moves = place(&c);
	assert_nodes(&c, "00");
}

/* Two VMs that both want node 0, which has room for one: the busier one
 * gets it, neither is split, node 0 never takes more than it has. */
static void test_two_vms_same_node(void)
{
	Case c;
	g_autoptr(GArray) moves = NULL;

	setup(&c, 2, 2);
	add(&c, 0, 1, 500, 0, 0, 0);    /* VM 0, busier */
	add(&c, 0, 1, 500, 0, 0, 0);
	add(&c, 1, 0, 200, 0, 0, 0);    /* VM 1 holds node 0 now */
	add(&c, 1, 0, 200, 0, 0, 0);
	memory(&c, 0, 1, 0, 0, 0);
	memory(&c, 1, 1, 0, 0, 0);
	moves = place(&c);
	assert_nodes(&c, "0011");
	g_assert_cmpuint(moves->len, ==, 2);
	g_assert_cmpint(g_array_index(moves, PolicyMove, 0).reason, ==,
			POLICY_SWAP);
	g_assert_cmpfloat(local(&c, c.nodes), >, local_before(&c));
}

/* A 4-vCPU VM on 2-CPU nodes, each pair working on its own half, placed
 * crosswise: swaps split it along its access pattern. */
static void test_vm_wider_than_node(void)
{
	Case c;
	g_autoptr(GArray) moves = NULL;

	setup(&c, 2, 2);
	add(&c, 0, 1, 700, 50, 0, 0);
	add(&c, 0, 0, 650, 60, 0, 0);
	add(&c, 0, 0, 40, 800, 0, 0);
	add(&c, 0, 1, 30, 600, 0, 0);
	memory(&c, 0, 0.5, 0.5, 0, 0);
	moves = place(&c);
	assert_nodes(&c, "0011");
	for (guint i = 0; i < moves->len; i++)
		g_assert_cmpint(g_array_index(moves, PolicyMove, i).reason, ==,
				POLICY_SWAP);
}

/* VM 1 idles on node 1 with its memory on node 0, where busy VM 0 runs.
 * Idle, nothing moves.  When it starts computing it does not evict a
 * busier VM: its memory will come to it instead.  When VM 0 goes quiet,
 * they trade places. */
static void test_idle_vm_starts(void)
{
	Case c;
	g_autoptr(GArray) m1 = NULL, m2 = NULL, m3 = NULL;

	setup(&c, 2, 2);
	add(&c, 0, 0, 900, 10, 0, 0);
	add(&c, 0, 0, 900, 10, 0, 0);
	add(&c, 1, 1, 3, 0, 0, 0);
	add(&c, 1, 1, 2, 0, 0, 0);
	memory(&c, 0, 1, 0, 0, 0);
	memory(&c, 1, 1, 0, 0, 0);
	m1 = place(&c);
	g_assert_cmpuint(m1->len, ==, 0);

	c.v[2].faults[0] = c.v[3].faults[0] = 400;
	m2 = place(&c);
	g_assert_cmpuint(m2->len, ==, 0);

	c.v[0].faults[0] = c.v[1].faults[0] = 40;
	m3 = place(&c);
	assert_nodes(&c, "1100");
}

/* Scenario e of the benchmark: an idle 2-vCPU VM shares node 0's two
 * CPUs with a busy one, both with their memory there.  Counted as
 * vCPUs, node 0 is over capacity and one vCPU of each VM would be
 * evicted, splitting both; counted as load, nothing moves.  Once the
 * idle VM computes, node 0 is full: its vCPUs, whose claim is the
 * weaker, go to node 1 together. */
static void test_idle_vm_shares_node(void)
{
	Case c;
	g_autoptr(GArray) m1 = NULL, m2 = NULL;

	setup(&c, 2, 2);
	add(&c, 0, 0, 900, 0, 0, 0);
	add(&c, 0, 0, 900, 0, 0, 0);
	add(&c, 1, 0, 0, 0, 0, 0);
	add(&c, 1, 0, 0, 0, 0, 0);
	loads(&c, (double[]){ 1, 1, 0.05, 0.05 });
	memory(&c, 0, 1, 0, 0, 0);
	memory(&c, 1, 1, 0, 0, 0);
	m1 = place(&c);
	g_assert_cmpuint(m1->len, ==, 0);

	loads(&c, (double[]){ 1, 1, 1, 1 });
	c.v[2].faults[0] = c.v[3].faults[0] = 100;
	m2 = place(&c);
	assert_nodes(&c, "0011");
	g_assert_cmpint(g_array_index(m2, PolicyMove, 0).reason, ==,
			POLICY_EVICT);
}

/* Busy vCPUs measured below a whole CPU (crowded, or next to migration
 * threads) still count as one each: three of 0.7 do not share two CPUs. */
static void test_busy_counts_whole(void)
{
	Case c;
	g_autoptr(GArray) moves = NULL;
	int on0 = 0;

	setup(&c, 2, 2);
	for (int i = 0; i < 3; i++)
		add(&c, i, 0, 300, 0, 0, 0);
	loads(&c, (double[]){ 0.7, 0.7, 0.7 });
	memory(&c, 0, 1, 0, 0, 0);
	memory(&c, 1, 1, 0, 0, 0);
	memory(&c, 2, 1, 0, 0, 0);
	moves = place(&c);
	for (int i = 0; i < 3; i++)
		on0 += c.nodes[i] == 0;
	g_assert_cmpint(on0, ==, 2);
	g_assert_cmpuint(moves->len, ==, 1);
}

/* Bench scenario e's start: both VMs' memory on node 0 with all four
 * vCPUs, too few faults to tell; the guest that just first-touched its
 * memory still shows some load.  The lighter VM moves out, whole. */
static void test_lighter_vm_evicted(void)
{
	Case c;
	g_autoptr(GArray) moves = NULL;

	setup(&c, 2, 2);
	add(&c, 0, 0, 7, 0, 0, 0);
	add(&c, 0, 0, 12, 0, 0, 0);
	add(&c, 1, 0, 20, 0, 0, 0);
	add(&c, 1, 0, 9, 0, 0, 0);
	loads(&c, (double[]){ 0.98, 0.97, 0.65, 0.60 });
	memory(&c, 0, 1, 0, 0, 0);
	memory(&c, 1, 1, 0, 0, 0);
	moves = place(&c);
	assert_nodes(&c, "0011");
}

/* The same, but the lighter VM's job is under way (its vCPUs locked):
 * the busy VM leaves node 0 whole, not one vCPU. */
static void test_evicted_vm_stays_whole(void)
{
	Case c;
	g_autoptr(GArray) moves = NULL;

	setup(&c, 2, 2);
	add(&c, 0, 0, 1, 0, 0, 0);
	add(&c, 0, 0, 0, 0, 0, 0);
	add(&c, 1, 0, 11, 0, 0, 0);
	add(&c, 1, 0, 5, 0, 0, 0);
	loads(&c, (double[]){ 0.96, 0.98, 0.49, 0.20 });
	c.v[2].locked = c.v[3].locked = TRUE;
	memory(&c, 0, 1, 0, 0, 0);
	memory(&c, 1, 1, 0, 0, 0);
	moves = place(&c);
	assert_nodes(&c, "1100");
}

/* A 4-node host of 2 CPUs a node: VM 1 on node 0 and VM 2 on node 1,
 * each busy next to its memory; VM 0's memory is on node 0, and its two
 * vCPUs, added after VM 1's, on @n0 and @n1 with 40 faults there each. */
static void crowd(Case *c, int n0, int n1)
{
	setup(c, 4, 2);
	add(c, 1, 0, 300, 0, 0, 0);
	add(c, 1, 0, 300, 0, 0, 0);
	add(c, 0, n0, 40, 0, 0, 0);
	add(c, 0, n1, 40, 0, 0, 0);
	add(c, 2, 1, 0, 300, 0, 0);
	add(c, 2, 1, 0, 300, 0, 0);
	memory(c, 0, 1, 0, 0, 0);
	memory(c, 1, 1, 0, 0, 0);
	memory(c, 2, 0, 1, 0, 0);
}

/* Scenario f: a VM with one vCPU already evicted to node 2 loses its other
 * vCPU from crowded node 0.  A few faults on node 3 are noise against
 * min-faults: it joins its sibling on node 2, where both are remote from
 * their memory alike, not node 3. */
static void test_evicted_joins_sibling(void)
{
	Case c;
	g_autoptr(GArray) moves = NULL;

	crowd(&c, 0, 2);
	c.v[2].faults[3] = 4;
	moves = place(&c);
	assert_nodes(&c, "002211");
}

/* Both vCPUs of a VM leave crowded node 0.  Node 2 has room for one, node
 * 3 for both: the VM goes whole to node 3, not one vCPU to each. */
static void test_evicted_vm_goes_where_it_fits(void)
{
	Case c;
	g_autoptr(GArray) moves = NULL;

	crowd(&c, 0, 0);
	add(&c, 3, 2, 0, 0, 300, 0);
	memory(&c, 3, 0, 0, 1, 0);
	moves = place(&c);
	assert_nodes(&c, "0033112");
}

/* Scenario e at its event: the idle VM, evicted whole to node 1, loses
 * its pins and starts computing.  Its vCPUs come unplaced one period
 * apart, and the second, its faults and its memory still on node 0 and
 * its load measured light, would fit there: it joins its sibling. */
static void test_unplaced_joins_siblings(void)
{
	Case c;
	g_autoptr(GArray) moves = NULL;

	setup(&c, 2, 2);
	add(&c, 0, 0, 300, 0, 0, 0);
	add(&c, 0, 0, 300, 0, 0, 0);
	add(&c, 1, 1, 0, 0, 0, 0);
	add(&c, 1, -1, 20, 0, 0, 0);
	loads(&c, (double[]){ 1, 1, 1, 0.23 });
	memory(&c, 0, 1, 0, 0, 0);
	memory(&c, 1, 0.8, 0.2, 0, 0);
	moves = place(&c);
	assert_nodes(&c, "0011");
}

/* Scenarios b and d after their event: ranks 2 and 3 of a 4-vCPU guest
 * were moved to node 1 and fault on their slices on node 0, where ranks
 * 0 and 1 work.  Swapping them would only move the remoteness to ranks 0
 * and 1: nothing moves, and 2 and 3's memory comes to them.  In b, the
 * scanner's windows were lately on 2 and 3's slices, and 0 and 1 show
 * too few faults to count; in d, all count, and 2 and 3's exceed 0 and
 * 1's by the sampling noise alone. */
static void test_no_swap_within_vm(void)
{
	/* Faults of ranks 0-3 on node 0 and node 1, and the share of the
	 * guest's memory on node 0.  d as above; then with more hinting
	 * (bench hint100), where the first windows fell on rank 3's slice
	 * more than on rank 1's: 53 faults against 32 is beyond the margin
	 * of the counts' noise, yet both want node 0. */
	static const struct {
		double f0[4], f1[4], mem0;
	} counts[] = {
		{ { 33, 30, 47, 51 }, { 0, 0, 6, 0 }, 0.75 },
		{ { 40, 32, 45, 53 }, { 0, 0, 0, 0 }, 0.9 },
	};
	Case c;
	g_autoptr(GArray) b = NULL, crossed = NULL;

	setup(&c, 2, 2);
	add(&c, 0, 0, 10, 0, 0, 0);
	add(&c, 0, 0, 0, 0, 0, 0);
	add(&c, 0, 1, 47, 0, 0, 0);
	add(&c, 0, 1, 51, 0, 0, 0);
	memory(&c, 0, 1, 0, 0, 0);
	b = place(&c);
	g_assert_cmpuint(b->len, ==, 0);

	for (guint i = 0; i < G_N_ELEMENTS(counts); i++) {
		g_autoptr(GArray) moves = NULL;

		faults_on(&c, 0, counts[i].f0[0], counts[i].f0[1],
			  counts[i].f0[2], counts[i].f0[3]);
		faults_on(&c, 1, counts[i].f1[0], counts[i].f1[1],
			  counts[i].f1[2], counts[i].f1[3]);
		memory(&c, 0, counts[i].mem0, 1 - counts[i].mem0, 0, 0);
		moves = place(&c);
		g_assert_cmpuint(moves->len, ==, 0);
	}

	/* Ranks that want each other's node still swap. */
	faults_on(&c, 0, 40, 0, 45, 53);
	faults_on(&c, 1, 0, 32, 0, 0);
	memory(&c, 0, 0.5, 0.5, 0, 0);
	crossed = place(&c);
	g_assert_cmpuint(crossed->len, ==, 1);
	g_assert_cmpint(g_array_index(crossed, PolicyMove, 0).swap_with, >=, 0);
	g_assert_cmpint(c.nodes[1], ==, 1);
	g_assert_cmpint(c.nodes[3], ==, 0);
}

/* A vCPU whose VM's job is under way cannot be pinned: it is never
 * evicted, even from an overfull node, and nothing swaps with it; the
 * others make the room. */
static void test_locked_vcpu_stays(void)
{
	Case c;
	g_autoptr(GArray) moves = NULL;

	setup(&c, 2, 1);
	add(&c, 0, 0, 100, 0, 0, 0);
	add(&c, 1, 0, 900, 0, 0, 0);
	c.v[0].locked = TRUE;
	moves = place(&c);
	assert_nodes(&c, "01");
	g_assert_cmpuint(moves->len, ==, 1);
	g_assert_cmpint(g_array_index(moves, PolicyMove, 0).vcpu, ==, 1);
}

/* A vCPU moved within the anti-thrash interval stays, even though its
 * faults (taken where the scheduler really ran it) now point elsewhere. */
static void test_fixed_vcpu_stays(void)
{
	Case c;
	g_autoptr(GArray) moves = NULL;

	setup(&c, 2, 2);
	add(&c, 0, 1, 900, 10, 0, 0);
	c.v[0].fixed = TRUE;
	moves = place(&c);
	g_assert_cmpuint(moves->len, ==, 0);
	g_assert_cmpint(c.nodes[0], ==, 1);

	c.v[0].fixed = FALSE;
	g_array_unref(moves);
	moves = place(&c);
	g_assert_cmpint(c.nodes[0], ==, 0);
}

/* Noise does not move anything: a vCPU below min-faults, a small
 * difference within the margin, and a few faults once the scanner has
 * backed off, though beyond the margin. */
static void test_noise(void)
{
	Case c;
	g_autoptr(GArray) moves = NULL;

	setup(&c, 4, 2);
	add(&c, 0, 0, 0, 20, 0, 0);     /* below min-faults */
	add(&c, 1, 0, 500, 530, 0, 0);  /* within the margin */
	add(&c, 2, 2, 0, 0, 30, 37);    /* 7 faults, under a quarter of 32 */
	moves = place(&c);
	g_assert_cmpuint(moves->len, ==, 0);

	c.v[2].faults[3] = 39;          /* 9: worth it */
	g_array_unref(moves);
	moves = place(&c);
	g_assert_cmpuint(moves->len, ==, 1);
	g_assert_cmpint(c.nodes[2], ==, 3);
}

/* Unplaced vCPUs get a node; an overfull node is emptied to capacity;
 * a host with too few CPUs shares the overcommit out evenly. */
static void test_place_and_evict(void)
{
	Case c;
	g_autoptr(GArray) moves = NULL;
	int load[4] = { 0 };

	setup(&c, 4, 1);
	add(&c, 0, -1, 0, 0, 0, 500);
	add(&c, 1, 2, 0, 0, 300, 0);
	add(&c, 1, 2, 0, 0, 100, 0);
	moves = place(&c);
	assert_nodes(&c, "32");
	g_assert_cmpint(c.nodes[2], !=, 2);
	g_assert_cmpint(g_array_index(moves, PolicyMove, 0).reason, ==,
			POLICY_PLACE);
	g_assert_cmpint(g_array_index(moves, PolicyMove, 1).reason, ==,
			POLICY_EVICT);

	/* 8 vCPUs of 4 VMs on 4 one-CPU nodes: two per node, VMs whole. */
	setup(&c, 4, 1);
	for (int vm = 0; vm < 4; vm++) {
		add(&c, vm, vm % 2, vm == 0 ? 900 : 0, vm == 1 ? 900 : 0,
		    vm == 2 ? 900 : 0, vm == 3 ? 900 : 0);
		add(&c, vm, 2 + vm % 2, vm == 0 ? 900 : 0, vm == 1 ? 900 : 0,
		    vm == 2 ? 900 : 0, vm == 3 ? 900 : 0);
	}
	g_array_unref(moves);
	moves = policy_place(&c.in, c.v, c.nr, c.nodes);
	for (int i = 0; i < c.nr; i++)
		load[c.nodes[i]]++;
	for (int n = 0; n < 4; n++)
		g_assert_cmpint(load[n], ==, 2);
	for (int i = 0; i < c.nr; i++)
		g_assert_cmpint(c.nodes[i], ==, c.v[i].vm);
}

/* A vCPU's load rises at once and falls by half every hold, at most every
 * minute.  The readings are the ones bench scenario f's crowded host gave a
 * busy vCPU, 0.77 and 0.19 half a second apart. */
static void test_load(void)
{
	const gint64 period = G_USEC_PER_SEC / 2, hold = 10 * G_USEC_PER_SEC;
	double load;

	g_assert_cmpfloat(policy_load_update(-1, 0.19, period, hold), ==, 0.19);
	g_assert_cmpfloat(policy_load_update(0.19, 0.77, period, hold), ==,
			  0.77);
	/* The low reading after a high one: still most of a CPU. */
	load = policy_load_update(0.77, 0.19, period, hold);
	g_assert_cmpfloat(load, >, 0.7);
	g_assert_cmpfloat(load, <, 0.77);
	/* Idle for a whole hold: half of it. */
	g_assert_cmpfloat_with_epsilon(policy_load_update(0.8, 0, hold, hold),
				       0.4, 1e-9);
	/* A ten-minute hold: the load still halves every minute. */
	g_assert_cmpfloat_with_epsilon(
		policy_load_update(0.8, 0, POLICY_LOAD_HALF_LIFE_MAX_US,
				   600 * G_USEC_PER_SEC), 0.4, 1e-9);
	/* Readings over a whole CPU (run-queue waits) count as one. */
	g_assert_cmpfloat(policy_load_update(0.5, 1.7, period, hold), ==, 1.0);
}

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/policy/fits-in-a-node", test_fits_in_a_node);
	g_test_add_func("/policy/idle-vcpu-follows-vm", test_idle_vcpu_follows_vm);
	g_test_add_func("/policy/moved-away-goes-back", test_moved_away_goes_back);
	g_test_add_func("/policy/two-vms-same-node", test_two_vms_same_node);
	g_test_add_func("/policy/vm-wider-than-node", test_vm_wider_than_node);
	g_test_add_func("/policy/idle-vm-starts", test_idle_vm_starts);
	g_test_add_func("/policy/idle-vm-shares-node", test_idle_vm_shares_node);
	g_test_add_func("/policy/busy-counts-whole", test_busy_counts_whole);
	g_test_add_func("/policy/fixed-vcpu-stays", test_fixed_vcpu_stays);
	g_test_add_func("/policy/locked-vcpu-stays", test_locked_vcpu_stays);
	g_test_add_func("/policy/lighter-vm-evicted", test_lighter_vm_evicted);
	g_test_add_func("/policy/evicted-vm-stays-whole",
			test_evicted_vm_stays_whole);
	g_test_add_func("/policy/evicted-joins-sibling",
			test_evicted_joins_sibling);
	g_test_add_func("/policy/evicted-vm-goes-where-it-fits",
			test_evicted_vm_goes_where_it_fits);
	g_test_add_func("/policy/unplaced-joins-siblings",
			test_unplaced_joins_siblings);
	g_test_add_func("/policy/no-swap-within-vm", test_no_swap_within_vm);
	g_test_add_func("/policy/noise", test_noise);
	g_test_add_func("/policy/place-and-evict", test_place_and_evict);
	g_test_add_func("/policy/load", test_load);
	return g_test_run();
}
