/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* trace.c: the `trace` backend (bpf/trace.bpf.c): the table of recorded
 * system calls and the loading of its programs. To record one more system
 * call, add a line to trace_syscalls (its family's program must read its
 * arguments: bpf/trace/); to record a new family, add its program too
 * (starting with trace_enter). The table fills both the dispatcher's
 * bitmap of recorded calls and its program array. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>

#include "trace.skel.h"
#include "trace.h"
#include "pin.h"

const struct trace_syscall trace_syscalls[] = {
    /* files: open (bpf/trace/file.bpf.c) */
    {2, "open", "trace_open"},
    {85, "creat", "trace_open"},
    {257, "openat", "trace_open"},
    {437, "openat2", "trace_open"},
    {304, "open_by_handle_at", "trace_open"},
    /* files: read and write */
    {0, "read", "trace_read"},
    {17, "pread64", "trace_read"},
    {19, "readv", "trace_read"},
    {295, "preadv", "trace_read"},
    {327, "preadv2", "trace_read"},
    {1, "write", "trace_write"},
    {18, "pwrite64", "trace_write"},
    {20, "writev", "trace_write"},
    {296, "pwritev", "trace_write"},
    {328, "pwritev2", "trace_write"},
    /* files: copies between two descriptors */
    {40, "sendfile", "trace_copy"},
    {275, "splice", "trace_copy"},
    {326, "copy_file_range", "trace_copy"},
    /* files: names */
    {87, "unlink", "trace_name"},
    {263, "unlinkat", "trace_name"},
    {84, "rmdir", "trace_name"},
    {83, "mkdir", "trace_name"},
    {258, "mkdirat", "trace_name"},
    {133, "mknod", "trace_name"},
    {259, "mknodat", "trace_name"},
    {88, "symlink", "trace_name"},
    {266, "symlinkat", "trace_name"},
    {82, "rename", "trace_rename"},
    {264, "renameat", "trace_rename"},
    {316, "renameat2", "trace_rename"},
    {86, "link", "trace_link"},
    {265, "linkat", "trace_link"},
    {22, "pipe", "trace_pipe"},
    {293, "pipe2", "trace_pipe"},
    {16, "ioctl", "trace_fdop"},
    {72, "fcntl", "trace_fdop"},
    {73, "flock", "trace_fdop"},
    {9, "mmap", "trace_mmap"},
    /* files: attributes (bpf/trace/attr.bpf.c) */
    {90, "chmod", "trace_setattr"},
    {91, "fchmod", "trace_setattr"},
    {268, "fchmodat", "trace_setattr"},
    {452, "fchmodat2", "trace_setattr"},
    {92, "chown", "trace_setattr"},
    {93, "fchown", "trace_setattr"},
    {94, "lchown", "trace_setattr"},
    {260, "fchownat", "trace_setattr"},
    {76, "truncate", "trace_setattr"},
    {77, "ftruncate", "trace_setattr"},
    {188, "setxattr", "trace_xattr"},
    {189, "lsetxattr", "trace_xattr"},
    {190, "fsetxattr", "trace_xattr"},
    {463, "setxattrat", "trace_xattr"},
    {197, "removexattr", "trace_xattr"},
    {198, "lremovexattr", "trace_xattr"},
    {199, "fremovexattr", "trace_xattr"},
    {466, "removexattrat", "trace_xattr"},
    {191, "getxattr", "trace_xattr_get"},
    {192, "lgetxattr", "trace_xattr_get"},
    {193, "fgetxattr", "trace_xattr_get"},
    {464, "getxattrat", "trace_xattr_get"},
    {194, "listxattr", "trace_xattr_get"},
    {195, "llistxattr", "trace_xattr_get"},
    {196, "flistxattr", "trace_xattr_get"},
    {465, "listxattrat", "trace_xattr_get"},
    {132, "utime", "trace_setattr"},
    {235, "utimes", "trace_setattr"},
    {261, "futimesat", "trace_setattr"},
    {280, "utimensat", "trace_setattr"},
    {4, "stat", "trace_getattr"},
    {5, "fstat", "trace_getattr"},
    {6, "lstat", "trace_getattr"},
    {262, "newfstatat", "trace_getattr"},
    {332, "statx", "trace_getattr"},
    /* mounts (bpf/trace/mount.bpf.c) */
    {165, "mount", "trace_mount"},
    {166, "umount2", "trace_mount"},
    {155, "pivot_root", "trace_mount"},
    {429, "move_mount", "trace_mount"},
    /* credentials and namespaces (bpf/trace/cred.bpf.c) */
    {105, "setuid", "trace_cred"},
    {113, "setreuid", "trace_cred"},
    {117, "setresuid", "trace_cred"},
    {106, "setgid", "trace_cred"},
    {114, "setregid", "trace_cred"},
    {119, "setresgid", "trace_cred"},
    {116, "setgroups", "trace_cred"},
    {126, "capset", "trace_cred"},
    {308, "setns", "trace_setns"},
    {272, "unshare", "trace_unshare"},
    /* sockets (bpf/trace/net.bpf.c) */
    {41, "socket", "trace_socket"},
    {49, "bind", "trace_sockaddr"},
    {42, "connect", "trace_sockaddr"},
    {50, "listen", "trace_sockaddr"},
    {43, "accept", "trace_accept"},
    {288, "accept4", "trace_accept"},
    {44, "sendto", "trace_send"},
    {46, "sendmsg", "trace_send"},
    {45, "recvfrom", "trace_recv"},
    {47, "recvmsg", "trace_recv"},
    {307, "sendmmsg", "trace_send"},
    {299, "recvmmsg", "trace_recv"},
    {53, "socketpair", "trace_socketpair"},
    {48, "shutdown", "trace_shutdown"},
};
const size_t trace_nsyscalls = sizeof(trace_syscalls) / sizeof(trace_syscalls[0]);

/* The ia32 system calls (int $0x80 from any program, and 32-bit programs)
 * recorded, each as the call of the 64-bit table named in its third
 * field: the dispatcher hands it on with that number and its arguments
 * from the ia32 registers (bpf/trace.bpf.c, ia32_args). Names as in the
 * kernel's syscall_32.tbl: the 16-bit uid calls (setuid, chown, ...) and
 * their 32-bit successors (setuid32, chown32, ...) are both here. NULL:
 * socketcall, whose calls (socket, bind, connect, ..., sendmmsg) the
 * dispatcher decodes itself (socketcall_nr), all of them in the 64-bit
 * table. Without this table, int $0x80 would be a way around the
 * backend for any program in an audited container. */
const struct trace_syscall32 trace_syscalls32[] = {
    {3, "read", "read"},
    {4, "write", "write"},
    {5, "open", "open"},
    {8, "creat", "creat"},
    {9, "link", "link"},
    {10, "unlink", "unlink"},
    {14, "mknod", "mknod"},
    {15, "chmod", "chmod"},
    {16, "lchown", "lchown"},
    {21, "mount", "mount"},
    {22, "umount", "umount2"},
    {23, "setuid", "setuid"},
    {38, "rename", "rename"},
    {39, "mkdir", "mkdir"},
    {40, "rmdir", "rmdir"},
    {42, "pipe", "pipe"},
    {46, "setgid", "setgid"},
    {52, "umount2", "umount2"},
    {54, "ioctl", "ioctl"},
    {55, "fcntl", "fcntl"},
    {70, "setreuid", "setreuid"},
    {71, "setregid", "setregid"},
    {81, "setgroups", "setgroups"},
    {83, "symlink", "symlink"},
    {90, "mmap", "mmap"},
    {92, "truncate", "truncate"},
    {93, "ftruncate", "ftruncate"},
    {94, "fchmod", "fchmod"},
    {95, "fchown", "fchown"},
    {102, "socketcall", NULL},
    {143, "flock", "flock"},
    {145, "readv", "readv"},
    {146, "writev", "writev"},
    {164, "setresuid", "setresuid"},
    {170, "setresgid", "setresgid"},
    {180, "pread64", "pread64"},
    {181, "pwrite64", "pwrite64"},
    {182, "chown", "chown"},
    {185, "capset", "capset"},
    {187, "sendfile", "sendfile"},
    {192, "mmap2", "mmap"},
    {193, "truncate64", "truncate"},
    {194, "ftruncate64", "ftruncate"},
    {198, "lchown32", "lchown"},
    {203, "setreuid32", "setreuid"},
    {204, "setregid32", "setregid"},
    {206, "setgroups32", "setgroups"},
    {207, "fchown32", "fchown"},
    {208, "setresuid32", "setresuid"},
    {210, "setresgid32", "setresgid"},
    {212, "chown32", "chown"},
    {213, "setuid32", "setuid"},
    {214, "setgid32", "setgid"},
    {221, "fcntl64", "fcntl"},
    {226, "setxattr", "setxattr"},
    {227, "lsetxattr", "lsetxattr"},
    {228, "fsetxattr", "fsetxattr"},
    {235, "removexattr", "removexattr"},
    {236, "lremovexattr", "lremovexattr"},
    {237, "fremovexattr", "fremovexattr"},
    {239, "sendfile64", "sendfile"},
    {295, "openat", "openat"},
    {296, "mkdirat", "mkdirat"},
    {297, "mknodat", "mknodat"},
    {298, "fchownat", "fchownat"},
    {301, "unlinkat", "unlinkat"},
    {302, "renameat", "renameat"},
    {303, "linkat", "linkat"},
    {304, "symlinkat", "symlinkat"},
    {306, "fchmodat", "fchmodat"},
    {310, "unshare", "unshare"},
    {313, "splice", "splice"},
    {331, "pipe2", "pipe2"},
    {333, "preadv", "preadv"},
    {334, "pwritev", "pwritev"},
    {337, "recvmmsg", "recvmmsg"},
    {342, "open_by_handle_at", "open_by_handle_at"},
    {345, "sendmmsg", "sendmmsg"},
    {346, "setns", "setns"},
    {353, "renameat2", "renameat2"},
    {359, "socket", "socket"},
    {360, "socketpair", "socketpair"},
    {361, "bind", "bind"},
    {362, "connect", "connect"},
    {363, "listen", "listen"},
    {364, "accept4", "accept4"},
    {369, "sendto", "sendto"},
    {370, "sendmsg", "sendmsg"},
    {371, "recvfrom", "recvfrom"},
    {372, "recvmsg", "recvmsg"},
    {373, "shutdown", "shutdown"},
    {377, "copy_file_range", "copy_file_range"},
    {378, "preadv2", "preadv2"},
    {379, "pwritev2", "pwritev2"},
    {417, "recvmmsg_time64", "recvmmsg"},
    {437, "openat2", "openat2"},
    {452, "fchmodat2", "fchmodat2"},
    {463, "setxattrat", "setxattrat"},
    {466, "removexattrat", "removexattrat"},
    {18, "oldstat", "stat"},
    {28, "oldfstat", "fstat"},
    {84, "oldlstat", "lstat"},
    {106, "stat", "stat"},
    {107, "lstat", "lstat"},
    {108, "fstat", "fstat"},
    {195, "stat64", "stat"},
    {196, "lstat64", "lstat"},
    {197, "fstat64", "fstat"},
    {300, "fstatat64", "newfstatat"},
    {383, "statx", "statx"},
    {30, "utime", "utime"},
    {271, "utimes", "utimes"},
    {299, "futimesat", "futimesat"},
    {320, "utimensat", "utimensat"},
    {412, "utimensat_time64", "utimensat"},
    {229, "getxattr", "getxattr"},
    {230, "lgetxattr", "lgetxattr"},
    {231, "fgetxattr", "fgetxattr"},
    {232, "listxattr", "listxattr"},
    {233, "llistxattr", "llistxattr"},
    {234, "flistxattr", "flistxattr"},
    {464, "getxattrat", "getxattrat"},
    {465, "listxattrat", "listxattrat"},
    {217, "pivot_root", "pivot_root"},
    {429, "move_mount", "move_mount"},
};
const size_t trace_nsyscalls32 = sizeof(trace_syscalls32) / sizeof(trace_syscalls32[0]);

/* Maps bpf/lib/maps.h declares that this object does not use: two are LSM-only
 * (inode and socket local storage), two are kept with LSM free hooks. */
static const char *const unused_maps[] = {"inode_store", "sock_store", "cred_map", "file_map"};

static int check_table(struct bpf_object *obj, const struct trace_syscall *table, size_t n,
		       char *err, size_t errlen)
{
	for (size_t i = 0; i < n; i++) {
		if (table[i].nr >= TRACE_SYSCALL_SLOTS) {
			snprintf(err, errlen, "trace table: %s: number %u is past the %d slots",
				 table[i].name, table[i].nr, TRACE_SYSCALL_SLOTS);
			return -1;
		}
		for (size_t j = 0; j < i; j++)
			if (table[j].nr == table[i].nr) {
				snprintf(err, errlen, "trace table: %s and %s share number %u",
					 table[j].name, table[i].name, table[i].nr);
				return -1;
			}
		if (!bpf_object__find_program_by_name(obj, table[i].program)) {
			snprintf(err, errlen, "trace table: %s: no program %s in trace.bpf.c",
				 table[i].name, table[i].program);
			return -1;
		}
	}
	return 0;
}

int trace_check_table32(const struct trace_syscall32 *table, size_t n, unsigned *nr64, char *err,
			size_t errlen)
{
	for (size_t i = 0; i < n; i++) {
		if (table[i].nr32 >= TRACE_SYSCALL_SLOTS) {
			snprintf(err, errlen,
				 "ia32 trace table: %s: number %u is past the %d slots",
				 table[i].name, table[i].nr32, TRACE_SYSCALL_SLOTS);
			return -1;
		}
		for (size_t j = 0; j < i; j++)
			if (table[j].nr32 == table[i].nr32) {
				snprintf(err, errlen, "ia32 trace table: %s and %s share number %u",
					 table[j].name, table[i].name, table[i].nr32);
				return -1;
			}
		unsigned nr = 0;
		if (table[i].as) {
			size_t k = 0;
			while (k < trace_nsyscalls && strcmp(trace_syscalls[k].name, table[i].as))
				k++;
			if (k == trace_nsyscalls) {
				snprintf(err, errlen,
					 "ia32 trace table: %s is recorded as %s, which the 64-bit "
					 "table (trace_syscalls) does not have",
					 table[i].name, table[i].as);
				return -1;
			}
			nr = trace_syscalls[k].nr;
		}
		if (nr64)
			nr64[i] = nr;
	}
	return 0;
}

/* Whether the running kernel's BTF has the kfunc bpf_rdonly_cast (Linux
 * 6.2 and later), which the *_direct programs call. SABPF_TRACE_DIRECT=0
 * says no whatever the kernel (the programs of older kernels, to compare
 * or to test them). */
static bool kernel_has_rdonly_cast(void)
{
	const char *env = getenv("SABPF_TRACE_DIRECT");
	if (env && strcmp(env, "0") == 0)
		return false;
	struct btf *vmlinux = btf__load_vmlinux_btf();
	if (!vmlinux)
		return false;
	bool has = btf__find_by_name_kind(vmlinux, "bpf_rdonly_cast", BTF_KIND_FUNC) > 0;
	btf__free(vmlinux);
	return has;
}

/* The program that runs family `name` on this kernel: NAME_direct (direct
 * loads, trace/inode.h) where it exists and the kernel has
 * bpf_rdonly_cast, else NAME. */
static struct bpf_program *trace_variant(struct bpf_object *obj, const char *name, bool direct)
{
	char fast[64];
	snprintf(fast, sizeof(fast), "%s_direct", name);
	struct bpf_program *p = direct ? bpf_object__find_program_by_name(obj, fast) : NULL;
	return p ? p : bpf_object__find_program_by_name(obj, name);
}

/* Loads one program of each pair NAME / NAME_direct: the one trace_variant
 * picks (the other would be verified for nothing, and a *_direct program
 * does not load at all on a kernel without the kfunc). */
static void trace_pick_variants(struct bpf_object *obj, bool direct)
{
	struct bpf_program *prog;
	bpf_object__for_each_program(prog, obj)
	{
		const char *name = bpf_program__name(prog);
		size_t n = strlen(name);
		if (n > 7 && strcmp(name + n - 7, "_direct") == 0) {
			char base[64];
			snprintf(base, sizeof(base), "%.*s", (int)(n - 7), name);
			struct bpf_program *slow = bpf_object__find_program_by_name(obj, base);
			bpf_program__set_autoload(direct ? slow : prog, false);
		}
	}
}

const char *trace_reads_name(const struct trace_bpf *skel)
{
	return bpf_program__autoload(skel->progs.trace_read_direct) ? "direct" : "probe-read";
}

int trace_scope_changed(struct trace_bpf *skel)
{
	/* read, add one, write: a lost step between two agent threads still
	 * leaves a value no dispatcher read before either put (each writer
	 * read the generation after its own put) */
	__u32 zero = 0;
	__u64 gen = 0;
	if (bpf_map__lookup_elem(skel->maps.scope_gen, &zero, sizeof(zero), &gen, sizeof(gen), 0))
		return -1;
	gen++;
	return bpf_map__update_elem(skel->maps.scope_gen, &zero, sizeof(zero), &gen, sizeof(gen),
				    0);
}

int trace_check_table(const struct trace_syscall *table, size_t n, char *err, size_t errlen)
{
	struct trace_bpf *skel = trace_bpf__open();
	if (!skel) {
		snprintf(err, errlen, "cannot open the trace BPF object: %s", strerror(errno));
		return -1;
	}
	int rc = check_table(skel->obj, table, n, err, errlen);
	trace_bpf__destroy(skel);
	return rc;
}

struct trace_bpf *trace_load(__u32 agent_tgid, __u64 ring_bytes, __u64 wakeup_bytes,
			     __u32 scope_entries, const char *pin_dir, const char *settings,
			     struct pin **pin, char *err, size_t errlen)
{
	struct trace_bpf *skel = trace_bpf__open();
	if (!skel) {
		snprintf(err, errlen, "cannot open the trace BPF object: %s", strerror(errno));
		return NULL;
	}
	skel->rodata->wakeup_bytes = wakeup_bytes;
	if (bpf_map__set_max_entries(skel->maps.events, ring_bytes)) {
		snprintf(err, errlen, "cannot size the ring buffer to %llu bytes",
			 (unsigned long long)ring_bytes);
		goto fail;
	}
	if (scope_entries && bpf_map__set_max_entries(skel->maps.scope_map, scope_entries)) {
		snprintf(err, errlen, "cannot size the scope map to %u entries",
			 (unsigned)scope_entries);
		goto fail;
	}
	for (size_t i = 0; i < sizeof(unused_maps) / sizeof(unused_maps[0]); i++) {
		struct bpf_map *m = bpf_object__find_map_by_name(skel->obj, unused_maps[i]);
		if (m)
			bpf_map__set_autocreate(m, false);
	}
	if (check_table(skel->obj, trace_syscalls, trace_nsyscalls, err, errlen))
		goto fail;
	unsigned nr64[sizeof(trace_syscalls32) / sizeof(trace_syscalls32[0])];
	if (trace_check_table32(trace_syscalls32, trace_nsyscalls32, nr64, err, errlen))
		goto fail;
	bool direct = kernel_has_rdonly_cast();
	trace_pick_variants(skel->obj, direct);
	/* the dispatcher's bitmap of the calls it hands on: the same table as
	 * the program array below */
	for (size_t i = 0; i < trace_nsyscalls; i++)
		skel->rodata->trace_recorded[trace_syscalls[i].nr / 64] |=
		    1ULL << (trace_syscalls[i].nr % 64);
	/* and the ia32 calls', by their own numbers, with the 64-bit number
	 * each one is handed on as (SABPF_TRACE_IA32=0: none, the negative
	 * control of tests/native/scenarios/11-trace-ia32.sh) */
	const char *ia32_env = getenv("SABPF_TRACE_IA32");
	size_t n32 = ia32_env && strcmp(ia32_env, "0") == 0 ? 0 : trace_nsyscalls32;
	for (size_t i = 0; i < n32; i++) {
		unsigned nr32 = trace_syscalls32[i].nr32;
		skel->rodata->trace_recorded32[nr32 / 64] |= 1ULL << (nr32 % 64);
		skel->rodata->trace_ia32_nr[nr32] = (__u16)nr64[i];
	}
	/* the family programs are reached by tail call, never attached: only
	 * the dispatcher hangs on sys_exit (a family program attached there
	 * would run for every system call, with the wrong arguments) */
	struct bpf_program *prog;
	bpf_object__for_each_program(prog, skel->obj)
	{
		if (strcmp(bpf_program__section_name(prog), "tp_btf/sys_exit") == 0 &&
		    prog != skel->progs.trace_sys_exit)
			bpf_program__set_autoattach(prog, false);
	}
	size_t elf_size;
	const void *elf = trace_bpf__elf_bytes(&elf_size);
	if (pin_dir && pin_prepare(pin_dir, skel->obj, elf, elf_size, settings, pin, err, errlen))
		goto fail;
	skel->rodata->build_tag = pin_build_of(elf, elf_size); /* bpf/lib/maps.h */
	int rc = trace_bpf__load(skel);
	if (rc) {
		snprintf(err, errlen,
			 "the kernel refused to load the trace backend's programs: %s "
			 "(SABPF_DEBUG=1 shows the verifier log; `sabpf doctor`)",
			 strerror(-rc));
		goto fail;
	}
	/* the agent, before anything is attached (or, taking over, the new
	 * agent in place of the last) */
	__u32 zero = 0;
	if (bpf_map__update_elem(skel->maps.agent_map, &zero, sizeof(zero), &agent_tgid,
				 sizeof(agent_tgid), BPF_ANY)) {
		snprintf(err, errlen, "cannot tell the programs the agent's pid: %s",
			 strerror(errno));
		goto fail;
	}
	if (pin_resumed(pin_dir ? *pin : NULL))
		return skel; /* the pinned links hold the programs (and their array) */
	int calls = bpf_map__fd(skel->maps.trace_calls);
	for (size_t i = 0; i < trace_nsyscalls; i++) {
		int fd =
		    bpf_program__fd(trace_variant(skel->obj, trace_syscalls[i].program, direct));
		__u32 key = trace_syscalls[i].nr;
		if (bpf_map_update_elem(calls, &key, &fd, BPF_ANY)) {
			snprintf(err, errlen, "cannot fill the trace program array for %s: %s",
				 trace_syscalls[i].name, strerror(errno));
			goto fail;
		}
	}
	/* this build records from the start, unless it takes over another
	 * build's side: then only from the hand-over (pin_upgrade_commit) */
	bool upgrading = pin_dir && pin_upgrading(*pin);
	__u64 tag = skel->rodata->build_tag;
	if (!upgrading && bpf_map__update_elem(skel->maps.build_map, &zero, sizeof(zero), &tag,
					       sizeof(tag), BPF_ANY)) {
		snprintf(err, errlen, "cannot make this build the active one: %s", strerror(errno));
		goto fail;
	}
	rc = trace_bpf__attach(skel);
	if (rc) {
		snprintf(err, errlen, "cannot attach the trace backend's tracepoints: %s",
			 strerror(-rc));
		goto fail;
	}
	if (upgrading ? pin_upgrade_commit(*pin, skel->skeleton, skel->obj, err, errlen)
		      : pin_dir && pin_links(*pin, skel->skeleton, err, errlen))
		goto fail;
	return skel;
fail:
	trace_bpf__destroy(skel);
	return NULL;
}
