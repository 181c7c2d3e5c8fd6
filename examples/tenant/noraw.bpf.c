/* SPDX-License-Identifier: GPL-2.0 */
/* noraw.bpf.c: an example tenant program for `sabpf load` (docs/tenant.md).
 * A container that brings its own rule: no raw or packet sockets (the tools
 * of network sniffing and spoofing), and a count of the attempts that the
 * container's owner can read from the map `attempts`.
 *
 * Build: clang -g -O2 -target bpf -D__TARGET_ARCH_x86 -I build -c noraw.bpf.c
 * (make builds it as build/progs/noraw.bpf.o). Load:
 *   sabpf load build/progs/noraw.bpf.o --cgroup /sys/fs/cgroup/mypod
 *
 * Like every tenant program it is an lsm_cgroup/ program: the kernel runs
 * it for the tasks of that cgroup only. An lsm_cgroup program returns 1 to
 * allow and 0 to refuse (EPERM). */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

char LICENSE[] SEC("license") = "GPL";

#define AF_PACKET 17
#define SOCK_RAW 3
#define SOCK_PACKET 10
#define SOCK_TYPE_MASK 0xf

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u64);
} attempts SEC(".maps");

SEC("lsm_cgroup/socket_create")
int BPF_PROG(noraw_socket_create, int family, int type, int protocol, int kern)
{
	int kind = type & SOCK_TYPE_MASK;
	if (kern || (family != AF_PACKET && kind != SOCK_RAW && kind != SOCK_PACKET))
		return 1;
	__u32 zero = 0;
	__u64 *count = bpf_map_lookup_elem(&attempts, &zero);
	if (count)
		__sync_fetch_and_add(count, 1);
	return 0;
}
