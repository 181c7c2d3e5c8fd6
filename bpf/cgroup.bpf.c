/* cgroup.bpf.c: hierarchical scope. A cgroup made under an audited one
 * inherits its parent's scope entry in the kernel, at mkdir, before any
 * process can be moved into it; the entry goes when the cgroup is removed.
 * Only cgroup v2 (the default hierarchy) counts: v1 hierarchies of a hybrid
 * host have ids of their own. Included into sabpf.bpf.c. */

static __always_inline int cgroup_is_v2(struct cgroup *cgrp)
{
	return BPF_CORE_READ(cgrp, root, hierarchy_id) == 0;
}

SEC("tp_btf/cgroup_mkdir")
int BPF_PROG(on_cgroup_mkdir, struct cgroup *cgrp, const char *path)
{
	if (!cgroup_is_v2(cgrp))
		return 0;
	/* struct cgroup starts with its own css, whose parent is the parent's */
	struct cgroup *parent = (struct cgroup *)BPF_CORE_READ(cgrp, self.parent);
	__u64 parent_id = BPF_CORE_READ(parent, kn, id);
	struct sabpf_scope *scope = bpf_map_lookup_elem(&scope_map, &parent_id);
	if (!scope)
		return 0;
	struct sabpf_scope copy = *scope;
	__u64 id = BPF_CORE_READ(cgrp, kn, id);
	bpf_map_update_elem(&scope_map, &id, &copy, BPF_ANY);
	return 0;
}

SEC("tp_btf/cgroup_rmdir")
int BPF_PROG(on_cgroup_rmdir, struct cgroup *cgrp, const char *path)
{
	if (!cgroup_is_v2(cgrp))
		return 0;
	__u64 id = BPF_CORE_READ(cgrp, kn, id);
	bpf_map_delete_elem(&scope_map, &id);
	return 0;
}
