/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* seal.h: tamper-evident output files. The bytes written to an output file
 * are cut into blocks; each block's SHA-256 is chained to the previous
 * block's and, with a key, the chain is signed with Ed25519 (libsodium).
 * One JSON line per block goes into a seal file beside the output (FILE.seal),
 * written as each block closes, so a crash leaves a verifiable prefix.
 * `sabpf verify FILE [--key PUB]` (seal_verify.c) recomputes everything and
 * names the first block that was altered, removed, reordered or cut off.
 *
 * Seal file, one JSON object per line:
 *   {"seal":1,"file":NAME,"time":NS,"key":PUBHEX|"","chain":HEX,"sig":HEX|""}
 *   {"block":N,"offset":O,"length":L,"time":NS,"final":false,"hash":HEX,
 *    "chain":HEX,"sig":HEX|""}   ... the last one with "final":true
 * chain of the header = SHA-256("sabpf-seal-1" || NAME || NUL || le64 time
 * || the 32-byte public key, zeros when unsigned); chain of block N =
 * SHA-256(previous chain || le64 N || le64 O || le64 L || le64 time ||
 * final byte || hash of the block's bytes); sig = Ed25519 over the chain. */
#ifndef SABPF_SEAL_H
#define SABPF_SEAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define SEAL_HASH_BYTES 32
#define SEAL_PK_BYTES 32
#define SEAL_SK_BYTES 64
#define SEAL_SIG_BYTES 64
#define SEAL_DEFAULT_BLOCK (1u << 20)

struct seal_key {
	unsigned char pk[SEAL_PK_BYTES];
	unsigned char sk[SEAL_SK_BYTES];
};

struct seal;

/* Writes a new key pair: PREFIX.key (secret, mode 0600, hex) and PREFIX.pub
 * (hex). Refuses to overwrite. Returns 0, or -1 with err. */
int seal_keygen(const char *prefix, char *err, size_t errlen);
/* Reads a secret key file written by seal_keygen (the public key is derived
 * from it). Returns 0, or -1 with err. */
int seal_key_load_secret(const char *path, struct seal_key *key, char *err, size_t errlen);
/* Reads a public key file (64 hex digits). Returns 0, or -1 with err. */
int seal_key_load_public(const char *path, unsigned char pk[SEAL_PK_BYTES], char *err,
			 size_t errlen);

/* Starts the seal of an output file: creates seal_path and writes its
 * header. name is the sealed file's base name (recorded, not trusted).
 * key NULL: unsigned (hash chain only). block_bytes: a block closes when it
 * reaches this size (0: SEAL_DEFAULT_BLOCK), or at seal_checkpoint().
 * Returns NULL with err. */
struct seal *seal_open(const char *seal_path, const char *name, const struct seal_key *key,
		       size_t block_bytes, char *err, size_t errlen);
/* Bytes just appended to the sealed file, in order. Returns 0, or -1 when
 * a block line could not be written (errno set; later calls keep failing). */
int seal_update(struct seal *s, const void *data, size_t len);
/* Closes the current block, if it holds any byte, and writes its line. */
int seal_checkpoint(struct seal *s);
/* The seal file's descriptor (for the self-protection of the agent's files). */
int seal_fd(const struct seal *s);
/* Writes the final block line, closes the seal file and frees s. */
int seal_close(struct seal *s);

/* Lower-case hex of n bytes into out (2n + 1 bytes). */
void seal_hex(const unsigned char *bytes, size_t n, char *out);
/* Reads exactly 2n hex digits of text into bytes. Returns 0, or -1. */
int seal_unhex(const char *text, size_t len, unsigned char *bytes, size_t n);
/* The chain values (shared by the writer and the verifier). */
void seal_chain_header(const char *name, uint64_t time_ns, const unsigned char *pk,
		       unsigned char out[SEAL_HASH_BYTES]);
void seal_chain_block(const unsigned char prev[SEAL_HASH_BYTES], uint64_t index, uint64_t offset,
		      uint64_t length, uint64_t time_ns, bool final,
		      const unsigned char hash[SEAL_HASH_BYTES],
		      unsigned char out[SEAL_HASH_BYTES]);

#endif /* SABPF_SEAL_H */
