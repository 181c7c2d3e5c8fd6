/* SPDX-License-Identifier: GPL-2.0 */
/* cgroup.bpf.c: hierarchical scope. A cgroup made under an audited one
 * inherits its parent's scope entry in the kernel, at mkdir, before any
 * process can be moved into it; the entry goes when the cgroup is removed.
 * Only cgroup v2 (the default hierarchy) counts: v1 hierarchies of a hybrid
 * host have ids of their own, and a task's scope follows its v2 cgroup.
 *
 * A child that cannot be put in scope (scope_map full, sized by
 * --scope-size) is never left out silently: it is counted per container
 * in scope_failed and in scope_failed_total, which the agent reports on
 * stderr and in --stats. Included into sabpf.bpf.c. */

/* container -> cgroups made under it that are not in scope */
#ifndef SABPF_SCOPE_FAILED_ENTRIES
#define SABPF_SCOPE_FAILED_ENTRIES 1024 /* another size: build/variant/layout (Makefile) */
#endif
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, SABPF_SCOPE_FAILED_ENTRIES);
	__type(key, __u64);
	__type(value, struct scope_fail);
} scope_failed SEC(".maps");

/* the same, over all containers: counted even when scope_failed is full */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u64);
} scope_failed_total SEC(".maps");

static __always_inline int cgroup_is_v2(struct cgroup *cgrp)
{
	return BPF_CORE_READ(cgrp, root, hierarchy_id) == 0;
}

/* Counts a child cgroup of `container` left out of scope. */
static __always_inline void note_scope_failed(__u64 container, __u64 cgroup, int error)
{
	__u32 zero = 0;
	__u64 *total = bpf_map_lookup_elem(&scope_failed_total, &zero);
	if (total)
		__sync_fetch_and_add(total, 1);
	struct scope_fail *f = bpf_map_lookup_elem(&scope_failed, &container);
	if (!f) {
		struct scope_fail first = {.count = 0};
		bpf_map_update_elem(&scope_failed, &container, &first, BPF_NOEXIST);
		f = bpf_map_lookup_elem(&scope_failed, &container);
		if (!f)
			return; /* over 1024 containers failing: the total has it */
	}
	__sync_fetch_and_add(&f->count, 1);
	f->last_cgroup = cgroup;
	f->last_error = error;
}

SEC("tp_btf/cgroup_mkdir")
int BPF_PROG(on_cgroup_mkdir, struct cgroup *cgrp, const char *path)
{
	if (!cgroup_is_v2(cgrp) || !build_active()) /* one build inherits at a time */
		return 0;
	/* struct cgroup starts with its own css, whose parent is the parent's */
	struct cgroup *parent = (struct cgroup *)BPF_CORE_READ(cgrp, self.parent);
	__u64 parent_id = BPF_CORE_READ(parent, kn, id);
	struct sabpf_scope *scope = bpf_map_lookup_elem(&scope_map, &parent_id);
	if (!scope)
		return 0;
	struct sabpf_scope copy = *scope;
	__u64 id = BPF_CORE_READ(cgrp, kn, id);
	int rc = (int)bpf_map_update_elem(&scope_map, &id, &copy, BPF_ANY);
	if (rc)
		note_scope_failed(copy.container, id, rc);
	return 0;
}

SEC("tp_btf/cgroup_rmdir")
int BPF_PROG(on_cgroup_rmdir, struct cgroup *cgrp, const char *path)
{
	if (!cgroup_is_v2(cgrp) || !build_active())
		return 0;
	__u64 id = BPF_CORE_READ(cgrp, kn, id);
	bpf_map_delete_elem(&scope_map, &id);
	return 0;
}
