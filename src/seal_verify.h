/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* seal_verify.h: checking a sealed output file against its seal (seal.h),
 * and the `sabpf verify` and `sabpf keygen` commands. */
#ifndef SABPF_SEAL_VERIFY_H
#define SABPF_SEAL_VERIFY_H

#include <stdbool.h>
#include <stdint.h>

#include "seal.h"

struct seal_report {
	bool whole;	   /* nothing wrong found */
	char problem[512]; /* the first problem, when not whole */
	uint64_t blocks;   /* seal lines of blocks read and checked */
	uint64_t sealed_bytes;
	uint64_t file_bytes;
	bool signed_;	    /* the seal carries signatures */
	bool authenticated; /* ...checked with a key given by the caller */
	bool closed;	    /* the final block line is there */
	bool partial_ok;    /* in: an open seal (file still written) is not a problem */
	char key_id[9];	    /* first 4 bytes of the seal's public key, hex */
};

/* Verifies file against seal_path; trusted_pk NULL checks the chain (and
 * the signatures against the key in the seal, which proves nothing about
 * who made them). partial_ok: a seal not closed yet (the file is still being
 * written) is not a problem. Returns 0 whole, 1 not whole (r->problem says why), -1
 * when it cannot verify (unreadable, not a seal: err). */
int seal_verify(const char *file, const char *seal_path, const unsigned char *trusted_pk,
		bool partial_ok, struct seal_report *r, char *err, size_t errlen);

/* `sabpf verify` and `sabpf keygen` (argv[0] is the command's name); exit
 * status: verify 0 whole, 1 not whole, 2 cannot verify or bad usage. */
int cmd_verify(int argc, char **argv);
int cmd_keygen(int argc, char **argv);

#endif /* SABPF_SEAL_VERIFY_H */
