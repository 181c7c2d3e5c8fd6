/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* cli.c: parsing of command-line values: ring-buffer sizes, record-class
 * lists and `--cgroup PATH[:CLASSES]` specs. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sabpf_record.h"
#include "cli.h"

int cli_parse_ring_size(const char *text, __u64 *bytes, char *err, size_t errlen)
{
	char *end;
	errno = 0;
	unsigned long long value = strtoull(text, &end, 10);
	if (errno || end == text || text[0] == '-') {
		snprintf(err, errlen, "--ring-size '%s': not a size (examples: 65536, 4M, 1G)",
			 text);
		return -1;
	}
	unsigned shift = 0;
	if (*end == 'K' || *end == 'k')
		shift = 10;
	else if (*end == 'M' || *end == 'm')
		shift = 20;
	else if (*end == 'G' || *end == 'g')
		shift = 30;
	if (shift)
		end++;
	if (*end != '\0') {
		snprintf(err, errlen, "--ring-size '%s': unknown suffix '%s' (use K, M or G)", text,
			 end);
		return -1;
	}
	if (value > (1ULL << 30) >> shift) {
		snprintf(err, errlen, "--ring-size '%s': larger than the 1G maximum", text);
		return -1;
	}
	value <<= shift;
	if (value < 4096 || (value & (value - 1))) {
		snprintf(err, errlen,
			 "--ring-size '%s': must be a power of two of at least 4096 bytes "
			 "(e.g. 4M)",
			 text);
		return -1;
	}
	*bytes = value;
	return 0;
}

int cli_parse_scope_size(const char *text, __u32 *entries, char *err, size_t errlen)
{
	char *end;
	size_t i = 0;
	while (text[i] >= '0' && text[i] <= '9')
		i++;
	if (i == 0 || text[i] != '\0') {
		snprintf(err, errlen,
			 "--scope-size '%s': not a number of entries (a decimal number such as "
			 "16384: one entry per audited cgroup)",
			 text);
		return -1;
	}
	errno = 0;
	unsigned long long value = strtoull(text, &end, 10);
	if (errno || value == 0 || value > SABPF_SCOPE_SIZE_MAX) {
		snprintf(err, errlen,
			 "--scope-size '%s': must be from 1 to %u (one entry per audited cgroup)",
			 text, SABPF_SCOPE_SIZE_MAX);
		return -1;
	}
	*entries = (__u32)value;
	return 0;
}

/* The record classes by name (all first: cli_format_classes). */
static const struct {
	const char *name;
	__u32 bits;
} known[] = {
    {"all", SABPF_CLASS_ALL},	{"proc", SABPF_CLASS_PROC}, {"file", SABPF_CLASS_FILE},
    {"net", SABPF_CLASS_NET},	{"ipc", SABPF_CLASS_IPC},   {"sys", SABPF_CLASS_SYS},
    {"perm", SABPF_CLASS_PERM}, /* opt-in: not part of all */
};

int cli_parse_classes(const char *text, __u32 *classes, char *err, size_t errlen)
{
	__u32 bits = 0;
	const char *p = text;
	if (*p == '\0') {
		snprintf(err, errlen,
			 "empty class list: use all, or some of proc,file,net,ipc,sys,perm");
		return -1;
	}
	while (*p) {
		size_t len = strcspn(p, ",");
		size_t i;
		for (i = 0; i < sizeof(known) / sizeof(known[0]); i++)
			if (strlen(known[i].name) == len && strncmp(p, known[i].name, len) == 0)
				break;
		if (i == sizeof(known) / sizeof(known[0])) {
			snprintf(err, errlen,
				 "unknown record class '%.*s' in '%s': use all, or some of "
				 "proc,file,net,ipc,sys,perm",
				 (int)len, p, text);
			return -1;
		}
		bits |= known[i].bits;
		p += len;
		if (*p == ',') {
			p++;
			if (*p == '\0') {
				snprintf(err, errlen, "class list '%s' ends with a comma", text);
				return -1;
			}
		}
	}
	*classes = bits;
	return 0;
}

int cli_parse_cgroup_spec(const char *text, char *path, size_t path_len, __u32 *classes, char *err,
			  size_t errlen)
{
	const char *colon = strrchr(text, ':');
	size_t len = colon ? (size_t)(colon - text) : strlen(text);
	if (len == 0) {
		snprintf(err, errlen, "--cgroup '%s': the cgroup path is empty", text);
		return -1;
	}
	if (len >= path_len) {
		snprintf(err, errlen, "--cgroup '%s': path too long", text);
		return -1;
	}
	memcpy(path, text, len);
	path[len] = '\0';
	*classes = SABPF_CLASS_ALL;
	if (colon && cli_parse_classes(colon + 1, classes, err, errlen))
		return -1;
	return 0;
}

void cli_format_classes(__u32 classes, char *buf, size_t len)
{
	size_t n = 0;
	buf[0] = '\0';
	for (size_t i = 0; i < sizeof(known) / sizeof(known[0]) && n < len; i++) {
		if ((classes & known[i].bits) != known[i].bits)
			continue;
		n += snprintf(buf + n, len - n, "%s%s", n ? "," : "", known[i].name);
		classes &= ~known[i].bits;
	}
}
