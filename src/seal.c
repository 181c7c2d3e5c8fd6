/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* seal.c: the writing half of tamper-evident outputs (seal.h): key files,
 * the block hash chain, and the seal file's lines. The verifying half is
 * seal_verify.c. */
#include <errno.h>
#include <fcntl.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "json_write.h"
#include "seal.h"

struct seal {
	int fd;
	bool signed_;
	struct seal_key key;
	size_t block_bytes;
	crypto_hash_sha256_state block; /* the bytes of the open block so far */
	uint64_t index;			/* of the open block */
	uint64_t offset;		/* where the open block starts */
	uint64_t length;		/* its bytes so far */
	unsigned char chain[SEAL_HASH_BYTES];
	int failed; /* errno of the first failed write, 0 if none */
	struct jbuf line;
};

static void set_err(char *err, size_t errlen, const char *fmt, const char *a, const char *b)
{
	snprintf(err, errlen, fmt, a, b);
}

void seal_hex(const unsigned char *bytes, size_t n, char *out)
{
	static const char digits[] = "0123456789abcdef";
	for (size_t i = 0; i < n; i++) {
		out[2 * i] = digits[bytes[i] >> 4];
		out[2 * i + 1] = digits[bytes[i] & 15];
	}
	out[2 * n] = '\0';
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

int seal_unhex(const char *text, size_t len, unsigned char *bytes, size_t n)
{
	if (len != 2 * n)
		return -1;
	for (size_t i = 0; i < n; i++) {
		int hi = hexval(text[2 * i]), lo = hexval(text[2 * i + 1]);
		if (hi < 0 || lo < 0)
			return -1;
		bytes[i] = (unsigned char)(hi << 4 | lo);
	}
	return 0;
}

static void put_le64(crypto_hash_sha256_state *h, uint64_t v)
{
	unsigned char b[8];
	for (int i = 0; i < 8; i++)
		b[i] = (unsigned char)(v >> (8 * i));
	crypto_hash_sha256_update(h, b, sizeof(b));
}

void seal_chain_header(const char *name, uint64_t time_ns, const unsigned char *pk,
		       unsigned char out[SEAL_HASH_BYTES])
{
	static const unsigned char zeros[SEAL_PK_BYTES];
	crypto_hash_sha256_state h;
	crypto_hash_sha256_init(&h);
	crypto_hash_sha256_update(&h, (const unsigned char *)"sabpf-seal-1", 12);
	crypto_hash_sha256_update(&h, (const unsigned char *)name, strlen(name) + 1);
	put_le64(&h, time_ns);
	crypto_hash_sha256_update(&h, pk ? pk : zeros, SEAL_PK_BYTES);
	crypto_hash_sha256_final(&h, out);
}

void seal_chain_block(const unsigned char prev[SEAL_HASH_BYTES], uint64_t index, uint64_t offset,
		      uint64_t length, uint64_t time_ns, bool final,
		      const unsigned char hash[SEAL_HASH_BYTES], unsigned char out[SEAL_HASH_BYTES])
{
	crypto_hash_sha256_state h;
	unsigned char f = final;
	crypto_hash_sha256_init(&h);
	crypto_hash_sha256_update(&h, prev, SEAL_HASH_BYTES);
	put_le64(&h, index);
	put_le64(&h, offset);
	put_le64(&h, length);
	put_le64(&h, time_ns);
	crypto_hash_sha256_update(&h, &f, 1);
	crypto_hash_sha256_update(&h, hash, SEAL_HASH_BYTES);
	crypto_hash_sha256_final(&h, out);
}

/* ---- keys ------------------------------------------------------------- */

static int write_hex_file(const char *path, mode_t mode, const unsigned char *bytes, size_t n,
			  char *err, size_t errlen)
{
	char hex[2 * SEAL_SK_BYTES + 2];
	seal_hex(bytes, n, hex);
	strcat(hex, "\n");
	int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode);
	if (fd < 0) {
		set_err(err, errlen, "cannot create %s: %s (a key is never overwritten)", path,
			strerror(errno));
		return -1;
	}
	size_t len = strlen(hex);
	if (write(fd, hex, len) != (ssize_t)len || fsync(fd) != 0) {
		set_err(err, errlen, "cannot write %s: %s", path, strerror(errno));
		close(fd);
		unlink(path);
		return -1;
	}
	close(fd);
	return 0;
}

int seal_keygen(const char *prefix, char *err, size_t errlen)
{
	char sk_path[4096], pk_path[4096];
	struct seal_key k;
	if (sodium_init() < 0) {
		set_err(err, errlen, "libsodium could not start%s%s", "", "");
		return -1;
	}
	if ((size_t)snprintf(sk_path, sizeof(sk_path), "%s.key", prefix) >= sizeof(sk_path) ||
	    (size_t)snprintf(pk_path, sizeof(pk_path), "%s.pub", prefix) >= sizeof(pk_path)) {
		set_err(err, errlen, "key path prefix %s is too long%s", prefix, "");
		return -1;
	}
	crypto_sign_keypair(k.pk, k.sk);
	int rc = write_hex_file(sk_path, 0600, k.sk, SEAL_SK_BYTES, err, errlen);
	if (rc == 0 && write_hex_file(pk_path, 0644, k.pk, SEAL_PK_BYTES, err, errlen) != 0) {
		unlink(sk_path);
		rc = -1;
	}
	sodium_memzero(&k, sizeof(k));
	return rc;
}

static int read_hex_file(const char *path, unsigned char *bytes, size_t n, const char *what,
			 char *err, size_t errlen)
{
	char text[2 * SEAL_SK_BYTES + 8];
	FILE *f = fopen(path, "r");
	if (!f) {
		set_err(err, errlen, "cannot open the key %s: %s", path, strerror(errno));
		return -1;
	}
	size_t len = fread(text, 1, sizeof(text) - 1, f);
	fclose(f);
	while (len && (text[len - 1] == '\n' || text[len - 1] == ' '))
		len--;
	if (seal_unhex(text, len, bytes, n) != 0) {
		set_err(err, errlen, "%s is not %s (make keys with `sabpf keygen PREFIX`)", path,
			what);
		return -1;
	}
	return 0;
}

int seal_key_load_secret(const char *path, struct seal_key *key, char *err, size_t errlen)
{
	if (sodium_init() < 0) {
		set_err(err, errlen, "libsodium could not start%s%s", "", "");
		return -1;
	}
	if (read_hex_file(path, key->sk, SEAL_SK_BYTES, "a secret key (128 hex digits)", err,
			  errlen))
		return -1;
	crypto_sign_ed25519_sk_to_pk(key->pk, key->sk);
	return 0;
}

int seal_key_load_public(const char *path, unsigned char pk[SEAL_PK_BYTES], char *err,
			 size_t errlen)
{
	return read_hex_file(path, pk, SEAL_PK_BYTES, "a public key (64 hex digits)", err, errlen);
}

/* ---- the seal file ------------------------------------------------------ */

static uint64_t now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/* The value of a hex field: the bytes in hexadecimal, "" when NULL. */
static void put_hex(struct jw *w, const unsigned char *bytes, size_t n)
{
	char hex[2 * SEAL_SIG_BYTES + 1] = "";
	if (bytes)
		seal_hex(bytes, n, hex);
	jw_cstr(w, hex);
}

/* Chain and signature fields, then the line (the object w has open) out
 * to the file. */
static int finish_line(struct seal *s, struct jw *w)
{
	unsigned char sig[SEAL_SIG_BYTES];
	jw_key(w, "chain");
	put_hex(w, s->chain, SEAL_HASH_BYTES);
	if (s->signed_)
		crypto_sign_detached(sig, NULL, s->chain, SEAL_HASH_BYTES, s->key.sk);
	jw_key(w, "sig");
	put_hex(w, s->signed_ ? sig : NULL, SEAL_SIG_BYTES);
	jw_object_end(w);
	jw_newline(w);
	if (jw_check(w)) {
		s->failed = ENOMEM;
		return -1;
	}
	for (size_t done = 0; done < s->line.len;) {
		ssize_t n = write(s->fd, s->line.data + done, s->line.len - done);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			s->failed = n < 0 ? errno : EIO;
			return -1;
		}
		done += (size_t)n;
	}
	jbuf_reset(&s->line);
	return 0;
}

struct seal *seal_open(const char *seal_path, const char *name, const struct seal_key *key,
		       size_t block_bytes, char *err, size_t errlen)
{
	if (sodium_init() < 0) {
		set_err(err, errlen, "libsodium could not start%s%s", "", "");
		return NULL;
	}
	struct seal *s = calloc(1, sizeof(*s));
	if (!s) {
		set_err(err, errlen, "out of memory%s%s", "", "");
		return NULL;
	}
	s->fd = open(seal_path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (s->fd < 0) {
		set_err(err, errlen, "cannot create the seal %s: %s", seal_path, strerror(errno));
		free(s);
		return NULL;
	}
	s->signed_ = key != NULL;
	if (key)
		s->key = *key;
	s->block_bytes = block_bytes ? block_bytes : SEAL_DEFAULT_BLOCK;
	jbuf_init(&s->line);
	crypto_hash_sha256_init(&s->block);

	uint64_t t = now_ns();
	seal_chain_header(name, t, key ? key->pk : NULL, s->chain);
	struct jw w;
	jw_init(&w, &s->line);
	jw_object_begin(&w);
	jw_key_u64(&w, "seal", 1);
	jw_key_cstr(&w, "file", name);
	jw_key_u64(&w, "time", t);
	jw_key(&w, "key");
	put_hex(&w, key ? key->pk : NULL, SEAL_PK_BYTES);
	if (finish_line(s, &w) != 0) {
		set_err(err, errlen, "cannot write the seal %s: %s", seal_path,
			strerror(s->failed));
		close(s->fd);
		jbuf_free(&s->line);
		free(s);
		return NULL;
	}
	return s;
}

/* Closes the open block (even when empty, for the final one). */
static int close_block(struct seal *s, bool final)
{
	unsigned char hash[SEAL_HASH_BYTES];
	uint64_t t = now_ns();
	crypto_hash_sha256_final(&s->block, hash);
	seal_chain_block(s->chain, s->index, s->offset, s->length, t, final, hash, s->chain);
	struct jw w;
	jw_init(&w, &s->line);
	jw_object_begin(&w);
	jw_key_u64(&w, "block", s->index);
	jw_key_u64(&w, "offset", s->offset);
	jw_key_u64(&w, "length", s->length);
	jw_key_u64(&w, "time", t);
	jw_key_bool(&w, "final", final);
	jw_key(&w, "hash");
	put_hex(&w, hash, SEAL_HASH_BYTES);
	int rc = finish_line(s, &w);
	s->index++;
	s->offset += s->length;
	s->length = 0;
	crypto_hash_sha256_init(&s->block);
	return rc;
}

int seal_update(struct seal *s, const void *data, size_t len)
{
	const unsigned char *p = data;
	while (len && !s->failed) {
		size_t room = s->block_bytes - s->length;
		size_t n = len < room ? len : room;
		crypto_hash_sha256_update(&s->block, p, n);
		s->length += n;
		p += n;
		len -= n;
		if (s->length == s->block_bytes && close_block(s, false) != 0)
			break;
	}
	if (s->failed) {
		errno = s->failed;
		return -1;
	}
	return 0;
}

int seal_checkpoint(struct seal *s)
{
	if (s->failed) {
		errno = s->failed;
		return -1;
	}
	return s->length ? close_block(s, false) : 0;
}

int seal_fd(const struct seal *s)
{
	return s->fd;
}

int seal_close(struct seal *s)
{
	int rc = s->failed ? -1 : close_block(s, true);
	if (fsync(s->fd) != 0 && rc == 0)
		rc = -1;
	if (close(s->fd) != 0 && rc == 0)
		rc = -1;
	int saved = s->failed;
	jbuf_free(&s->line);
	sodium_memzero(&s->key, sizeof(s->key));
	free(s);
	if (rc && saved)
		errno = saved;
	return rc;
}
