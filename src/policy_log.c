/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* policy_log.c: `sabpf policy log [--follow]`: the denials waiting in the
 * pinned log ring (those made while no agent held a denial slot), as JSON
 * lines, and with --follow every new denial through a denial slot of its
 * own (denial_slot.h). */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "denial.h"
#include "denial_slot.h"
#include "enforce.h"
#include "json_write.h"
#include "sabpf_policy.h"

/* The pinned log ring, or -1 when no policy was ever applied on this boot. */
static int enforce_denials_fd(void)
{
	return bpf_obj_get(ENFORCE_PIN_ROOT "/denials");
}

static volatile sig_atomic_t log_stop;

static void on_log_signal(int sig)
{
	(void)sig;
	log_stop = 1;
}

/* Prints one denial as a JSON line (the jsonl output's form). */
static int print_denial(void *ctx, void *data, size_t size)
{
	const __s64 *offset = ctx;
	struct sabpf_denial d;
	if (size < sizeof(d))
		return 0;
	memcpy(&d, data, sizeof(d));
	const char *path = (const char *)data + sizeof(d);
	size_t path_len = size - sizeof(d) < d.path_len ? size - sizeof(d) : d.path_len;
	struct jbuf b;
	struct jw w;
	jbuf_init(&b);
	jw_init(&w, &b);
	jw_object_begin(&w);
	jw_key(&w, "time");
	jw_time(&w, (__s64)d.hdr.time_ns + *offset);
	jw_key_u64(&w, "container", d.hdr.container);
	denial_json_fields(&w, &d, path, path_len);
	jw_object_end(&w);
	jw_newline(&w);
	fwrite(b.data, 1, b.len, stdout);
	jbuf_free(&b);
	return 0;
}

/* Denials the log ring had no room for since the policy maps were pinned
 * (pol_log_lost, summed over CPUs). */
static __u64 log_lost(void)
{
	int fd = bpf_obj_get(ENFORCE_PIN_ROOT "/pol_log_lost");
	int ncpus = libbpf_num_possible_cpus();
	__u64 sum = 0, *per_cpu = ncpus > 0 ? calloc((size_t)ncpus, sizeof(__u64)) : NULL;
	__u32 zero = 0;
	if (fd >= 0 && per_cpu && bpf_map_lookup_elem(fd, &zero, per_cpu) == 0)
		for (int cpu = 0; cpu < ncpus; cpu++)
			sum += per_cpu[cpu];
	free(per_cpu);
	if (fd >= 0)
		close(fd);
	return sum;
}

static void add_lost(void *ctx, __u64 cgroup_id, __u64 count)
{
	(void)cgroup_id;
	*(__u64 *)ctx += count;
}

/* `sabpf policy log [--follow]`: the denials waiting in the pinned log ring,
 * as JSON lines: those made while no agent held a denial slot (agents
 * receive theirs in their own slots, src/denial_slot.h). The log ring is
 * one queue: what one `policy log` prints, another does not. --follow
 * claims a slot first (from then on no denial goes to the log ring), prints
 * the log ring, then every new denial as it comes, of every cgroup,
 * alongside any running agents. */
int enforce_log(bool follow)
{
	struct denial_slot slot;
	char err[256];
	denial_slot_init(&slot);
	if (follow && denial_slot_claim(&slot, err, sizeof(err))) {
		fprintf(stderr, "sabpf policy log --follow: %s\n", err);
		return 1;
	}
	int fd = enforce_denials_fd();
	if (fd < 0) {
		fprintf(stderr,
			"sabpf policy log: no denial ring at %s/denials: no policy was "
			"applied since boot\n",
			ENFORCE_PIN_ROOT);
		denial_slot_release(&slot);
		return 1;
	}
	struct timespec real, boot;
	clock_gettime(CLOCK_REALTIME, &real);
	clock_gettime(CLOCK_BOOTTIME, &boot);
	__s64 offset = (real.tv_sec - boot.tv_sec) * 1000000000ll + (real.tv_nsec - boot.tv_nsec);
	struct ring_buffer *ring = ring_buffer__new(fd, print_denial, &offset, NULL);
	if (!ring) {
		fprintf(stderr, "sabpf policy log: cannot read the denial ring: %s\n",
			strerror(errno));
		close(fd);
		denial_slot_release(&slot);
		return 1;
	}
	signal(SIGINT, on_log_signal);
	signal(SIGTERM, on_log_signal);
	ring_buffer__consume(ring);
	int rc = 0;
	int index = slot.index;
	if (follow && ring_buffer__add(ring, slot.ring_fd, print_denial, &offset)) {
		fprintf(stderr, "sabpf policy log --follow: cannot read denial slot %d: %s\n",
			index, strerror(errno));
		rc = 1;
	} else if (follow) {
		fprintf(stderr, "sabpf policy log: following every denial (slot %d of %d)\n", index,
			POL_DENIAL_SLOTS);
	}
	while (follow && !rc && !log_stop) {
		ring_buffer__poll(ring, 200);
		fflush(stdout);
	}
	__u64 slot_lost = 0;
	if (follow && !rc) {
		denial_slot_stop(&slot); /* then the ring and the drop counts are final */
		ring_buffer__consume(ring);
		denial_slot_lost(&slot, libbpf_num_possible_cpus(), add_lost, &slot_lost);
	}
	fflush(stdout);
	ring_buffer__free(ring);
	close(fd);
	denial_slot_release(&slot);
	__u64 lost = log_lost();
	if (lost)
		fprintf(
		    stderr,
		    "sabpf policy log: %llu denial(s) made while no agent ran did not fit in the "
		    "log ring since the policies were first applied on this boot: not shown\n",
		    (unsigned long long)lost);
	if (slot_lost)
		fprintf(stderr,
			"sabpf policy log: %llu denial(s) did not fit in this reader's ring (slot "
			"%d): not shown\n",
			(unsigned long long)slot_lost, index);
	return rc;
}
