/* SPDX-License-Identifier: GPL-2.0 */
/* bad_global.bpf.c: a tenant object `sabpf load` must refuse: its program is
 * a global lsm/ program, which would see every container. */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

char LICENSE[] SEC("license") = "GPL";

SEC("lsm/file_open")
int BPF_PROG(sees_everyone, struct file *file)
{
	return 0;
}
