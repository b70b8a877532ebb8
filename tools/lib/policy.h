/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Gear 4, CPU follows memory: given where each vCPU's hinting faults go,
 * choose a host node for every vCPU of every enabled VM, within node
 * capacity.  Pure: no I/O, so that the tests can feed it synthetic stats.
 */
#pragma once

#include <glib.h>

#define POLICY_MAX_NODES 64

typedef struct {
	int vm;                 /* index of its VM, for the cohesion term */
	int node;               /* node placed on now; -1: not placed yet */
	gboolean fixed;         /* inside the anti-thrash interval: stays */
	gboolean locked;        /* cannot be moved now: stays, even evicting */
	double faults[POLICY_MAX_NODES]; /* recent hinting faults per node */
	double memory[POLICY_MAX_NODES]; /* share of its VM's RAM per node */
	double load;            /* CPUs' worth it wants, 0..1 */
} PolicyVcpu;

typedef struct {
	int nr_nodes;
	int capacity[POLICY_MAX_NODES]; /* vCPU load a node may take, CPUs */
	double min_faults;      /* fewer: the vCPU has no preference of its own */
	double cohesion;        /* pull towards its VM's memory, 0..1 */
} PolicyInput;

typedef enum {
	POLICY_PLACE,           /* not placed yet */
	POLICY_MOVE,            /* its memory is elsewhere, and there is room */
	POLICY_SWAP,            /* two vCPUs that each suit the other's node */
	POLICY_EVICT,           /* its node is over capacity */
} PolicyReason;

typedef struct {
	int vcpu;
	int from, to;
	int swap_with;          /* the other vCPU of a swap, else -1 */
	PolicyReason reason;
	double gain;            /* faults made local per period, estimated */
} PolicyMove;

const char *policy_reason_name(PolicyReason r);

/*
 * How much @v wants node @n: its own faults there, plus the pull of its
 * VM's memory.  The memory answers at once where faults take a scan
 * period to come: a vCPU that someone moved away from its VM's memory
 * goes back before the memory starts following it (CPU follows memory,
 * the cheap direction, when there is room).
 */
double policy_weight(const PolicyInput *in, const PolicyVcpu *vcpus, int nr,
		     int v, int n);

/* The longest time a vCPU's load takes to fall by half, whatever the hold. */
#define POLICY_LOAD_HALF_LIFE_MAX_US (60 * G_USEC_PER_SEC)

/*
 * A vCPU's load after a reading of @busy CPUs' worth taken @dt_us after
 * the last one.  It rises at once and falls by half every @hold_us (the
 * anti-thrash interval, at most POLICY_LOAD_HALF_LIFE_MAX_US): a vCPU moved
 * in on a low reading must still fit on its next, high one, for as long
 * as it is held there.  @load < 0: no reading yet, @busy is taken as is.
 */
double policy_load_update(double load, double busy, gint64 dt_us,
			  gint64 hold_us);

/*
 * Compute the new placement into @nodes (one per vCPU) and return the
 * moves that lead there, in order (PolicyMove).  A vCPU moves only if
 * that raises the total weight of the placement by more than a margin,
 * and no node ends with more vCPU load than its capacity (scaled up
 * evenly when all the load does not fit).  Load, not the number of
 * vCPUs: an idle VM next to a busy one on a node is no reason to split
 * either of them.
 */
GArray *policy_place(const PolicyInput *in, const PolicyVcpu *vcpus, int nr,
		     int *nodes);
