// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The placement policy: a greedy local search from the current placement.
 * Moves that only shuffle noise cost a vCPU its caches and its memory a
 * trip, so every change must beat a margin; a vCPU that just moved is
 * fixed (the caller's anti-thrash interval), as AutoNUMA held a task.
 */
#include <math.h>
#include <string.h>

#include "policy.h"

/* A move must raise the total by this share of what is at stake, and by
 * at least MARGIN_FLOOR of min-faults: once the scanner backs off, a
 * period brings a few faults a vCPU, and a gain of one or two of them is
 * noise that would send the vCPU's memory after it (bench scenario f). */
#define MARGIN 0.10
#define MARGIN_FLOOR 0.25

/* A swap must beat this many standard deviations of its fault counts'
 * sampling noise: see swap_margin(). */
#define SWAP_SIGMAS 3

/* ... and raise the two vCPUs' shares of local weight by this much in
 * all (2 for two vCPUs that each want the other's node): see
 * swap_shares_gain(). */
#define SWAP_SHARES 0.5

/* Load a node may take beyond its capacity: idle vCPUs' timer ticks and
 * the noise of a measurement over one period must not evict anyone. */
#define LOAD_SLACK 0.25

/* A vCPU that wants this much CPU or more counts as a whole one.  Demand
 * measured next to other vCPUs and migration threads comes out below 1
 * for vCPUs that would take a whole CPU: counted as measured, three busy
 * vCPUs of 0.7 fitted on a 2-CPU node (bench scenario f). */
#define LOAD_BUSY 0.25

double policy_load_update(double load, double busy, gint64 dt_us,
			  gint64 hold_us)
{
	gint64 half_life = CLAMP(hold_us, 1, POLICY_LOAD_HALF_LIFE_MAX_US);

	busy = CLAMP(busy, 0.0, 1.0);
	if (load < 0)
		return busy;
	return MAX(busy, load * exp2(-(double)MAX(dt_us, 0) / half_life));
}

const char *policy_reason_name(PolicyReason r)
{
	static const char *const names[] = {
		[POLICY_PLACE] = "place", [POLICY_MOVE] = "move",
		[POLICY_SWAP] = "swap", [POLICY_EVICT] = "evict",
	};

	return names[r];
}

static double total_faults(const PolicyVcpu *v, int nr_nodes)
{
	double t = 0;

	for (int n = 0; n < nr_nodes; n++)
		t += v->faults[n];
	return t;
}

/* Whether @v has faults enough for a preference of its own; fewer are
 * noise, or a window of the scan that missed its memory. */
static gboolean has_preference(const PolicyInput *in, const PolicyVcpu *v)
{
	return total_faults(v, in->nr_nodes) >= in->min_faults;
}

double policy_weight(const PolicyInput *in, const PolicyVcpu *vcpus, int nr,
		     int v, int n)
{
	const PolicyVcpu *me = &vcpus[v];
	double own = total_faults(me, in->nr_nodes);
	/* has_preference(), without summing the faults again. */
	double w = own >= in->min_faults && own > 0 ? me->faults[n] : 0;

	/* Scaled to the vCPU's own volume, so that it never outweighs a
	 * clear preference of its own, yet carries an idle vCPU along. */
	return w + in->cohesion * fmax(own, in->min_faults) * me->memory[n];
}

typedef struct {
	const PolicyInput *in;
	const PolicyVcpu *vcpus;
	int nr;
	int *nodes;
	double load[POLICY_MAX_NODES];
	double cap[POLICY_MAX_NODES];
	gboolean *done;         /* moved in this round */
	GArray *moves;
} Search;

static double load(const Search *s, int v)
{
	return s->vcpus[v].load >= LOAD_BUSY ? 1.0 : s->vcpus[v].load;
}

static double w(const Search *s, int v, int n)
{
	return policy_weight(s->in, s->vcpus, s->nr, v, n);
}

/* The least gain worth a move: see MARGIN. */
static double margin(const Search *s, double at_stake)
{
	return fmax(fmax(1.0, MARGIN_FLOOR * s->in->min_faults),
		    MARGIN * at_stake);
}

static void record(Search *s, int v, int to, int other, PolicyReason why,
		   double gain)
{
	PolicyMove m = {
		.vcpu = v, .from = s->nodes[v], .to = to, .swap_with = other,
		.reason = why, .gain = gain,
	};

	g_array_append_val(s->moves, m);
	if (s->nodes[v] >= 0)
		s->load[s->nodes[v]] -= load(s, v);
	s->load[to] += load(s, v);
	s->nodes[v] = to;
	s->done[v] = TRUE;
}

/* Whether node @n can take @more load (which may be negative). */
static gboolean fits(const Search *s, int n, double more)
{
	return more <= 0 || s->load[n] + more <= s->cap[n] + LOAD_SLACK;
}

/* The node with room that @v wants most, or -1. */
static int best_with_room(const Search *s, int v)
{
	int best = -1;

	for (int n = 0; n < s->in->nr_nodes; n++)
		if (n != s->nodes[v] && fits(s, n, load(s, v)) &&
		    (best < 0 || w(s, v, n) > w(s, v, best)))
			best = n;
	return best;
}

/*
 * For @v, not placed, with no preference of its own: the node with most
 * of its VM's placed vCPUs, if it has room, else -1.  A VM whose pins
 * were all dropped at once gets its vCPUs placed one at a time; placed
 * each by its VM's memory and the room left, they went one on each node
 * and split the VM's memory after them (bench scenario e).
 */
static int siblings_node(const Search *s, int v)
{
	int count[POLICY_MAX_NODES] = { 0 }, best = -1;

	if (has_preference(s->in, &s->vcpus[v]))
		return -1;
	for (int u = 0; u < s->nr; u++)
		if (u != v && s->vcpus[u].vm == s->vcpus[v].vm &&
		    s->nodes[u] >= 0)
			count[s->nodes[u]]++;
	for (int n = 0; n < s->in->nr_nodes; n++)
		if (count[n] && fits(s, n, load(s, v)) &&
		    (best < 0 || count[n] > count[best]))
			best = n;
	return best;
}

static void scale_capacity(Search *s)
{
	double sum = 0, want = 0;

	for (int n = 0; n < s->in->nr_nodes; n++) {
		s->cap[n] = MAX(s->in->capacity[n], 0);
		sum += s->cap[n];
	}
	for (int v = 0; v < s->nr; v++)
		want += load(s, v);
	/* Overcommitted host: every node takes its share more. */
	if (sum > 0 && want > sum)
		for (int n = 0; n < s->in->nr_nodes; n++)
			s->cap[n] *= want / sum;
}

/* Whether @v, on @n, may be evicted now: busy (an idle vCPU's move
 * would not relieve the node), not moved in this round, and not held. */
static gboolean evictable(const Search *s, int v, int n, gboolean even_fixed)
{
	return s->nodes[v] == n && !s->done[v] && load(s, v) >= LOAD_BUSY &&
	       !s->vcpus[v].locked && (!s->vcpus[v].fixed || even_fixed);
}

/*
 * The busy vCPUs of @v's VM still on @from follow it to @to while there
 * is room: evicting one at a time leaves a VM with a vCPU on each node
 * and its memory split after them for good (bench scenario e, where the
 * other VM on the node could not move while its job was under way).
 */
static void evict_siblings(Search *s, int v, int from, int to,
			   gboolean even_fixed)
{
	for (int u = 0; u < s->nr; u++) {
		if (u == v || s->vcpus[u].vm != s->vcpus[v].vm ||
		    !evictable(s, u, from, even_fixed) ||
		    !fits(s, to, load(s, u)))
			continue;
		record(s, u, to, -1, POLICY_EVICT, w(s, u, to) - w(s, u, from));
	}
}

/*
 * How many of @v's VM's other vCPUs would share @n with @v: those on @n
 * already and those on @from that evict_siblings() would bring along.
 */
static int siblings_with(const Search *s, int v, int from, int n,
			 gboolean even_fixed)
{
	double room = s->cap[n] + LOAD_SLACK - s->load[n] - load(s, v);
	int count = 0;

	for (int u = 0; u < s->nr; u++) {
		if (u == v || s->vcpus[u].vm != s->vcpus[v].vm)
			continue;
		if (s->nodes[u] == n) {
			count++;
		} else if (evictable(s, u, from, even_fixed) &&
			   load(s, u) <= room) {
			room -= load(s, u);
			count++;
		}
	}
	return count;
}

/*
 * Where @v, evicted from @from, goes: of the nodes with room whose weight
 * for it is within a move's margin of the best, the one where most of its
 * VM would be with it.  By weight alone, ties and noise chose the node, and
 * a VM whose vCPUs were evicted one by one could end on two nodes, its
 * shared memory remote to one of them (bench scenario f).
 */
static int evict_to(const Search *s, int v, int from, gboolean even_fixed)
{
	int best = best_with_room(s, v), pick = best, most;
	double floor;

	if (best < 0)
		return -1;
	floor = w(s, v, best) - margin(s, w(s, v, best));
	most = siblings_with(s, v, from, best, even_fixed);
	for (int n = 0; n < s->in->nr_nodes; n++) {
		int with;

		if (n == from || n == best || !fits(s, n, load(s, v)) ||
		    w(s, v, n) < floor)
			continue;
		with = siblings_with(s, v, from, n, even_fixed);
		if (with > most) {
			most = with;
			pick = n;
		}
	}
	return pick;
}

/* Empty nodes above capacity, weakest claim first, and of equal claims the
 * vCPU that wants the least CPU: the lighter VM moves, and its memory is
 * the less used. */
static void evict(Search *s, gboolean even_fixed)
{
	for (int n = 0; n < s->in->nr_nodes; n++) {
		while (s->load[n] > s->cap[n] + LOAD_SLACK) {
			int victim = -1, to;
			double weakest = 0;

			for (int v = 0; v < s->nr; v++) {
				double claim;

				if (!evictable(s, v, n, even_fixed))
					continue;
				claim = w(s, v, n);
				if (victim < 0 || claim < weakest ||
				    (claim == weakest &&
				     s->vcpus[v].load < s->vcpus[victim].load)) {
					victim = v;
					weakest = claim;
				}
			}
			if (victim < 0)
				break;
			to = evict_to(s, victim, n, even_fixed);
			if (to < 0)
				break;
			record(s, victim, to, -1, POLICY_EVICT,
			       w(s, victim, to) - w(s, victim, n));
			evict_siblings(s, victim, n, to, even_fixed);
		}
	}
}

/*
 * What the other vCPU of a swap, @u, has at stake on node @n.  Its own
 * faults count even below min-faults: too few to move it, they still
 * show where it works.  The scanner samples a window of guest memory at
 * a time, so a vCPU whose slice was not in this period's windows shows
 * few faults; counted as no preference, such vCPUs of b's guest traded
 * places with their own guest's remote ranks and took the remoteness
 * along, and both slices' memory travelled (bench scenario b).
 */
static double w_partner(const Search *s, int u, int n)
{
	const PolicyVcpu *pu = &s->vcpus[u];

	if (has_preference(s->in, pu))
		return w(s, u, n);
	return pu->faults[n] + w(s, u, n);
}

/*
 * The least gain worth swapping @v on @from with @u on @to.  Two vCPUs
 * that work alike show fault counts that differ by about the square
 * root of their sum, as the scanner's windows fall on their memory
 * unevenly.  A swap on such a difference only trades the remoteness
 * between them and sends both their memories travelling (bench scenario
 * d: ranks with 45 and about 30 faults for the same node were swapped).
 */
static double swap_margin(const Search *s, int v, int u, int from, int to)
{
	const PolicyVcpu *pv = &s->vcpus[v], *pu = &s->vcpus[u];
	double sampled = pv->faults[from] + pv->faults[to] +
			 pu->faults[from] + pu->faults[to];

	return fmax(margin(s, w(s, v, to) + w(s, u, to)),
		    SWAP_SIGMAS * sqrt(sampled));
}

/* @v's weight on @n as a share of its weight over all nodes, as
 * w_partner() sees it when @partner. */
static double share(const Search *s, int v, int n, gboolean partner)
{
	double sum = 0;

	for (int m = 0; m < s->in->nr_nodes; m++)
		sum += partner ? w_partner(s, v, m) : w(s, v, m);
	if (sum <= 0)
		return 0;
	return (partner ? w_partner(s, v, n) : w(s, v, n)) / sum;
}

/*
 * Whether swapping @v on @from with @u on @to, two vCPUs of one VM,
 * raises their locality as shares of each one's own faults, as the
 * kernel's task_weight() weighs tasks.  One VM's vCPUs share its
 * scanner's windows, so their counts differ by where the windows fell:
 * counts alone let a swap through when the first windows fell on @v's
 * memory more than on @u's, though both want @to.  It only traded the
 * remoteness between them, and the memory already moving after @v came
 * back (bench scenarios b and d with hint-percent 100: one vCPU's 53
 * recent faults, all on node 0, beat the margin).  Between VMs the
 * counts stand: the busier VM gets the node both want.
 */
static gboolean swap_shares_gain(const Search *s, int v, int u, int from,
				 int to)
{
	double gain;

	if (s->vcpus[v].vm != s->vcpus[u].vm)
		return TRUE;
	gain = share(s, v, to, FALSE) - share(s, v, from, FALSE) +
	       share(s, u, from, TRUE) - share(s, u, to, TRUE);
	return gain > SWAP_SHARES;
}

/* One improving move or swap for @v towards its favourite node. */
static gboolean improve(Search *s, int v)
{
	int from = s->nodes[v], to = 0, partner = -1;
	double here = w(s, v, from), gain, best_delta = 0;

	for (int n = 1; n < s->in->nr_nodes; n++)
		if (w(s, v, n) > w(s, v, to))
			to = n;
	gain = w(s, v, to) - here;
	if (to == from || gain <= margin(s, w(s, v, to)))
		return FALSE;
	if (fits(s, to, load(s, v))) {
		record(s, v, to, -1, POLICY_MOVE, gain);
		return TRUE;
	}
	for (int u = 0; u < s->nr; u++) {
		double delta, diff = load(s, v) - load(s, u);

		if (s->nodes[u] != to || s->vcpus[u].fixed ||
		    s->vcpus[u].locked || s->done[u] ||
		    !fits(s, to, diff) || !fits(s, from, -diff))
			continue;
		delta = w_partner(s, u, from) - w_partner(s, u, to);
		/* Without a preference of its own, @u must not lose. */
		if (delta < 0 && !has_preference(s->in, &s->vcpus[u]))
			continue;
		delta += gain;
		if (delta > best_delta) {
			best_delta = delta;
			partner = u;
		}
	}
	if (partner < 0 ||
	    best_delta <= swap_margin(s, v, partner, from, to) ||
	    !swap_shares_gain(s, v, partner, from, to))
		return FALSE;
	record(s, v, to, partner, POLICY_SWAP, best_delta);
	/* record() counted v in; partner goes out */
	s->load[to] -= load(s, partner);
	s->load[from] += load(s, partner);
	s->nodes[partner] = from;
	s->done[partner] = TRUE;
	return TRUE;
}

static int by_gain(gconstpointer a, gconstpointer b, gpointer data)
{
	const Search *s = data;
	int va = *(const int *)a, vb = *(const int *)b;
	double ga = 0, gb = 0;

	for (int n = 0; n < s->in->nr_nodes; n++) {
		ga = fmax(ga, w(s, va, n) - w(s, va, s->nodes[va]));
		gb = fmax(gb, w(s, vb, n) - w(s, vb, s->nodes[vb]));
	}
	return ga < gb ? 1 : ga > gb ? -1 : va - vb;
}

GArray *policy_place(const PolicyInput *in, const PolicyVcpu *vcpus, int nr,
		     int *nodes)
{
	g_autofree gboolean *done = g_new0(gboolean, nr);
	g_autofree int *order = g_new(int, nr);
	Search s = {
		.in = in, .vcpus = vcpus, .nr = nr, .nodes = nodes, .done = done,
		.moves = g_array_new(FALSE, FALSE, sizeof(PolicyMove)),
	};

	scale_capacity(&s);
	for (int v = 0; v < nr; v++) {
		nodes[v] = vcpus[v].node;
		if (nodes[v] >= in->nr_nodes)
			nodes[v] = -1;
		if (nodes[v] >= 0)
			s.load[nodes[v]] += load(&s, v);
	}
	for (int v = 0; v < nr; v++) {
		int to;

		if (nodes[v] >= 0 || vcpus[v].locked)
			continue;
		to = siblings_node(&s, v);
		if (to < 0)
			to = best_with_room(&s, v);
		if (to >= 0)
			record(&s, v, to, -1, POLICY_PLACE, w(&s, v, to));
	}
	evict(&s, FALSE);
	evict(&s, TRUE);

	for (int v = 0; v < nr; v++)
		order[v] = v;
	g_qsort_with_data(order, nr, sizeof(*order), by_gain, &s);
	for (int i = 0; i < nr; i++) {
		int v = order[i];

		if (!done[v] && !vcpus[v].fixed && !vcpus[v].locked &&
		    nodes[v] >= 0)
			improve(&s, v);
	}
	return s.moves;
}
