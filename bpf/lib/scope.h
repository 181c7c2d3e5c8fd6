/* SPDX-License-Identifier: GPL-2.0 */
/* lib/scope.h: the first step of every program: is the current task in
 * an audited cgroup, with the program's record class on, and not the
 * agent? Out-of-scope tasks pay one hash lookup and return. */
#ifndef SABPF_LIB_SCOPE_H
#define SABPF_LIB_SCOPE_H

#include "lib/maps.h"

/* The first step of every hook: is the current task in an audited cgroup,
 * with this record class on, and not the agent? Out-of-scope tasks pay one
 * hash lookup and nothing more. */
static __always_inline struct sabpf_scope *scope_of_current(__u32 class)
{
	__u64 cgroup_id = bpf_get_current_cgroup_id();
	struct sabpf_scope *scope = bpf_map_lookup_elem(&scope_map, &cgroup_id);

	if (!scope || !(scope->classes & class))
		return 0;
	__u32 tgid = bpf_get_current_pid_tgid() >> 32;
	if (tgid == agent_tgid)
		return 0; /* the agent is opaque: it never records itself */
	/* A child the agent forked to start a container runs the agent's code
	 * until its exec commits (its exec id then moves past its parent's):
	 * it is the agent, and opaque, until then. */
	struct task_struct *task = bpf_get_current_task_btf();
	if (task->real_parent->tgid == agent_tgid && task->self_exec_id == task->parent_exec_id)
		return 0;
	return scope;
}

#endif /* SABPF_LIB_SCOPE_H */
