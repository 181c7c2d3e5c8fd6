/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* cli.h: parsing of the command line's values (sizes, record classes,
 * cgroup specs), kept apart from main.c so the unit tests can reach it. */
#ifndef SABPF_CLI_H
#define SABPF_CLI_H

#include <linux/types.h>
#include <stddef.h>

/* "16M", "65536", "1G": a ring-buffer size, which must be a power of two of
 * at least 4096 bytes and at most 1 GiB. Returns 0, or -1 with err. */
int cli_parse_ring_size(const char *text, __u64 *bytes, char *err, size_t errlen);
/* --scope-size: entries of the scope map (one per audited cgroup), a
 * plain decimal number from 1 to SABPF_SCOPE_SIZE_MAX. Returns 0, or -1
 * with err. */
#define SABPF_SCOPE_SIZE_MAX (1u << 20)
int cli_parse_scope_size(const char *text, __u32 *entries, char *err, size_t errlen);
/* "all", "proc,file", "net": SABPF_CLASS_* bits. Returns 0, or -1 with err. */
int cli_parse_classes(const char *text, __u32 *classes, char *err, size_t errlen);
/* The classes as cli_parse_classes reads them ("all", "proc,file,perm")
 * into buf ("" for none). */
void cli_format_classes(__u32 classes, char *buf, size_t len);
/* "PATH" or "PATH:CLASSES" (an --cgroup argument). path receives PATH.
 * Returns 0, or -1 with err. */
int cli_parse_cgroup_spec(const char *text, char *path, size_t path_len, __u32 *classes, char *err,
			  size_t errlen);

#endif /* SABPF_CLI_H */
