/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* denial.c: names and JSON text of denial records (see denial.h). */
#include "denial.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include "sabpf_policy.h"

static const char *const operation_names[SABPF_OP_MAX] = {
    [SABPF_OP_SOCKET_CREATE] = "socket_create",
    [SABPF_OP_CONNECT] = "connect",
    [SABPF_OP_SENDMSG] = "sendmsg",
    [SABPF_OP_BIND] = "bind",
    [SABPF_OP_LISTEN] = "listen",
    [SABPF_OP_FILE_OPEN] = "file_open",
    [SABPF_OP_EXEC] = "exec",
    [SABPF_OP_MMAP_EXEC] = "mmap_exec",
    [SABPF_OP_MPROTECT_EXEC] = "mprotect_exec",
    [SABPF_OP_BPF] = "bpf",
    [SABPF_OP_SIGNAL_AGENT] = "signal_agent",
    [SABPF_OP_PTRACE_AGENT] = "ptrace_agent",
    [SABPF_OP_CGROUP_WRITE] = "cgroup_write",
    [SABPF_OP_MOUNT] = "mount",
    [SABPF_OP_UMOUNT] = "umount",
    [SABPF_OP_BPFFS_WRITE] = "bpffs_write",
    [SABPF_OP_MODULE_LOAD] = "module_load",
    [SABPF_OP_AGENT_FILE] = "agent_file",
    [SABPF_OP_CGROUP_DIR] = "cgroup_dir",
    [SABPF_OP_SYSCTL] = "sysctl",
    [SABPF_OP_KEXEC] = "kexec",
    [SABPF_OP_DEVICE_WRITE] = "device_write",
    [SABPF_OP_PTRACE_HOST] = "ptrace_host",
    [SABPF_OP_SCHED_AGENT] = "sched_agent",
};

const char *denial_operation_name(__u32 op)
{
	return op < SABPF_OP_MAX ? operation_names[op] : NULL;
}

void denial_rule_name(__u32 rule_id, char *buf, size_t len)
{
	static const char *const classes[] = {
	    [POL_CLASS_EGRESS] = "network.egress",   [POL_CLASS_BIND] = "network.bind",
	    [POL_CLASS_FAMILY] = "network.families", [POL_CLASS_FILE] = "files",
	    [POL_CLASS_EXEC] = "exec.allow",
	};
	__u32 cls = rule_id >> 16, index = rule_id & 0xffff;
	if (cls == POL_CLASS_GUARD) {
		snprintf(buf, len, "self-protection");
		return;
	}
	const char *name = cls >= 1 && cls <= POL_CLASS_EXEC ? classes[cls] : "unknown";
	const char *why = index == POL_UNRESOLVED_INDEX ? "unresolved"
			  : index == POL_HARDLINK_INDEX ? "hardlink"
			  : index == POL_MOUNT_INDEX	? "mount"
							: NULL;
	if (index == POL_UNHOOKED_INDEX && cls == POL_CLASS_EGRESS)
		snprintf(buf, len, "network.unhooked");
	else if (why && (cls == POL_CLASS_FILE || cls == POL_CLASS_EXEC))
		snprintf(buf, len, "%s.%s", cls == POL_CLASS_EXEC ? "exec" : name, why);
	else if (index != POL_DEFAULT_INDEX)
		snprintf(buf, len, "%s[%u]", name, index);
	else if (cls == POL_CLASS_FAMILY)
		snprintf(buf, len, "network.families (not listed)");
	else if (cls == POL_CLASS_EGRESS || cls == POL_CLASS_BIND)
		snprintf(buf, len, "network.default");
	else
		snprintf(buf, len, "%s.default", cls == POL_CLASS_EXEC ? "exec" : name);
}

static void put_access(struct jw *w, __u32 access)
{
	char text[8];
	size_t n = 0;
	if (access & POL_FILE_READ)
		text[n++] = 'r';
	if (access & POL_FILE_WRITE)
		text[n++] = 'w';
	if (access & POL_FILE_EXEC)
		text[n++] = 'x';
	if (access & POL_FILE_MAP_EXEC)
		text[n++] = 'm';
	jw_str(w, text, n);
}

void denial_json_fields(struct jw *w, const struct sabpf_denial *d, const char *path,
			size_t path_len)
{
	char rule[64];
	const char *op = denial_operation_name(d->operation);
	denial_rule_name(d->rule_id, rule, sizeof(rule));
	jw_key_cstr(w, "action", d->enforced ? "denied" : "would_deny");
	jw_key_cstr(w, "operation", op ? op : "unknown");
	jw_key_u64(w, "rule_id", d->rule_id);
	jw_key_cstr(w, "rule", rule);
	jw_key_u64(w, "generation", d->generation);
	jw_key_u64(w, "pid", d->pid);
	jw_key_u64(w, "tid", d->tid);
	jw_key_u64(w, "uid", d->uid);
	jw_key_str(w, "comm", d->comm, strnlen(d->comm, sizeof(d->comm)));
	jw_key_u64(w, "cgroup_id", d->cgroup_id);
	if (d->operation >= SABPF_OP_BPF) { /* self-protection */
		if (path_len)
			jw_key_str(w, "path", path, strnlen(path, path_len));
		/* bpf cmd, signal, ptrace mode, id, mask */
		jw_key_u64(w, "detail", d->access);
		if (d->operation == SABPF_OP_SIGNAL_AGENT ||
		    d->operation == SABPF_OP_PTRACE_AGENT || d->operation == SABPF_OP_PTRACE_HOST ||
		    d->operation == SABPF_OP_SCHED_AGENT)
			jw_key_u64(w, "target_pid", d->target_pid);
	} else if (path_len) {
		jw_key_str(w, "path", path, strnlen(path, path_len));
		jw_key(w, "access");
		put_access(w, d->access);
	} else if (d->operation == SABPF_OP_SOCKET_CREATE) {
		jw_key_u64(w, "family", d->family);
	} else {
		char addr[INET6_ADDRSTRLEN] = "";
		inet_ntop(d->family == AF_INET6 ? AF_INET6 : AF_INET, d->addr, addr, sizeof(addr));
		jw_key_cstr(w, "address", addr);
		jw_key_u64(w, "port", d->port);
	}
	jw_key_cstr(w, "result", d->enforced ? "EPERM" : "allowed (monitor mode)");
}
