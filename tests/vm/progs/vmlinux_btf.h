/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* vmlinux_btf.h: the BTF id of a kernel function, read from
 * /sys/kernel/btf/vmlinux without libbpf, for the static test programs that
 * load LSM programs (policyprobe, motif). Header-only: include it once. */
#ifndef SABPF_TEST_VMLINUX_BTF_H
#define SABPF_TEST_VMLINUX_BTF_H

#include <fcntl.h>
#include <stdint.h>
#include <string.h>
#include <unistd.h>

/* The BTF id of the function `name` in the kernel's BTF, or 0. */
static uint32_t vmlinux_func_id(const char *name)
{
	static char buf[16 << 20];
	int fd = open("/sys/kernel/btf/vmlinux", O_RDONLY);
	if (fd < 0)
		return 0;
	size_t n = 0;
	ssize_t r;
	while (n < sizeof(buf) && (r = read(fd, buf + n, sizeof(buf) - n)) > 0)
		n += (size_t)r;
	close(fd);
	struct {
		uint16_t magic;
		uint8_t version, flags;
		uint32_t hdr_len, type_off, type_len, str_off, str_len;
	} h;
	if (n < sizeof(h))
		return 0;
	memcpy(&h, buf, sizeof(h));
	const char *types = buf + h.hdr_len + h.type_off, *strs = buf + h.hdr_len + h.str_off;
	if (h.magic != 0xeB9F || h.hdr_len + h.str_off + h.str_len > n)
		return 0;
	uint32_t id = 1;
	for (uint32_t off = 0; off + 12 <= h.type_len; id++) {
		uint32_t t[3];
		memcpy(t, types + off, sizeof(t));
		uint32_t kind = (t[1] >> 24) & 0x1f, vlen = t[1] & 0xffff;
		if (kind == 12 /* FUNC */ && strcmp(strs + t[0], name) == 0)
			return id;
		off += 12;
		switch (kind) {
		case 1:
		case 14:
		case 17:
			off += 4;
			break; /* INT, VAR, DECL_TAG */
		case 3:
			off += 12;
			break; /* ARRAY */
		case 4:
		case 5:
		case 15:
		case 19:
			off += vlen * 12;
			break; /* members, sections */
		case 6:
		case 13:
			off += vlen * 8;
			break; /* ENUM, FUNC_PROTO */
		}
	}
	return 0;
}

#endif /* SABPF_TEST_VMLINUX_BTF_H */
