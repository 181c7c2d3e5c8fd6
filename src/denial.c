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
	if (why && (cls == POL_CLASS_FILE || cls == POL_CLASS_EXEC))
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

static void put_access(struct jbuf *b, __u32 access)
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
	json_str(b, text, n);
}

void denial_json_fields(struct jbuf *b, const struct sabpf_denial *d, const char *path,
			size_t path_len)
{
	char rule[64];
	const char *op = denial_operation_name(d->operation);
	denial_rule_name(d->rule_id, rule, sizeof(rule));
	jbuf_puts(b, d->enforced ? ",\"action\":\"denied\"" : ",\"action\":\"would_deny\"");
	jbuf_puts(b, ",\"operation\":");
	json_cstr(b, op ? op : "unknown");
	jbuf_puts(b, ",\"rule_id\":");
	jbuf_u64(b, d->rule_id);
	jbuf_puts(b, ",\"rule\":");
	json_cstr(b, rule);
	jbuf_puts(b, ",\"generation\":");
	jbuf_u64(b, d->generation);
	jbuf_puts(b, ",\"pid\":");
	jbuf_u64(b, d->pid);
	jbuf_puts(b, ",\"tid\":");
	jbuf_u64(b, d->tid);
	jbuf_puts(b, ",\"uid\":");
	jbuf_u64(b, d->uid);
	jbuf_puts(b, ",\"comm\":");
	json_str(b, d->comm, strnlen(d->comm, sizeof(d->comm)));
	jbuf_puts(b, ",\"cgroup_id\":");
	jbuf_u64(b, d->cgroup_id);
	if (d->operation >= SABPF_OP_BPF) { /* self-protection */
		if (path_len) {
			jbuf_puts(b, ",\"path\":");
			json_str(b, path, strnlen(path, path_len));
		}
		jbuf_puts(b, ",\"detail\":"); /* bpf cmd, signal, ptrace mode, id, mask */
		jbuf_u64(b, d->access);
		if (d->operation == SABPF_OP_SIGNAL_AGENT ||
		    d->operation == SABPF_OP_PTRACE_AGENT || d->operation == SABPF_OP_PTRACE_HOST ||
		    d->operation == SABPF_OP_SCHED_AGENT) {
			jbuf_puts(b, ",\"target_pid\":");
			jbuf_u64(b, d->target_pid);
		}
	} else if (path_len) {
		jbuf_puts(b, ",\"path\":");
		json_str(b, path, strnlen(path, path_len));
		jbuf_puts(b, ",\"access\":");
		put_access(b, d->access);
	} else if (d->operation == SABPF_OP_SOCKET_CREATE) {
		jbuf_puts(b, ",\"family\":");
		jbuf_u64(b, d->family);
	} else {
		char addr[INET6_ADDRSTRLEN] = "";
		inet_ntop(d->family == AF_INET6 ? AF_INET6 : AF_INET, d->addr, addr, sizeof(addr));
		jbuf_puts(b, ",\"address\":");
		json_cstr(b, addr);
		jbuf_puts(b, ",\"port\":");
		jbuf_u64(b, d->port);
	}
	jbuf_puts(b, ",\"result\":");
	json_cstr(b, d->enforced ? "EPERM" : "allowed (monitor mode)");
}
