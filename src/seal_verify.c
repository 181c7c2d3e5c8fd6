/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* seal_verify.c: the verifying half of tamper-evident outputs (seal.h), and
 * the commands around it:
 *
 *   sabpf verify FILE [--seal FILE.seal] [--key PUB] [--partial] [--json]
 *   sabpf keygen PREFIX          writes PREFIX.key (secret) and PREFIX.pub
 *
 * verify walks the seal line by line: the header's chain and signature,
 * then each block's index, offset, chain and signature, then the block's
 * bytes in FILE. The first problem is named: a block altered, removed or
 * reordered (its bytes are those of another block), FILE cut short, bytes
 * added after the seal was closed, a seal line altered, removed or forged,
 * or a seal that was never closed (the agent died, or the tail of both
 * files was cut: --partial accepts that for a file still being written).
 * Exit status: 0 whole, 1 not whole, 2 bad usage or unreadable input. */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdarg.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cmd.h"
#include "json_read.h"
#include "json_write.h"
#include "seal.h"
#include "seal_verify.h"

struct block_line {
	uint64_t index, offset, length, time;
	bool final;
	unsigned char hash[SEAL_HASH_BYTES];
	unsigned char chain[SEAL_HASH_BYTES];
	unsigned char sig[SEAL_SIG_BYTES];
	bool has_sig;
};

static void problem(struct seal_report *r, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void problem(struct seal_report *r, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(r->problem, sizeof(r->problem), fmt, ap);
	va_end(ap);
	r->whole = false;
}

static bool get_u64(yaml_document_t *doc, yaml_node_t *map, const char *key, uint64_t *v)
{
	size_t n;
	const char *s = json_scalar(json_get(doc, map, key), &n);
	if (!s || n == 0 || n > 20)
		return false;
	char buf[24];
	memcpy(buf, s, n);
	buf[n] = '\0';
	char *end;
	errno = 0;
	unsigned long long x = strtoull(buf, &end, 10);
	if (errno || *end || buf[0] == '-')
		return false;
	*v = x;
	return true;
}

static bool get_hex(yaml_document_t *doc, yaml_node_t *map, const char *key, unsigned char *out,
		    size_t n, bool *present)
{
	size_t len;
	const char *s = json_scalar(json_get(doc, map, key), &len);
	if (!s)
		return false;
	if (present)
		*present = len > 0;
	if (len == 0)
		return present != NULL;
	return seal_unhex(s, len, out, n) == 0;
}

/* Parses one block line. Returns false when it is not a block line. */
static bool parse_block(const char *text, size_t len, struct block_line *b)
{
	yaml_document_t doc;
	char err[64];
	if (json_load_object(&doc, text, len, "seal line", err, sizeof(err)))
		return false;
	yaml_node_t *root = json_root(&doc);
	size_t n;
	const char *fin = json_scalar(json_get(&doc, root, "final"), &n);
	bool ok =
	    get_u64(&doc, root, "block", &b->index) && get_u64(&doc, root, "offset", &b->offset) &&
	    get_u64(&doc, root, "length", &b->length) && get_u64(&doc, root, "time", &b->time) &&
	    fin && get_hex(&doc, root, "hash", b->hash, SEAL_HASH_BYTES, NULL) &&
	    get_hex(&doc, root, "chain", b->chain, SEAL_HASH_BYTES, NULL) &&
	    get_hex(&doc, root, "sig", b->sig, SEAL_SIG_BYTES, &b->has_sig);
	if (ok)
		b->final = n == 4 && memcmp(fin, "true", 4) == 0;
	yaml_document_delete(&doc);
	return ok;
}

static bool sig_ok(const unsigned char sig[SEAL_SIG_BYTES], const unsigned char *chain,
		   const unsigned char pk[SEAL_PK_BYTES])
{
	return crypto_sign_verify_detached(sig, chain, SEAL_HASH_BYTES, pk) == 0;
}

/* SHA-256 of len bytes of fd at offset; false when the file ends first. */
static bool hash_range(int fd, uint64_t offset, uint64_t len, unsigned char out[SEAL_HASH_BYTES])
{
	unsigned char buf[65536];
	crypto_hash_sha256_state h;
	crypto_hash_sha256_init(&h);
	while (len) {
		size_t want = len < sizeof(buf) ? (size_t)len : sizeof(buf);
		ssize_t n = pread(fd, buf, want, (off_t)offset);
		if (n <= 0)
			return false;
		crypto_hash_sha256_update(&h, buf, (size_t)n);
		offset += (uint64_t)n;
		len -= (uint64_t)n;
	}
	crypto_hash_sha256_final(&h, out);
	return true;
}

/* Block k's bytes do not hash to its sealed hash: whose are they? */
static void explain_mismatch(struct seal_report *r, int fd, const struct block_line *lines,
			     size_t count, size_t k)
{
	const struct block_line *b = &lines[k];
	unsigned char h[SEAL_HASH_BYTES];
	if (k + 1 < count && hash_range(fd, b->offset, lines[k + 1].length, h) &&
	    memcmp(h, lines[k + 1].hash, SEAL_HASH_BYTES) == 0) {
		/* block k+1's bytes stand where block k's should: swapped with it
		 * when block k's bytes follow them, removed otherwise */
		const struct block_line *next = &lines[k + 1];
		if (!(hash_range(fd, b->offset + next->length, b->length, h) &&
		      memcmp(h, b->hash, SEAL_HASH_BYTES) == 0)) {
			problem(r,
				"block %" PRIu64 " (bytes %" PRIu64 "-%" PRIu64
				") was removed: block %" PRIu64 " follows in its place",
				b->index, b->offset, b->offset + b->length - 1, next->index);
			return;
		}
	}
	for (size_t m = 0; m < count; m++) {
		if (m == k || lines[m].length != b->length || lines[m].length == 0)
			continue;
		if (hash_range(fd, b->offset, b->length, h) &&
		    memcmp(h, lines[m].hash, SEAL_HASH_BYTES) == 0) {
			problem(r,
				"block %" PRIu64 " (bytes %" PRIu64 "-%" PRIu64
				") was reordered: it holds the bytes sealed as block %" PRIu64,
				b->index, b->offset, b->offset + b->length - 1, lines[m].index);
			return;
		}
	}
	problem(r, "block %" PRIu64 " (bytes %" PRIu64 "-%" PRIu64 ") was altered", b->index,
		b->offset, b->offset + b->length - 1);
}

static char *read_all(const char *path, size_t *len, char *err, size_t errlen)
{
	FILE *f = fopen(path, "rb");
	if (!f) {
		snprintf(err, errlen, "cannot open %s: %s", path, strerror(errno));
		return NULL;
	}
	struct jbuf b;
	jbuf_init(&b);
	char chunk[65536];
	size_t n;
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0)
		jbuf_put(&b, chunk, n);
	bool bad = ferror(f) || b.oom;
	fclose(f);
	if (bad) {
		snprintf(err, errlen, "cannot read %s", path);
		jbuf_free(&b);
		return NULL;
	}
	jbuf_putc(&b, '\0');
	*len = b.len - 1;
	return b.data;
}

int seal_verify(const char *file, const char *seal_path, const unsigned char *trusted_pk,
		bool partial_ok, struct seal_report *r, char *err, size_t errlen)
{
	memset(r, 0, sizeof(*r));
	r->whole = true;
	if (sodium_init() < 0) {
		snprintf(err, errlen, "libsodium could not start");
		return -1;
	}
	size_t seal_len;
	char *text = read_all(seal_path, &seal_len, err, errlen);
	if (!text)
		return -1;
	int fd = open(file, O_RDONLY | O_CLOEXEC);
	struct stat st;
	if (fd < 0 || fstat(fd, &st) != 0) {
		snprintf(err, errlen, "cannot open %s: %s", file, strerror(errno));
		free(text);
		if (fd >= 0)
			close(fd);
		return -1;
	}
	r->file_bytes = (uint64_t)st.st_size;

	/* the header */
	char *line = text, *nl = strchr(line, '\n');
	yaml_document_t doc;
	if (!nl || json_load_object(&doc, line, (size_t)(nl - line), "seal header", err, errlen)) {
		if (!nl)
			snprintf(err, errlen, "%s: no header line: not a seal file", seal_path);
		close(fd);
		free(text);
		return -1;
	}
	yaml_node_t *root = json_root(&doc);
	uint64_t version = 0, t0 = 0;
	char name[256] = "";
	unsigned char pk[SEAL_PK_BYTES], chain[SEAL_HASH_BYTES], stated[SEAL_HASH_BYTES];
	unsigned char sig[SEAL_SIG_BYTES];
	bool has_pk = false, has_sig = false;
	bool ok = get_u64(&doc, root, "seal", &version) && version == 1 &&
		  get_u64(&doc, root, "time", &t0) &&
		  json_copy_string(&doc, root, "file", name, sizeof(name)) &&
		  get_hex(&doc, root, "key", pk, SEAL_PK_BYTES, &has_pk) &&
		  get_hex(&doc, root, "chain", stated, SEAL_HASH_BYTES, NULL) &&
		  get_hex(&doc, root, "sig", sig, SEAL_SIG_BYTES, &has_sig);
	yaml_document_delete(&doc);
	if (!ok) {
		snprintf(err, errlen, "%s: the header line is not a version 1 seal header",
			 seal_path);
		close(fd);
		free(text);
		return -1;
	}
	r->signed_ = has_pk;
	if (has_pk)
		seal_hex(pk, 4, r->key_id);
	const unsigned char *verify_pk = trusted_pk ? trusted_pk : (has_pk ? pk : NULL);
	r->authenticated = trusted_pk != NULL;
	seal_chain_header(name, t0, has_pk ? pk : NULL, chain);
	if (memcmp(chain, stated, SEAL_HASH_BYTES) != 0)
		problem(r, "the seal's header line was altered");
	else if (trusted_pk && (!has_pk || memcmp(pk, trusted_pk, SEAL_PK_BYTES) != 0))
		problem(r, has_pk ? "the seal was made with another key than the one given"
				  : "the seal is not signed, but a key was given");
	else if (verify_pk && (!has_sig || !sig_ok(sig, chain, verify_pk)))
		problem(r, "the seal's header line has a bad signature (forged, or another key)");

	/* the block lines */
	struct block_line *lines = NULL;
	size_t count = 0, cap = 0;
	uint64_t end = 0;
	for (line = nl + 1; r->whole && *line; line = nl + 1) {
		nl = strchr(line, '\n');
		if (!nl) {
			problem(r, "the seal's last line is cut short (written while the agent "
				   "stopped, or cut off)");
			break;
		}
		if (count == cap) {
			cap = cap ? 2 * cap : 64;
			struct block_line *grown = realloc(lines, cap * sizeof(*lines));
			if (!grown) {
				snprintf(err, errlen, "out of memory");
				free(lines);
				close(fd);
				free(text);
				return -1;
			}
			lines = grown;
		}
		struct block_line *b = &lines[count];
		if (!parse_block(line, (size_t)(nl - line), b)) {
			problem(r, "seal line %zu is not a block line (altered)", count + 2);
			break;
		}
		if (count && lines[count - 1].final) {
			problem(r, "seal lines follow the final block (added after the seal was "
				   "closed)");
			break;
		}
		if (b->index != count) {
			problem(r,
				"seal line %zu is block %" PRIu64
				" where block %zu was expected: a "
				"seal line was removed or reordered",
				count + 2, b->index, count);
			break;
		}
		if (b->offset != end) {
			problem(r,
				"block %" PRIu64 " starts at byte %" PRIu64 " where block %" PRIu64
				" ended at %" PRIu64 ": its seal line was altered",
				b->index, b->offset, b->index - 1, end);
			break;
		}
		seal_chain_block(chain, b->index, b->offset, b->length, b->time, b->final, b->hash,
				 chain);
		if (memcmp(chain, b->chain, SEAL_HASH_BYTES) != 0) {
			problem(r,
				"the seal line of block %" PRIu64
				" was altered (its chain does not "
				"follow)",
				b->index);
			break;
		}
		if (verify_pk && (!b->has_sig || !sig_ok(b->sig, chain, verify_pk))) {
			problem(r,
				"the seal line of block %" PRIu64
				" has a bad signature (forged, or another key)",
				b->index);
			break;
		}
		end = b->offset + b->length;
		count++;
	}
	/* the bytes of each sealed block */
	for (size_t k = 0; r->whole && k < count; k++) {
		const struct block_line *b = &lines[k];
		unsigned char h[SEAL_HASH_BYTES];
		if (b->offset + b->length > r->file_bytes) {
			if (b->offset >= r->file_bytes)
				problem(r,
					"%s was truncated: it ends at byte %" PRIu64
					", before block %" PRIu64 " (bytes %" PRIu64 "-%" PRIu64
					")",
					file, r->file_bytes, b->index, b->offset,
					b->offset + b->length - 1);
			else
				problem(r,
					"%s was truncated: block %" PRIu64 " (bytes %" PRIu64
					"-%" PRIu64 ") is cut at byte %" PRIu64,
					file, b->index, b->offset, b->offset + b->length - 1,
					r->file_bytes);
			break;
		}
		if (!hash_range(fd, b->offset, b->length, h)) {
			snprintf(err, errlen, "cannot read %s: %s", file, strerror(errno));
			free(lines);
			close(fd);
			free(text);
			return -1;
		}
		if (memcmp(h, b->hash, SEAL_HASH_BYTES) != 0)
			explain_mismatch(r, fd, lines, count, k);
	}
	r->blocks = count;
	r->sealed_bytes = end;
	r->closed = count && lines[count - 1].final;
	if (r->whole && r->file_bytes > end)
		problem(r, "%" PRIu64 " bytes after byte %" PRIu64 " are not sealed (%s)",
			r->file_bytes - end, end,
			r->closed ? "added after the seal was closed" : "the seal is not closed");
	if (r->whole && !r->closed && !partial_ok)
		problem(r,
			"the seal was never closed: the agent did not stop cleanly, or the end of "
			"both files was cut off (verified: %zu blocks, %" PRIu64
			" bytes; --partial accepts an open seal)",
			count, end);
	free(lines);
	close(fd);
	free(text);
	return r->whole ? 0 : 1;
}

/* ---- commands ------------------------------------------------------------ */

static const char verify_usage[] =
    "usage: sabpf verify FILE [--seal FILE.seal] [--key PUB] [--partial] [--json]\n";

int cmd_verify(int argc, char **argv)
{
	static const struct option opts[] = {
	    {"seal", required_argument, NULL, 's'}, {"key", required_argument, NULL, 'k'},
	    {"partial", no_argument, NULL, 'p'},    CMD_JSON_OPTION,
	    {"help", no_argument, NULL, 'h'},	    {NULL, 0, NULL, 0}};
	const char *seal_path = NULL, *key_path = NULL;
	bool json = cmd_json, partial = false;
	int c;
	cmd_getopt_reset();
	while ((c = getopt_long(argc, argv, "jh", opts, NULL)) != -1) {
		switch (c) {
		case 's':
			seal_path = optarg;
			break;
		case 'k':
			key_path = optarg;
			break;
		case 'p':
			partial = true;
			break;
		case 'j':
			json = true;
			break;
		case 'h':
			printf("%s", verify_usage);
			return 0;
		default:
			goto usage;
		}
	}
	if (optind != argc - 1)
		goto usage;
	const char *file = argv[optind];
	char default_seal[4096], err[512];
	if (!seal_path) {
		if ((size_t)snprintf(default_seal, sizeof(default_seal), "%s.seal", file) >=
		    sizeof(default_seal)) {
			fprintf(stderr, "sabpf verify: %s: path too long\n", file);
			return 2;
		}
		seal_path = default_seal;
	}
	unsigned char pk[SEAL_PK_BYTES];
	if (key_path && seal_key_load_public(key_path, pk, err, sizeof(err))) {
		fprintf(stderr, "sabpf verify: %s\n", err);
		return 2;
	}
	struct seal_report r;
	int rc = seal_verify(file, seal_path, key_path ? pk : NULL, partial, &r, err, sizeof(err));
	if (rc < 0) {
		fprintf(stderr, "sabpf verify: %s\n", err);
		return 2;
	}
	if (json) {
		struct jbuf b;
		jbuf_init(&b);
		struct jw w;
		jw_init(&w, &b);
		jw_object_begin(&w);
		jw_key_cstr(&w, "file", file);
		jw_key_bool(&w, "whole", r.whole);
		jw_key_cstr(&w, "problem", r.problem);
		jw_key_u64(&w, "blocks", r.blocks);
		jw_key_u64(&w, "sealed_bytes", r.sealed_bytes);
		jw_key_u64(&w, "file_bytes", r.file_bytes);
		jw_key_bool(&w, "signed", r.signed_);
		jw_key_bool(&w, "authenticated", r.authenticated);
		jw_key_bool(&w, "closed", r.closed);
		jw_object_end(&w);
		jw_newline(&w);
		fwrite(b.data, 1, b.len, stdout);
		jbuf_free(&b);
	} else if (r.whole) {
		printf("%s: whole: %" PRIu64 " blocks, %" PRIu64 " bytes, %s%s\n", file, r.blocks,
		       r.sealed_bytes,
		       !r.signed_	 ? "hash chain only (not signed)"
		       : r.authenticated ? "signatures checked with the given key"
					 : "signed, but not authenticated (give --key PUB)",
		       r.closed ? ", closed" : ", still open");
	} else {
		printf("%s: NOT whole: %s\n", file, r.problem);
	}
	return rc;
usage:
	fputs(verify_usage, stderr);
	return EXIT_USAGE;
}

int cmd_keygen(int argc, char **argv)
{
	static const struct option opts[] = {{"help", no_argument, NULL, 'h'}, {NULL, 0, NULL, 0}};
	static const char usage[] =
	    "usage: sabpf keygen PREFIX   (writes PREFIX.key and PREFIX.pub)\n";
	char err[512];
	int c;
	cmd_getopt_reset();
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		if (c == 'h') {
			fputs(usage, stdout);
			return 0;
		}
		fputs(usage, stderr);
		return EXIT_USAGE;
	}
	if (optind != argc - 1 || argv[optind][0] == '-') {
		fputs(usage, stderr);
		return EXIT_USAGE;
	}
	const char *prefix = argv[optind];
	if (seal_keygen(prefix, err, sizeof(err))) {
		fprintf(stderr, "sabpf keygen: %s\n", err);
		return 1;
	}
	printf("wrote %s.key (secret: keep it outside every container) and %s.pub\n", prefix,
	       prefix);
	return 0;
}
