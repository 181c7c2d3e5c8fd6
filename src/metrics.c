/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* metrics.c: `--metrics ADDR:PORT`, Prometheus metrics and health probes
 * over HTTP (libmicrohttpd, one internal thread). The agent's polling thread
 * renders the whole page into a buffer once a second; a scrape copies the
 * last page under a mutex, so a slow or hostile client can neither stall
 * the reader nor see a half-written page. Connections are capped and time
 * out, since a container may reach the port if it is bound to a shared
 * address (docs/operations.md says how to bind it). */
#include "metrics.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <microhttpd.h>

#include "kafka.h"
#include "record.h"

#define METRICS_CONTAINERS_MAX 4096
#define HEALTH_STALE_SECONDS 5

struct sabpf_metrics {
	struct MHD_Daemon *daemon;
	int fd;
	pthread_mutex_t lock;
	char *page; /* the last rendered exposition, under lock */
	size_t page_len;
	atomic_llong last_tick; /* CLOCK_MONOTONIC seconds of the last tick */
	atomic_bool ready;
	double last_render;
	char address[80]; /* where it listens, as http://ADDR:PORT */
};

static double monotonic_seconds(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec + t.tv_nsec / 1e9;
}

/* ---- exposition format ---------------------------------------------- */

void metrics_family(FILE *f, const char *name, const char *type, const char *help)
{
	fprintf(f, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

static void put_label_value(FILE *f, const char *v)
{
	for (; *v; v++) {
		if (*v == '\\' || *v == '"')
			fputc('\\', f), fputc(*v, f);
		else if (*v == '\n')
			fputs("\\n", f);
		else
			fputc(*v, f);
	}
}

void metrics_sample(FILE *f, const char *name, const char *const *labels, double value)
{
	fputs(name, f);
	if (labels && labels[0]) {
		fputc('{', f);
		for (int i = 0; labels[i] && labels[i + 1]; i += 2) {
			fprintf(f, "%s%s=\"", i ? "," : "", labels[i]);
			put_label_value(f, labels[i + 1]);
			fputc('"', f);
		}
		fputc('}', f);
	}
	/* counters exactly (up to 2^53), other values to 9 digits */
	if (value <= 9007199254740992.0 && value >= -9007199254740992.0 &&
	    value == (double)(long long)value)
		fprintf(f, " %lld\n", (long long)value);
	else
		fprintf(f, " %.9g\n", value);
}

/* ---- rendering ---------------------------------------------------------- */

struct prog_ctx {
	FILE *f;
	bool time; /* second pass: run time instead of run count */
};

static void put_prog(void *ctx, const char *name, __u64 run_cnt, __u64 run_time_ns)
{
	struct prog_ctx *c = ctx;
	const char *labels[] = {"program", name, NULL};
	if (c->time)
		metrics_sample(c->f, "sabpf_bpf_program_run_seconds_total", labels,
			       run_time_ns / 1e9);
	else
		metrics_sample(c->f, "sabpf_bpf_program_runs_total", labels, (double)run_cnt);
}

static void put_process(FILE *f)
{
	struct rusage ru;
	if (getrusage(RUSAGE_SELF, &ru) == 0) {
		metrics_family(f, "process_cpu_seconds_total", "counter",
			       "User and system CPU time of the agent in seconds.");
		metrics_sample(f, "process_cpu_seconds_total", NULL,
			       ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6 + ru.ru_stime.tv_sec +
				   ru.ru_stime.tv_usec / 1e6);
	}
	FILE *statm = fopen("/proc/self/statm", "r");
	unsigned long size, resident;
	if (statm && fscanf(statm, "%lu %lu", &size, &resident) == 2) {
		metrics_family(f, "process_resident_memory_bytes", "gauge",
			       "Resident memory of the agent in bytes.");
		metrics_sample(f, "process_resident_memory_bytes", NULL,
			       (double)resident * sysconf(_SC_PAGESIZE));
	}
	if (statm)
		fclose(statm);
}

static int bpf_stats_enabled(void)
{
	FILE *f = fopen("/proc/sys/kernel/bpf_stats_enabled", "r");
	int v = -1;
	if (f) {
		if (fscanf(f, "%d", &v) != 1)
			v = -1;
		fclose(f);
	}
	return v;
}

/* The Kafka outputs (-o kafka:...), one series each, labelled by topic. */
static void put_kafka(FILE *f, const struct sabpf_pipeline *p)
{
	struct kafka_usage u;
	if (pipeline_kafka_usage(p, 0, &u))
		return;
	static const struct {
		const char *name, *type, *help;
	} fam[] = {
	    {"sabpf_kafka_spool_bytes", "gauge",
	     "Bytes waiting in the Kafka output's disk spool for the broker."},
	    {"sabpf_kafka_spool_records", "gauge",
	     "Records waiting in the Kafka output's disk spool for the broker."},
	    {"sabpf_kafka_spool_limit_bytes", "gauge", "The spool's bound (spool.size)."},
	    {"sabpf_kafka_records_delivered_total", "counter",
	     "Records the broker acknowledged (this agent's, since it started)."},
	    {"sabpf_kafka_records_lost_total", "counter",
	     "Records the Kafka output dropped, by cause (spool: the spool was full; broker: "
	     "refused), each told by a LOST record."},
	};
	for (size_t k = 0; k < sizeof(fam) / sizeof(fam[0]); k++) {
		metrics_family(f, fam[k].name, fam[k].type, fam[k].help);
		for (int i = 0; pipeline_kafka_usage(p, i, &u) == 0; i++) {
			const char *topic[] = {"topic", u.topic, NULL};
			switch (k) {
			case 0:
				metrics_sample(f, fam[k].name, topic, (double)u.spool_bytes);
				break;
			case 1:
				metrics_sample(f, fam[k].name, topic, (double)u.spool_records);
				break;
			case 2:
				metrics_sample(f, fam[k].name, topic, (double)u.spool_limit);
				break;
			case 3:
				metrics_sample(f, fam[k].name, topic, (double)u.delivered);
				break;
			default:
				metrics_sample(
				    f, fam[k].name,
				    (const char *[]){"topic", u.topic, "cause", "spool", NULL},
				    (double)u.lost_spool);
				metrics_sample(
				    f, fam[k].name,
				    (const char *[]){"topic", u.topic, "cause", "broker", NULL},
				    (double)u.lost_broker);
			}
		}
	}
}

static void render(FILE *f, const struct sabpf_pipeline *p, struct agent *a)
{
	struct sabpf_stats s;
	pipeline_get_stats(p, &s);

	metrics_family(f, "sabpf_info", "gauge", "The agent's capture backend (always 1).");
	metrics_sample(f, "sabpf_info", (const char *[]){"backend", agent_backend_name(a), NULL},
		       1);

	metrics_family(f, "sabpf_records_total", "counter",
		       "Well-formed records the agent consumed from the kernel.");
	metrics_sample(f, "sabpf_records_total", NULL, (double)s.records);
	metrics_family(f, "sabpf_records_by_kind_total", "counter",
		       "Records consumed, by kind (node: NODE and NAME records).");
	metrics_sample(f, "sabpf_records_by_kind_total", (const char *[]){"kind", "node", NULL},
		       (double)s.nodes);
	metrics_sample(f, "sabpf_records_by_kind_total", (const char *[]){"kind", "edge", NULL},
		       (double)s.edges);
	metrics_family(f, "sabpf_records_malformed_total", "counter",
		       "Records the decoder rejected.");
	metrics_sample(f, "sabpf_records_malformed_total", NULL, (double)s.malformed);
	metrics_family(f, "sabpf_sequence_missing_total", "counter",
		       "Per-CPU sequence numbers never seen, summed over CPUs.");
	metrics_sample(f, "sabpf_sequence_missing_total", NULL, (double)s.seq_missing);
	metrics_family(f, "sabpf_policy_denials_total", "counter",
		       "Access-control denials (or would-be denials in monitor mode) received.");
	metrics_sample(f, "sabpf_policy_denials_total", NULL, (double)s.denials);

	static __u64 ids[METRICS_CONTAINERS_MAX];
	size_t n = agent_known_containers(a, ids, METRICS_CONTAINERS_MAX);
	__u64 total[SABPF_LOST_CAUSE_MAX] = {0};
	metrics_family(f, "sabpf_container_records_lost_total", "counter",
		       "Records the kernel could not deliver, per container and cause "
		       "(container_id 0: the container is not known).");
	for (size_t i = 0; i < n; i++) {
		__u64 by_cause[SABPF_LOST_CAUSE_MAX];
		agent_kernel_loss(a, ids[i], by_cause);
		char id[24];
		snprintf(id, sizeof(id), "%llu", (unsigned long long)ids[i]);
		const char *name = pipeline_container_name(p, ids[i]);
		for (__u32 c = 1; c < SABPF_LOST_CAUSE_MAX; c++) {
			total[c] += by_cause[c];
			metrics_sample(f, "sabpf_container_records_lost_total",
				       (const char *[]){"container_id", id, "container",
							name ? name : "", "cause",
							record_lost_cause_name(c), NULL},
				       (double)by_cause[c]);
		}
	}
	/* records per container: one series per container the agent knows,
	 * at most METRICS_CONTAINERS_MAX (the scope map bounds them anyway) */
	metrics_family(f, "sabpf_container_records_total", "counter",
		       "Records consumed, per container (LOST and DENIAL records included; "
		       "summed: sabpf_records_total).");
	for (size_t i = 0; i < n; i++) {
		char id[24];
		snprintf(id, sizeof(id), "%llu", (unsigned long long)ids[i]);
		const char *name = pipeline_container_name(p, ids[i]);
		metrics_sample(
		    f, "sabpf_container_records_total",
		    (const char *[]){"container_id", id, "container", name ? name : "", NULL},
		    (double)pipeline_container_records(p, ids[i]));
	}
	metrics_family(f, "sabpf_records_lost_total", "counter",
		       "Records the kernel could not deliver, by cause, summed over containers.");
	for (__u32 c = 1; c < SABPF_LOST_CAUSE_MAX; c++)
		metrics_sample(f, "sabpf_records_lost_total",
			       (const char *[]){"cause", record_lost_cause_name(c), NULL},
			       (double)total[c]);

	metrics_family(f, "sabpf_scope_capacity_cgroups", "gauge",
		       "Entries of the kernel's scope map (--scope-size).");
	metrics_sample(f, "sabpf_scope_capacity_cgroups", NULL, agent_scope_capacity(a));
	metrics_family(f, "sabpf_scope_failed_cgroups_total", "counter",
		       "Cgroups made under an audited one that the kernel could not put in scope.");
	metrics_sample(f, "sabpf_scope_failed_cgroups_total", NULL,
		       (double)agent_scope_failed_total(a));

	__u64 used, size;
	if (agent_ring_usage(a, &used, &size) == 0) {
		metrics_family(f, "sabpf_ring_buffer_size_bytes", "gauge",
			       "Size of the kernel-to-agent ring buffer.");
		metrics_sample(f, "sabpf_ring_buffer_size_bytes", NULL, (double)size);
		metrics_family(f, "sabpf_ring_buffer_used_bytes", "gauge",
			       "Bytes written to the ring buffer and not yet consumed.");
		metrics_sample(f, "sabpf_ring_buffer_used_bytes", NULL, (double)used);
	}

	put_kafka(f, p);

	int enabled = bpf_stats_enabled();
	metrics_family(
	    f, "sabpf_bpf_stats_enabled", "gauge",
	    "kernel.bpf_stats_enabled (program run counts and times are 0 while it is 0; "
	    "-1: unreadable).");
	metrics_sample(f, "sabpf_bpf_stats_enabled", NULL, enabled);
	struct prog_ctx pc = {.f = f};
	metrics_family(f, "sabpf_bpf_program_runs_total", "counter",
		       "Runs of each loaded BPF program (kernel.bpf_stats_enabled).");
	agent_prog_stats(a, put_prog, &pc);
	pc.time = true;
	metrics_family(f, "sabpf_bpf_program_run_seconds_total", "counter",
		       "Time spent in each loaded BPF program (kernel.bpf_stats_enabled).");
	agent_prog_stats(a, put_prog, &pc);

	put_process(f);
}

void metrics_tick(struct sabpf_metrics *m, const struct sabpf_pipeline *p, struct agent *a,
		  bool force)
{
	if (!m)
		return;
	double now = monotonic_seconds();
	atomic_store(&m->last_tick, (long long)now);
	if (!force && now - m->last_render < 1.0)
		return;
	m->last_render = now;
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	if (!f)
		return; /* out of memory: the last page stays */
	render(f, p, a);
	if (fclose(f)) {
		free(buf);
		return;
	}
	pthread_mutex_lock(&m->lock);
	free(m->page);
	m->page = buf;
	m->page_len = len;
	pthread_mutex_unlock(&m->lock);
}

const char *metrics_address(const struct sabpf_metrics *m)
{
	return m->address;
}

void metrics_set_ready(struct sabpf_metrics *m)
{
	if (m)
		atomic_store(&m->ready, true);
}

/* ---- HTTP ------------------------------------------------------------- */

static enum MHD_Result reply(struct MHD_Connection *c, unsigned status, const char *type,
			     const char *body, size_t len)
{
	struct MHD_Response *r =
	    MHD_create_response_from_buffer(len, (void *)body, MHD_RESPMEM_MUST_COPY);
	if (!r)
		return MHD_NO;
	MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, type);
	enum MHD_Result ret = MHD_queue_response(c, status, r);
	MHD_destroy_response(r);
	return ret;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *c, const char *url,
				  const char *method, const char *version, const char *upload,
				  size_t *upload_size, void **state)
{
	(void)version, (void)upload, (void)state;
	struct sabpf_metrics *m = cls;
	const char *text = "text/plain; charset=utf-8";
	if (*upload_size)
		return MHD_NO; /* no request body is expected: drop the connection */
	if (strcmp(method, "GET") && strcmp(method, "HEAD"))
		return reply(c, MHD_HTTP_METHOD_NOT_ALLOWED, text, "only GET and HEAD\n", 18);
	if (!strcmp(url, "/metrics")) {
		pthread_mutex_lock(&m->lock);
		enum MHD_Result r =
		    m->page ? reply(c, MHD_HTTP_OK, "text/plain; version=0.0.4; charset=utf-8",
				    m->page, m->page_len)
			    : reply(c, MHD_HTTP_SERVICE_UNAVAILABLE, text, "not started yet\n", 16);
		pthread_mutex_unlock(&m->lock);
		return r;
	}
	if (!strcmp(url, "/healthz")) {
		long long idle = (long long)monotonic_seconds() - atomic_load(&m->last_tick);
		if (idle <= HEALTH_STALE_SECONDS)
			return reply(c, MHD_HTTP_OK, text, "ok\n", 3);
		char msg[96];
		int len = snprintf(msg, sizeof(msg), "the reader has not run for %lld s\n", idle);
		return reply(c, MHD_HTTP_SERVICE_UNAVAILABLE, text, msg, (size_t)len);
	}
	if (!strcmp(url, "/readyz")) {
		if (atomic_load(&m->ready))
			return reply(c, MHD_HTTP_OK, text, "ready\n", 6);
		return reply(c, MHD_HTTP_SERVICE_UNAVAILABLE, text, "starting\n", 9);
	}
	return reply(c, MHD_HTTP_NOT_FOUND, text, "not found: try /metrics, /healthz or /readyz\n",
		     45);
}

/* Splits "host:port" or "[v6]:port" and binds a listening socket there. */
static int listen_on(const char *spec, int *family, char *err, size_t errlen)
{
	char host[256];
	const char *port;
	if (spec[0] == '[') {
		const char *end = strchr(spec, ']');
		if (!end || end[1] != ':' || (size_t)(end - spec - 1) >= sizeof(host))
			goto bad;
		memcpy(host, spec + 1, end - spec - 1);
		host[end - spec - 1] = 0;
		port = end + 2;
	} else {
		const char *colon = strrchr(spec, ':');
		if (!colon || colon == spec || (size_t)(colon - spec) >= sizeof(host))
			goto bad;
		memcpy(host, spec, colon - spec);
		host[colon - spec] = 0;
		port = colon + 1;
	}
	char *end;
	long n = strtol(port, &end, 10);
	if (!*port || *end || n < 0 || n > 65535)
		goto bad;
	struct addrinfo hints = {.ai_flags = AI_NUMERICHOST | AI_NUMERICSERV | AI_PASSIVE,
				 .ai_socktype = SOCK_STREAM};
	struct addrinfo *ai;
	if (getaddrinfo(host, port, &hints, &ai))
		goto bad;
	int fd = socket(ai->ai_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
	int one = 1;
	if (fd < 0 || setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) ||
	    bind(fd, ai->ai_addr, ai->ai_addrlen) || listen(fd, 16)) {
		snprintf(err, errlen, "--metrics '%s': cannot listen there: %s", spec,
			 strerror(errno));
		if (fd >= 0)
			close(fd);
		freeaddrinfo(ai);
		return -1;
	}
	*family = ai->ai_family;
	freeaddrinfo(ai);
	return fd;
bad:
	snprintf(err, errlen,
		 "--metrics '%s': expected ADDR:PORT with a numeric address, e.g. "
		 "127.0.0.1:9464, [::1]:9464 or 0.0.0.0:9464 (port 0: any free port)",
		 spec);
	return -1;
}

int metrics_start(const char *addr, struct sabpf_metrics **out, char *err, size_t errlen)
{
	int family;
	int fd = listen_on(addr, &family, err, errlen);
	if (fd < 0)
		return -1;
	struct sabpf_metrics *m = calloc(1, sizeof(*m));
	if (!m) {
		close(fd);
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	m->fd = fd;
	m->last_render = -1e9;
	struct sockaddr_storage ss;
	socklen_t sl = sizeof(ss);
	char host[INET6_ADDRSTRLEN] = "?", port[8] = "?";
	if (getsockname(fd, (struct sockaddr *)&ss, &sl) == 0)
		getnameinfo((struct sockaddr *)&ss, sl, host, sizeof(host), port, sizeof(port),
			    NI_NUMERICHOST | NI_NUMERICSERV);
	snprintf(m->address, sizeof(m->address),
		 family == AF_INET6 ? "http://[%s]:%s" : "http://%s:%s", host, port);
	pthread_mutex_init(&m->lock, NULL);
	atomic_init(&m->last_tick, (long long)monotonic_seconds());
	atomic_init(&m->ready, false);
	unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | (family == AF_INET6 ? MHD_USE_IPv6 : 0);
	m->daemon = MHD_start_daemon(flags, 0, NULL, NULL, on_request, m, MHD_OPTION_LISTEN_SOCKET,
				     fd, MHD_OPTION_CONNECTION_LIMIT, 16u,
				     MHD_OPTION_CONNECTION_TIMEOUT, 5u, MHD_OPTION_END);
	if (!m->daemon) {
		snprintf(err, errlen,
			 "--metrics '%s': the HTTP server (libmicrohttpd) did not start", addr);
		close(fd);
		pthread_mutex_destroy(&m->lock);
		free(m);
		return -1;
	}
	*out = m;
	return 0;
}

void metrics_stop(struct sabpf_metrics *m)
{
	if (!m)
		return;
	MHD_stop_daemon(m->daemon);
	close(m->fd);
	pthread_mutex_destroy(&m->lock);
	free(m->page);
	free(m);
}
