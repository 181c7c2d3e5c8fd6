/* sabpf.bpf.c: placeholder until the real programs land. */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include "sabpf_record.h"

char LICENSE[] SEC("license") = "GPL";

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 1024);
	__type(key, __u64);
	__type(value, struct sabpf_scope);
} scope_map SEC(".maps");

SEC("lsm/file_open")
int BPF_PROG(on_file_open, struct file *file)
{
	__u64 cg = bpf_get_current_cgroup_id();
	if (!bpf_map_lookup_elem(&scope_map, &cg))
		return 0;
	return 0;
}
