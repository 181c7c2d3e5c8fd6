/* SPDX-License-Identifier: GPL-2.0 */
/* lib/scope.h: the first step of every program: is the current task in
 * an audited cgroup, with the program's record class on, and not the
 * agent? Out-of-scope tasks pay one hash lookup and return. */
#ifndef SABPF_LIB_SCOPE_H
#define SABPF_LIB_SCOPE_H

#include "lib/maps.h"

/* Whether `task`, whose cgroup has the scope entry `scope` (0: none), is
 * audited for this record class: the class is on, these programs' build is
 * the active one (build_active: an upgrade in progress) and the task is
 * not the agent. Returns scope, or 0. */
static __always_inline struct sabpf_scope *scope_admit(struct sabpf_scope *scope, __u32 class,
						       struct task_struct *task)
{
	if (!scope || !(scope->classes & class) || !build_active())
		return 0;
	__u32 agent = agent_pid();
	if (!agent)
		return scope; /* no agent runs (a pinned side between agents) */
	if (task->tgid == agent)
		return 0; /* the agent is opaque: it never records itself */
	/* A child the agent forked to start a container runs the agent's code
	 * until its exec commits (its exec id then moves past its parent's):
	 * it is the agent, and opaque, until then. */
	if (task->real_parent->tgid == agent && task->self_exec_id == task->parent_exec_id)
		return 0;
	return scope;
}

/* The first step of every hook: is the current task in an audited cgroup,
 * with this record class on, and not the agent? Out-of-scope tasks pay one
 * hash lookup and nothing more. */
static __always_inline struct sabpf_scope *scope_of_current(__u32 class)
{
	__u64 cgroup_id = bpf_get_current_cgroup_id();
	struct sabpf_scope *scope = bpf_map_lookup_elem(&scope_map, &cgroup_id);
	return scope ? scope_admit(scope, class, bpf_get_current_task_btf()) : 0;
}

/* The prelude of every audit program, filled by one call (hook_enter):
 * the scope entry of the task's cgroup, the container its records are
 * for, and the current task's node once a program asks for it
 * (hook_task, lib/task.h). Records take their own time (fill_hdr). */
struct hook {
	struct sabpf_scope *scope; /* the audited cgroup's entry: classes on */
	__u64 container;	   /* scope->container */
	struct prov_task *ts;	   /* set by hook_task: the task's node, recorded, or 0 */
};

/* Fills h for the current task; 0 when out of scope (for this class, or
 * the agent): the program then returns at once. The out-of-scope path is
 * the one hash lookup of scope_of_current. */
static __always_inline int hook_enter(struct hook *h, __u32 class)
{
	h->scope = scope_of_current(class);
	if (!h->scope)
		return 0;
	h->container = h->scope->container;
	return 1;
}

#endif /* SABPF_LIB_SCOPE_H */
