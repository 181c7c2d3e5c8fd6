/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* sink.c: the outputs of a pipeline (the last stage): parsing an output
 * spec (FORMAT:PATH, kafka:...), the output files (written to PATH.tmp and
 * renamed to PATH on success, removed on failure), their seals (seal.h),
 * the Kafka outputs (kafka.h), and writing a format's buffer in large
 * blocks. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "kafka.h"
#include "pipeline_priv.h"
#include "seal.h"

#define WRITE_BLOCK (64 * 1024)	   /* output_maybe_write() writes beyond this */
#define KAFKA_DOC_MAX (512 * 1024) /* a PROV document sent to Kafka ends here */

/* ---- output files ---- */

/* Writes len bytes to the file unless a write already failed; remembers
 * the first error. */
static void write_bytes(struct output *o, const char *data, size_t len)
{
	size_t done = 0;
	while (!o->write_errno && done < len) {
		ssize_t n = write(o->fd, data + done, len - done);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			o->write_errno = n < 0 ? errno : EIO;
			break;
		}
		if (o->seal && seal_update(o->seal, data + done, (size_t)n) != 0)
			o->write_errno = errno;
		done += (size_t)n;
	}
}

/* Writes all of o->buf and empties it (the data is dropped after an
 * error). An allocation failure while building it counts as an error. */
void output_write(struct output *o)
{
	if (o->buf.oom && !o->write_errno)
		o->write_errno = ENOMEM;
	write_bytes(o, o->buf.data, o->buf.len);
	jbuf_reset(&o->buf);
}

void output_put_large(struct output *o, const void *data, size_t len)
{
	if (len < WRITE_BLOCK) {
		jbuf_put(&o->buf, data, len);
		return;
	}
	output_write(o); /* keep the order of the bytes */
	write_bytes(o, data, len);
}

void output_maybe_write(struct output *o)
{
	if (o->buf.len >= WRITE_BLOCK)
		output_write(o);
}

static const struct format_ops *format_by_name(const char *name, size_t len)
{
	static const struct format_ops *const all[] = {
	    &format_prov, &format_spade,   &format_jsonl,	 &format_raw,
	    &format_dot,  &format_summary, &format_summary_json, /* views: docs/views.md */
	};
	for (size_t i = 0; i < sizeof(all) / sizeof(all[0]); i++)
		if (strlen(all[i]->name) == len && memcmp(all[i]->name, name, len) == 0)
			return all[i];
	return NULL;
}

void output_free(struct output *o)
{
	kafka_sink_free(o->kafka);
	if (o->seal) { /* not finished: the seal goes with its file */
		seal_close(o->seal);
		unlink(o->seal_tmp);
	}
	free(o->seal_tmp);
	jbuf_free(&o->buf);
	jbuf_free(&o->scratch);
	free(o->path);
	free(o->tmp_path);
	free(o);
}

/* Opens the file of a new output: standard output, or PATH.tmp. */
static int output_open_file(struct output *o, const char *spec, char *err, size_t errlen)
{
	if (strcmp(o->path, "-") == 0) {
		o->fd = STDOUT_FILENO;
		return 0;
	}
	/* A device or a FIFO (/dev/null, a pipe to a log shipper) is written
	 * as it is: PATH.tmp renamed over it would replace the device with a
	 * regular file (as root, /dev/null itself). */
	struct stat st;
	if (stat(o->path, &st) == 0 && !S_ISREG(st.st_mode)) {
		if (S_ISDIR(st.st_mode)) {
			pipeline_set_err(err, errlen,
					 "output '%s': '%s' is a directory: give a file name", spec,
					 o->path);
			return -1;
		}
		o->fd = open(o->path, O_WRONLY | O_CLOEXEC);
		if (o->fd < 0) {
			pipeline_set_err(err, errlen, "cannot open output '%s' for '%s': %s",
					 o->path, spec, strerror(errno));
			return -1;
		}
		o->close_fd = true;
		return 0;
	}
	size_t len = strlen(o->path) + sizeof(".tmp");
	o->tmp_path = malloc(len);
	if (!o->tmp_path) {
		pipeline_set_err(err, errlen, "out of memory adding output '%s'", spec);
		return -1;
	}
	snprintf(o->tmp_path, len, "%s.tmp", o->path);
	o->fd = open(o->tmp_path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (o->fd < 0) {
		pipeline_set_err(
		    err, errlen,
		    "cannot create output file '%s' for '%s': %s (check that the directory "
		    "exists and is writable)",
		    o->tmp_path, spec, strerror(errno));
		return -1;
	}
	return 0;
}

/* Starts the seal of an output file, PATH.seal (written as PATH.seal.tmp
 * until the output is finished). */
static int output_open_seal(struct sabpf_pipeline *p, struct output *o, const char *spec, char *err,
			    size_t errlen)
{
	if (!o->tmp_path) {
		pipeline_set_err(
		    err, errlen,
		    "--seal: output '%s' goes to %s, which cannot be sealed: write it to "
		    "a regular file",
		    spec, o->close_fd ? "a device or FIFO" : "standard output");
		return -1;
	}
	size_t len = strlen(o->path) + sizeof(".seal.tmp");
	o->seal_tmp = malloc(len);
	if (!o->seal_tmp) {
		pipeline_set_err(err, errlen, "out of memory adding output '%s'", spec);
		return -1;
	}
	snprintf(o->seal_tmp, len, "%s.seal.tmp", o->path);
	const char *base = strrchr(o->path, '/');
	char why[512];
	o->seal = seal_open(o->seal_tmp, base ? base + 1 : o->path,
			    p->seal_signed ? &p->seal_key : NULL, p->seal_block, why, sizeof(why));
	if (!o->seal) {
		pipeline_set_err(err, errlen, "output '%s': %s", spec, why);
		return -1;
	}
	return 0;
}

int pipeline_set_seal(struct sabpf_pipeline *p, const char *key_path, size_t block_bytes, char *err,
		      size_t errlen)
{
	p->seal = true;
	p->seal_block = block_bytes;
	p->seal_signed = key_path != NULL;
	if (key_path && seal_key_load_secret(key_path, &p->seal_key, err, errlen))
		return -1;
	return 0;
}

static bool path_in_use(const struct sabpf_pipeline *p, const char *path)
{
	for (int i = 0; i < p->noutputs; i++)
		if (strcmp(p->outputs[i]->path, path) == 0)
			return true;
	return false;
}

/* Records the Kafka sink could not deliver: counted like the kernel's. */
static void kafka_lost(void *ctx, const struct sabpf_lost *l)
{
	struct sabpf_pipeline *p = ctx;
	p->stats.lost += l->count;
	note_loss(p, l);
}

/* A new output of format ops writing to path (spec: for messages), its
 * buffers ready and no file open yet; NULL with err when out of memory. */
static struct output *output_new(struct sabpf_pipeline *p, const struct format_ops *ops,
				 const char *path, const char *spec, char *err, size_t errlen)
{
	struct output *o = calloc(1, sizeof(*o));
	if (!o || !(o->path = strdup(path))) {
		free(o);
		pipeline_set_err(err, errlen, "out of memory adding output '%s'", spec);
		return NULL;
	}
	o->ops = ops;
	o->p = p;
	o->fd = -1;
	o->slot = ops->describes_nodes ? p->slots_used : -1;
	jbuf_init(&o->buf);
	jbuf_init(&o->scratch);
	return o;
}

/* -o kafka:BROKERS/TOPIC[,KEY=VALUE]... (kafka.h) */
static int add_kafka_output(struct sabpf_pipeline *p, const char *spec, char *err, size_t errlen)
{
	struct kafka_spec ks;
	char why[512];
	if (kafka_spec_parse(spec + strlen("kafka:"), &ks, why, sizeof(why))) {
		pipeline_set_err(err, errlen, "output '%s': %s", spec, why);
		return -1;
	}
	const struct format_ops *ops = format_by_name(ks.format, strlen(ks.format));
	if (path_in_use(p, spec) || p->noutputs >= MAX_OUTPUTS ||
	    (ops->describes_nodes && p->slots_used >= GRAPH_SLOTS)) {
		pipeline_set_err(err, errlen,
				 "output '%s' is given twice, or there are too many outputs", spec);
		kafka_spec_free(&ks);
		return -1;
	}
	struct output *o = output_new(p, ops, spec, spec, err, errlen);
	if (!o) {
		kafka_spec_free(&ks);
		return -1;
	}
	o->kafka = kafka_sink_new(&ks, kafka_lost, p, why, sizeof(why));
	if (!o->kafka) {
		pipeline_set_err(err, errlen, "output '%s': %s", spec, why);
		output_free(o);
		return -1;
	}
	kafka_sink_set_clock(o->kafka, p->clock_offset_ns);
	kafka_sink_set_backend(o->kafka, p->backend);
	if (ops->open(o) < 0) {
		pipeline_set_err(err, errlen, "out of memory setting up output '%s'", spec);
		output_free(o);
		return -1;
	}
	jbuf_reset(&o->buf); /* no file header: each message stands alone */
	if (p->seal)
		fprintf(stderr,
			"sabpf: --seal: output '%s' is a Kafka topic and is not sealed (sealing "
			"applies to files; docs/operations.md)\n",
			spec);
	if (ops->describes_nodes)
		p->slots_used++;
	p->outputs[p->noutputs++] = o;
	return 0;
}

/* A Kafka output after a record: a streaming format sends what it wrote
 * as one message (keyed by container); PROV gathers a document. */
void kafka_output_record(struct output *o, const struct sabpf_hdr *h)
{
	if (o->ops == &format_prov) {
		if (o->buf.len >= KAFKA_DOC_MAX) {
			o->ops->end_batch(o);
			kafka_sink_send(o->kafka, NULL, o->buf.data, o->buf.len);
			jbuf_reset(&o->buf);
		}
		return;
	}
	kafka_sink_send(o->kafka, h, o->buf.data, o->buf.len);
	jbuf_reset(&o->buf);
}

/* The LOST records the sink owes (records it dropped), through the
 * output's format only: the other outputs lost nothing. */
void kafka_output_losses(struct output *o)
{
	struct sabpf_lost l;
	while (kafka_sink_due_loss(o->kafka, &l)) {
		struct record r;
		static char text[RECORD_TEXT_MAX]; /* unused by LOST; not p->text, in use */
		char why[256];
		if (record_decode(&l, sizeof(l), &r, text, why, sizeof(why)) < 0)
			continue;
		struct event ev = {.rec = &r, .raw = &l, .raw_size = sizeof(l)};
		o->ops->record(o, &ev);
		kafka_output_record(o, &l.hdr);
	}
}

bool pipeline_writes_stdout(const struct sabpf_pipeline *p)
{
	for (int i = 0; i < p->noutputs; i++)
		if (!p->outputs[i]->kafka && strcmp(p->outputs[i]->path, "-") == 0)
			return true;
	return false;
}

int pipeline_add_output(struct sabpf_pipeline *p, const char *spec, char *err, size_t errlen)
{
	if (strncmp(spec, "kafka:", 6) == 0)
		return add_kafka_output(p, spec, err, errlen);
	const char *colon = strchr(spec, ':');
	if (!colon) {
		pipeline_set_err(
		    err, errlen,
		    "output '%s' has no ':': use FORMAT:PATH with FORMAT prov, spade, jsonl "
		    "or raw, e.g. prov:/tmp/graph.json or jsonl:-",
		    spec);
		return -1;
	}
	const struct format_ops *ops = format_by_name(spec, (size_t)(colon - spec));
	if (!ops) {
		pipeline_set_err(
		    err, errlen,
		    "unknown output format '%.*s' in '%s': use prov, spade, jsonl, raw, dot, "
		    "summary or summary-json",
		    (int)(colon - spec), spec, spec);
		return -1;
	}
	const char *path = colon + 1;
	if (*path == '\0') {
		pipeline_set_err(err, errlen,
				 "output '%s' has no path after ':': give a file or - for "
				 "standard output",
				 spec);
		return -1;
	}
	if (path_in_use(p, path)) {
		pipeline_set_err(err, errlen,
				 "output path '%s' is given twice: each output needs its own file",
				 path);
		return -1;
	}
	if (p->noutputs >= MAX_OUTPUTS) {
		pipeline_set_err(err, errlen, "too many outputs (at most %d): cannot add '%s'",
				 MAX_OUTPUTS, spec);
		return -1;
	}
	if (ops->describes_nodes && p->slots_used >= GRAPH_SLOTS) {
		pipeline_set_err(err, errlen,
				 "at most %d prov and spade outputs together: cannot add '%s'",
				 GRAPH_SLOTS, spec);
		return -1;
	}

	struct output *o = output_new(p, ops, path, spec, err, errlen);
	if (!o)
		return -1;
	if (output_open_file(o, spec, err, errlen) < 0 ||
	    (p->seal && output_open_seal(p, o, spec, err, errlen) < 0)) {
		if (o->tmp_path && o->fd >= 0) {
			close(o->fd);
			unlink(o->tmp_path);
		}
		output_free(o);
		return -1;
	}
	if (ops->open(o) < 0) {
		pipeline_set_err(err, errlen, "out of memory setting up output '%s'", spec);
		if (o->tmp_path) {
			close(o->fd);
			unlink(o->tmp_path);
		}
		output_free(o);
		return -1;
	}
	if (ops->describes_nodes)
		p->slots_used++;
	p->outputs[p->noutputs++] = o;
	return 0;
}

int output_finish(struct output *o, bool success)
{
	int rc = 0;

	if (o->kafka) { /* sent whatever success says: it has left already */
		kafka_sink_ending(o->kafka);
		kafka_output_losses(o);
		o->ops->close(o);
		if (o->buf.len)
			kafka_sink_send(o->kafka, NULL, o->buf.data, o->buf.len);
		jbuf_reset(&o->buf);
		kafka_output_losses(o);
		return kafka_sink_close(o->kafka);
	}
	o->ops->close(o);
	if (success)
		output_write(o);
	if (o->write_errno) {
		fprintf(stderr, "sabpf: writing output '%s' failed: %s\n", o->path,
			strerror(o->write_errno));
		rc = -1;
	}
	if (!o->tmp_path) { /* standard output stays open; a device is closed */
		if (o->close_fd && close(o->fd) < 0 && success && rc == 0) {
			fprintf(stderr, "sabpf: closing output '%s' failed: %s\n", o->path,
				strerror(errno));
			rc = -1;
		}
		return rc;
	}
	if (o->seal) {
		int sealed = seal_close(o->seal);
		o->seal = NULL;
		if (sealed != 0 && success && rc == 0) {
			fprintf(stderr, "sabpf: writing the seal '%s' failed: %s\n", o->seal_tmp,
				strerror(errno));
			rc = -1;
		}
	}
	if (close(o->fd) < 0 && success && rc == 0) {
		fprintf(stderr, "sabpf: closing output '%s' failed: %s\n", o->tmp_path,
			strerror(errno));
		rc = -1;
	}
	if (success && rc == 0) {
		if (rename(o->tmp_path, o->path) < 0) {
			fprintf(stderr, "sabpf: cannot rename '%s' to '%s': %s\n", o->tmp_path,
				o->path, strerror(errno));
			rc = -1;
		}
	}
	if (o->seal_tmp && success && rc == 0) {
		char *seal_path = strndup(o->seal_tmp, strlen(o->seal_tmp) - 4); /* less ".tmp" */
		if (!seal_path || rename(o->seal_tmp, seal_path) < 0) {
			fprintf(stderr, "sabpf: cannot rename the seal '%s': %s\n", o->seal_tmp,
				strerror(errno));
			rc = -1;
		}
		free(seal_path);
	}
	if (!success || rc < 0) {
		unlink(o->tmp_path);
		if (o->seal_tmp)
			unlink(o->seal_tmp);
	}
	return rc;
}

/* The identities of a raw capture, beside it in PATH.identity.jsonl (none:
 * no file, and a stale one from an earlier capture is removed). Returns 0,
 * or -1 (said on stderr). */
