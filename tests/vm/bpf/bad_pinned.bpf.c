/* SPDX-License-Identifier: GPL-2.0 */
/* bad_pinned.bpf.c: a tenant object `sabpf load` must refuse: its map is
 * pinned by name, so it would reach (or publish) a map outside the object. */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

char LICENSE[] SEC("license") = "GPL";

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u64);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} shared_counter SEC(".maps");

SEC("lsm_cgroup/socket_create")
int BPF_PROG(counts, int family, int type, int protocol, int kern)
{
	__u32 zero = 0;
	__u64 *n = bpf_map_lookup_elem(&shared_counter, &zero);
	if (n)
		*n += 1;
	return 1;
}
