/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* denial_slot.c: claiming, holding and freeing a reader's slot of the
 * policy programs' pol_slots map (denial_slot.h says why). Claiming slot N:
 *   1. flock DENIAL_SLOT_LOCK_DIR/denial-slot-N.lock (non-blocking: a taken
 *      slot is skipped; a crashed holder's lock is released by the kernel);
 *   2. take whatever ring is in the slot out (a crashed holder's): a
 *      map-in-map update returns only once the programs that could still
 *      see the old ring have finished (synchronize_rcu in the kernel);
 *   3. clear the slot's loss counts, which are now the former holder's
 *      only, and make its (cgroup 0) entry for losses of a full count map;
 *   4. put a new ring in the slot: from then on every denial reaches it. */
#include "denial_slot.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "enforce.h"
#include "sabpf_policy.h"

void denial_slot_init(struct denial_slot *s)
{
	*s = (struct denial_slot){
	    .index = -1, .lock_fd = -1, .ring_fd = -1, .slots_fd = -1, .lost_fd = -1};
}

static void close_fd(int *fd)
{
	if (*fd >= 0)
		close(*fd);
	*fd = -1;
}

/* Deletes the slot's entries of pol_slot_lost (restarting the walk after
 * each delete: the key after a deleted one is not defined), then makes its
 * zeroed cgroup-0 entry. */
static int clear_lost(int fd, __u32 slot)
{
	struct pol_lost_key key, next;
	int deleted;
	do {
		deleted = 0;
		const struct pol_lost_key *prev = NULL;
		while (bpf_map_get_next_key(fd, prev, &next) == 0) {
			if (next.slot == slot) {
				if (bpf_map_delete_elem(fd, &next))
					return -1;
				deleted = 1;
				break;
			}
			key = next;
			prev = &key;
		}
	} while (deleted);
	int ncpus = libbpf_num_possible_cpus();
	if (ncpus < 1)
		return -1;
	__u64 *zero = calloc((size_t)ncpus, sizeof(__u64));
	if (!zero)
		return -1;
	struct pol_lost_key unknown = {.cgroup_id = 0, .slot = slot};
	int rc = bpf_map_update_elem(fd, &unknown, zero, BPF_ANY);
	free(zero);
	return rc;
}

/* Steps 2 to 4 of the claim of slot s->index (lock held). */
static int fill_slot(struct denial_slot *s, char *err, size_t errlen)
{
	__u32 key = (__u32)s->index;
	if (bpf_map_delete_elem(s->slots_fd, &key) && errno != ENOENT) {
		snprintf(err, errlen, "cannot empty denial slot %d: %s", s->index, strerror(errno));
		return -1;
	}
	if (clear_lost(s->lost_fd, key)) {
		snprintf(err, errlen, "cannot reset the loss counts of denial slot %d: %s",
			 s->index, strerror(errno));
		return -1;
	}
	/* "pol_" like every policy map: the guard refuses it to containers */
	s->ring_fd =
	    bpf_map_create(BPF_MAP_TYPE_RINGBUF, "pol_denials", 0, 0, DENIAL_SLOT_RING_BYTES, NULL);
	struct bpf_map_info info = {0};
	__u32 len = sizeof(info);
	if (s->ring_fd < 0 || bpf_obj_get_info_by_fd(s->ring_fd, &info, &len)) {
		snprintf(err, errlen, "cannot create a denial ring of %u bytes: %s",
			 DENIAL_SLOT_RING_BYTES, strerror(errno));
		return -1;
	}
	s->ring_id = info.id;
	if (bpf_map_update_elem(s->slots_fd, &key, &s->ring_fd, BPF_ANY)) {
		snprintf(err, errlen, "cannot put the denial ring in slot %d: %s", s->index,
			 strerror(errno));
		return -1;
	}
	return 0;
}

int denial_slot_claim(struct denial_slot *s, char *err, size_t errlen)
{
	denial_slot_init(s);
	s->slots_fd = bpf_obj_get(ENFORCE_PIN_ROOT "/pol_slots");
	s->lost_fd = bpf_obj_get(ENFORCE_PIN_ROOT "/pol_slot_lost");
	if (s->slots_fd < 0 || s->lost_fd < 0) {
		int e = errno;
		snprintf(err, errlen, "no denial slots at %s/pol_slots: %s", ENFORCE_PIN_ROOT,
			 e == ENOENT ? "no policy was applied on this boot" : strerror(e));
		denial_slot_release(s);
		errno = e;
		return -1;
	}
	if (mkdir(DENIAL_SLOT_LOCK_DIR, 0700) && errno != EEXIST) {
		int e = errno;
		snprintf(err, errlen, "cannot create %s: %s", DENIAL_SLOT_LOCK_DIR, strerror(e));
		denial_slot_release(s);
		errno = e;
		return -1;
	}
	for (int i = 0; i < POL_DENIAL_SLOTS; i++) {
		char path[64];
		snprintf(path, sizeof(path), DENIAL_SLOT_LOCK_DIR "/denial-slot-%02d.lock", i);
		int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
		if (fd < 0)
			continue;
		if (flock(fd, LOCK_EX | LOCK_NB)) {
			close(fd);
			continue;
		}
		s->lock_fd = fd;
		s->index = i;
		if (fill_slot(s, err, errlen)) {
			int e = errno;
			denial_slot_release(s);
			errno = e;
			return -1;
		}
		return 0;
	}
	snprintf(
	    err, errlen,
	    "all %d denial slots are taken (each running agent holds one; %s/denial-slot-*.lock)",
	    POL_DENIAL_SLOTS, DENIAL_SLOT_LOCK_DIR);
	denial_slot_release(s);
	errno = EBUSY;
	return -1;
}

int denial_slot_held(const struct denial_slot *s)
{
	__u32 key = (__u32)s->index, id = 0;
	if (s->index < 0 || s->ring_fd < 0)
		return 0;
	/* from user space a map-in-map lookup gives the inner map's id */
	return bpf_map_lookup_elem(s->slots_fd, &key, &id) == 0 && id == s->ring_id;
}

int denial_slot_lost(const struct denial_slot *s, int ncpus,
		     void (*fn)(void *ctx, __u64 cgroup_id, __u64 count), void *ctx)
{
	if (s->index < 0 || ncpus < 1)
		return -1;
	__u64 *per_cpu = calloc((size_t)ncpus, sizeof(__u64));
	if (!per_cpu)
		return -1;
	struct pol_lost_key key, next;
	const struct pol_lost_key *prev = NULL;
	while (bpf_map_get_next_key(s->lost_fd, prev, &next) == 0) {
		key = next;
		prev = &key;
		if (key.slot != (__u32)s->index || bpf_map_lookup_elem(s->lost_fd, &key, per_cpu))
			continue;
		__u64 sum = 0;
		for (int cpu = 0; cpu < ncpus; cpu++)
			sum += per_cpu[cpu];
		fn(ctx, key.cgroup_id, sum);
	}
	free(per_cpu);
	return 0;
}

void denial_slot_stop(struct denial_slot *s)
{
	if (s->index < 0 || s->ring_fd < 0 || !denial_slot_held(s))
		return;
	__u32 key = (__u32)s->index;
	bpf_map_delete_elem(s->slots_fd, &key);
}

void denial_slot_release(struct denial_slot *s)
{
	denial_slot_stop(s);
	close_fd(&s->ring_fd);
	close_fd(&s->slots_fd);
	close_fd(&s->lost_fd);
	close_fd(&s->lock_fd); /* releases the flock */
	s->index = -1;
}
