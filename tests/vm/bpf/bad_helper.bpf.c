/* SPDX-License-Identifier: GPL-2.0 */
/* bad_helper.bpf.c: a tenant object `sabpf load` must refuse: its
 * lsm_cgroup program calls bpf_send_signal, which acts beyond its container
 * (it can signal any task that triggers the hook, e.g. the host's). */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

char LICENSE[] SEC("license") = "GPL";

SEC("lsm_cgroup/socket_create")
int BPF_PROG(signals, int family, int type, int protocol, int kern)
{
	bpf_send_signal(9);
	return 1;
}
