/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* denial_slot.h: a reader's own channel for the denials of the policy
 * programs (bpf/policy.bpf.c). The pinned map pol_slots has
 * POL_DENIAL_SLOTS slots; a reader (an agent) claims a free one (an flock
 * on DENIAL_SLOT_LOCK_DIR/denial-slot-N.lock, which a crashed reader
 * releases), puts a ring buffer of its own in it, and the programs write
 * every denial into every occupied slot: no reader can take a denial from
 * another. Records a slot's ring had no room for are counted per slot and
 * task cgroup (pol_slot_lost). */
#ifndef SABPF_DENIAL_SLOT_H
#define SABPF_DENIAL_SLOT_H

#include <linux/types.h>
#include <stddef.h>

#define DENIAL_SLOT_LOCK_DIR "/run/sabpf"
#define DENIAL_SLOT_RING_BYTES (1u << 20)

struct denial_slot {
	int index;   /* the slot held, or -1 */
	int lock_fd; /* the slot's lock file, held with flock */
	int ring_fd; /* the ring put in the slot */
	__u32 ring_id;
	int slots_fd; /* pol_slots */
	int lost_fd;  /* pol_slot_lost */
};

/* An empty slot handle (nothing held). */
void denial_slot_init(struct denial_slot *s);

/* Claims a free slot and puts a new ring of DENIAL_SLOT_RING_BYTES in it;
 * what was counted lost for the slot before (a former holder's) is cleared.
 * Returns 0, or -1 with err and errno: ENOENT when no policy was ever
 * applied on this boot (no pinned maps), EBUSY when every slot is taken. */
int denial_slot_claim(struct denial_slot *s, char *err, size_t errlen);

/* 1 while the slot still holds this reader's ring, 0 when something else
 * replaced it or took it out. */
int denial_slot_held(const struct denial_slot *s);

/* Calls fn(ctx, cgroup id, count) for every task cgroup with records this
 * slot's ring had no room for, count summed over CPUs (cgroup 0: the count
 * map was full, cgroup not known). Returns 0 or -1. */
int denial_slot_lost(const struct denial_slot *s, int ncpus,
		     void (*fn)(void *ctx, __u64 cgroup_id, __u64 count), void *ctx);

/* Takes the ring out of the slot: once it returns no program writes into
 * the ring or counts for the slot any more (the kernel waits for those
 * running), so what the ring holds and denial_slot_lost() are final. */
void denial_slot_stop(struct denial_slot *s);

/* Stops (if not done) and frees the slot and the descriptors. */
void denial_slot_release(struct denial_slot *s);

#endif
