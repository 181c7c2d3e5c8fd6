/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* main.c: the `sabpf` command: run, audit, ctl, doctor, convert.
 *
 *   sabpf run [OPTIONS] [-- CMD [ARGS]]      audit CMD in a minimal container
 *   sabpf audit --cgroup PATH[:CLASSES]...   audit existing cgroups (containers)
 *   sabpf ctl --control SOCKET add|remove|list [PATH[:CLASSES]]
 *   sabpf doctor                             what this host can run
 *   sabpf convert [-o FORMAT:PATH]... FILE   re-render a raw capture
 *
 * Exit status of run: CMD's own, or 125 when sabpf itself failed (as
 * container runtimes do). Other commands: 0 on success, 1 on failure, 2 on
 * bad usage. */
#include <errno.h>
#include <getopt.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "sabpf_record.h"
#include "cgroup.h"
#include "cli.h"
#include "cmd.h"
#include "consume.h"
#include "container.h"
#include "config.h"
#include "control.h"
#include "oci_hook.h"
#include "detect_cmd.h"
#include "doctor.h"
#include "graph_cmd.h"
#include "json_write.h"
#include "lineage.h"
#include "loader.h"
#include "metrics.h"
#include "output.h"
#include "enforce.h"
#include "policy.h"
#include "record.h"
#include "seal_verify.h"
#include "select.h"
#include "tenant.h"

#define EXIT_RUN_FAILED 125
#define MAX_OUTPUTS 8
#define DEFAULT_RING "16M"
#define POLL_MS 10
#define SELECT_SCAN_S 0.2 /* --select: how often the cgroup tree is scanned */

static const char *default_command[] = {"sh", "-c", "cat /etc/hostname > /tmp/x", NULL};

static volatile sig_atomic_t stop_requested;

static void on_stop_signal(int sig)
{
	(void)sig;
	stop_requested = 1;
}

static void install_stop_handlers(void)
{
	struct sigaction sa = {.sa_handler = on_stop_signal};
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
}

static const struct cmd cmds[];

/* The help text: the command table, then the options of run and audit. */
static void usage(FILE *out)
{
	cmd_print_table(out, cmds, "sabpf");
	fprintf(
	    out,
	    "\n"
	    "run's default CMD: sh -c 'cat /etc/hostname > /tmp/x'; audit runs until\n"
	    "interrupted (or --duration SECONDS)\n"
	    "options of run and audit:\n"
	    "  -o, --output FORMAT:PATH  prov (W3C PROV-JSON), spade, jsonl, raw, dot,\n"
	    "                            summary or summary-json; PATH '-' is stdout (run's\n"
	    "                            CMD then writes its stdout to stderr); repeatable\n"
	    "                            (run default: prov:sabpf-NAME.prov.json)\n"
	    "  --classes LIST            all, or some of proc,file,net,ipc,sys (default all);\n"
	    "                            perm (inode_permission) only when named: all,perm\n"
	    "  --ring-size SIZE          ring buffer, power of two (default " DEFAULT_RING ")\n"
	    "  --scope-size N            scope map entries, one per audited cgroup, 1 to 1048576\n"
	    "                            (default 16384)\n"
	    "  --allow-bpf               let containers use bpf() (never on sabpf's own maps,\n"
	    "                            programs, links or pins); default: bpf() is refused\n"
	    "  --stats FILE              write counters (records, lost, leftover state) as JSON\n"
	    "  --metrics ADDR:PORT       serve Prometheus /metrics, /healthz, /readyz over HTTP\n"
	    "  --seal                    seal every output file: PATH.seal, a SHA-256 chain\n"
	    "  --seal-key KEY            ...signed with this secret key (sabpf keygen)\n"
	    "  -q, --quiet               no summary on stderr\n"
	    "  --backend lsm|trace|auto  lsm: BPF LSM hooks; trace: tracepoints only, for\n"
	    "                            kernels without BPF LSM (records, cannot deny;\n"
	    "                            docs/backends.md); auto (default): lsm where it\n"
	    "                            loads, else trace\n"
	    "options of run:\n"
	    "  --name NAME  --rootfs DIR  --net (own network namespace)\n"
	    "  --cgroup-parent PATH      cgroup v2 directory to create the container under\n"
	    "  --policy FILE             enforce an access-control policy on the container\n"
	    "                            (docs/policy.md; its target.cgroup is ignored)\n"
	    "  --privileged              CMD keeps the agent's full root (every capability,\n"
	    "                            setuid works, the host's cgroup namespace); default:\n"
	    "                            Docker's default capabilities, no_new_privs and a\n"
	    "                            cgroup namespace rooted at the container\n"
	    "                            (docs/security.md)\n"
	    "options of audit:\n"
	    "  --follow                  flush outputs every second (one PROV document each)\n"
	    "  --duration SECONDS        stop after this long\n"
	    "  --control SOCKET          accept add/remove/list from `sabpf ctl`\n"
	    "  --config FILE             outputs and containers (selectors, classes,\n"
	    "                            policy); default /etc/sabpf/sabpf.yaml if it\n"
	    "                            exists; reloaded on SIGHUP (docs/configuration.md)\n"
	    "  --watch-config            ... and when the file (or a ConfigMap's ..data\n"
	    "                            link next to it) is replaced (inotify)\n"
	    "  --select K=V[,K=V]        follow the containers that match, as they start\n"
	    "                            and stop: runtime, id, name, image, k8s.namespace,\n"
	    "                            k8s.pod, k8s.container, label.KEY, docker.name, ...\n"
	    "  --runtime R               ... those of runtime R (docker, podman, containerd,\n"
	    "                            cri-o); --all: every runtime's (docs/identity.md)\n"
	    "  --pin DIR                 keep the kernel side pinned in DIR (bpffs) across\n"
	    "                            restarts: a stop leaves the programs recording,\n"
	    "                            the next `audit --pin DIR` takes them over\n"
	    "  --unpin                   with --pin: at the end, detach and remove the pins\n"
	    "                            (docs/operations.md, Restarts)\n");
}

/* Options shared by run and audit. */
struct common_opts {
	const char *outputs[MAX_OUTPUTS];
	int noutputs;
	__u32 classes;
	__u64 ring_bytes;
	__u32 scope_entries; /* --scope-size; 0: the BPF object's default */
	const char *stats_path;
	bool quiet;
	bool allow_bpf;	      /* containers may use bpf() (not on the agent's objects) */
	bool seal;	      /* --seal: every output file gets PATH.seal (docs/sealing.md) */
	const char *seal_key; /* --seal-key FILE: ...signed with this secret key */
	const char *backend;  /* --backend: "lsm", "trace" or "auto" */
	const char *metrics;  /* --metrics ADDR:PORT (metrics.h) */
};

/* ---- the reader thread (run) ------------------------------------------ */

struct reader {
	struct agent *agent;
	struct sabpf_pipeline *pipeline;
	struct sabpf_metrics *metrics; /* or NULL */
	atomic_bool stop;
	pthread_t thread;
};

static void *reader_main(void *arg)
{
	struct reader *r = arg;
	while (!atomic_load(&r->stop)) {
		agent_poll(r->agent, POLL_MS);
		metrics_tick(r->metrics, r->pipeline, r->agent, false);
	}
	return NULL;
}

/* ---- shared steps ------------------------------------------------------- */

/* backend: the records' backend ("lsm", "trace"), NULL for none */
static struct sabpf_pipeline *pipeline_from_opts(const struct common_opts *o, const char *backend,
						 char *err, size_t errlen)
{
	struct sabpf_pipeline *p = pipeline_new();
	if (!p) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	pipeline_set_backend(p, backend); /* before the outputs: a raw header has it */
	if ((o->seal || o->seal_key) && pipeline_set_seal(p, o->seal_key, 0, err, errlen)) {
		pipeline_free(p);
		return NULL;
	}
	for (int i = 0; i < o->noutputs; i++) {
		if (pipeline_add_output(p, o->outputs[i], err, errlen)) {
			pipeline_finish(p, false);
			pipeline_free(p);
			return NULL;
		}
	}
	return p;
}

/* What is left of a container in the agent's maps once it is gone. */
struct leftovers {
	unsigned creds;	 /* cred entries the kernel did not free with the creds */
	unsigned files;	 /* file entries the kernel did not free with the files */
	unsigned ipcs;	 /* IPC object, message and shm file entries left */
	unsigned purged; /* entries of objects still alive outside, removed by us */
};

/* Counts by cause as a JSON object: {"ring":N,...}, every cause. */
static void put_causes(struct jw *w, const __u64 by_cause[SABPF_LOST_CAUSE_MAX])
{
	jw_object_begin(w);
	for (__u32 cause = 1; cause < SABPF_LOST_CAUSE_MAX; cause++) {
		jw_key_escaped(w, record_lost_cause_name(cause));
		jw_u64(w, by_cause[cause]);
	}
	jw_object_end(w);
}

#define STATS_CONTAINERS_MAX 4096

/* Whether container 0 (losses whose container is not known) has any. */
static bool unknown_has_loss(const struct sabpf_pipeline *p, struct agent *a)
{
	__u64 stream[SABPF_LOST_CAUSE_MAX];
	pipeline_container_loss(p, 0, stream);
	for (int c = 1; c < SABPF_LOST_CAUSE_MAX; c++)
		if (stream[c])
			return true;
	return agent_lost(a, 0) > 0;
}

/* The containers --stats lists: those the pipeline named (run, audit
 * --cgroup, ctl add) and any with a loss in the stream or the kernel's
 * table (0, the unknown one, only when it has some). */
static size_t stats_containers(const struct sabpf_pipeline *p, struct agent *a, __u64 *ids)
{
	size_t n = agent_known_containers(a, ids, STATS_CONTAINERS_MAX);
	if (!unknown_has_loss(p, a)) {
		size_t kept = 0;
		for (size_t i = 0; i < n; i++)
			if (ids[i] != 0)
				ids[kept++] = ids[i];
		n = kept;
	}
	return n;
}

/* The kernel's loss count summed over every container --stats lists. */
static __u64 kernel_lost_total(const struct sabpf_pipeline *p, struct agent *a)
{
	static __u64 ids[STATS_CONTAINERS_MAX];
	size_t n = stats_containers(p, a, ids);
	__u64 total = 0;
	for (size_t i = 0; i < n; i++)
		total += agent_lost(a, ids[i]);
	return total;
}

/* Writes the run's counters as one JSON object; `left` is NULL when the
 * containers are still alive (audit). Per container (each one audited,
 * those added with `ctl add` included, and 0 for losses whose container is
 * not known): the losses reported in the stream and counted by the kernel,
 * by cause (docs/formats.md). */
static int write_stats(const char *path, const struct sabpf_pipeline *p, struct agent *a,
		       __u64 container, const struct leftovers *left, int status)
{
	static __u64 ids[STATS_CONTAINERS_MAX];
	struct sabpf_stats s;
	pipeline_get_stats(p, &s);
	__u64 kernel_lost = kernel_lost_total(p, a);
	struct jbuf b;
	struct jw w;
	jbuf_init(&b);
	jw_init(&w, &b);
	jw_object_begin(&w);
	jw_key_u64(&w, "container_id", container);
	jw_key_u64(&w, "records", s.records);
	jw_key_u64(&w, "nodes", s.nodes);
	jw_key_u64(&w, "edges", s.edges);
	jw_key_u64(&w, "lost", s.lost);
	jw_key_u64(&w, "lost_ring", s.lost_ring);
	jw_key_u64(&w, "kernel_lost", kernel_lost);
	jw_key_u64(&w, "seq_missing", s.seq_missing);
	jw_key_u64(&w, "malformed", s.malformed);
	jw_key_u64(&w, "denials", s.denials);
	jw_key(&w, "containers");
	jw_array_begin(&w);
	size_t n = stats_containers(p, a, ids);
	for (size_t i = 0; i < n; i++) {
		__u64 stream[SABPF_LOST_CAUSE_MAX], kernel[SABPF_LOST_CAUSE_MAX];
		pipeline_container_loss(p, ids[i], stream);
		agent_kernel_loss(a, ids[i], kernel);
		jw_object_begin(&w);
		jw_key_u64(&w, "container_id", ids[i]);
		jw_key_cstr_or_null(&w, "name", pipeline_container_name(p, ids[i]));
		jw_key_u64(&w, "records", pipeline_container_records(p, ids[i]));
		jw_key(&w, "lost");
		put_causes(&w, stream);
		jw_key(&w, "kernel_lost");
		put_causes(&w, kernel);
		jw_object_end(&w);
	}
	jw_array_end(&w);
	if (left) {
		jw_key_u64(&w, "cred_entries_left", left->creds);
		jw_key_u64(&w, "file_entries_left", left->files);
		jw_key_u64(&w, "ipc_entries_left", left->ipcs);
		jw_key_u64(&w, "entries_purged", left->purged);
	}
	/* cgroups made under audited containers the kernel could not put in
	 * scope (scope map full), and the map's size */
	jw_key_u64(&w, "scope_failed", agent_scope_failed_total(a));
	jw_key_u64(&w, "scope_size", agent_scope_capacity(a));
	jw_key_cstr(&w, "backend", agent_backend_name(a));
	if (agent_trace_reads(a))
		jw_key_cstr(&w, "trace_reads", agent_trace_reads(a));
	jw_key_s64(&w, "exit_status", status);
	jw_object_end(&w);
	jw_newline(&w);
	char tmp[4096];
	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	FILE *f = jw_check(&w) ? NULL : fopen(tmp, "w");
	if (!f) {
		fprintf(stderr, "sabpf: cannot write --stats file '%s': %s\n", tmp,
			b.oom ? "out of memory" : strerror(errno));
		jbuf_free(&b);
		return -1;
	}
	fwrite(b.data, 1, b.len, f);
	jbuf_free(&b);
	if (fclose(f) || rename(tmp, path)) {
		fprintf(stderr, "sabpf: cannot write --stats file '%s': %s\n", path,
			strerror(errno));
		unlink(tmp);
		return -1;
	}
	return 0;
}

/* After the container is gone, its creds and files are freed by the kernel
 * a little later (RCU), and the free hooks delete their entries: wait for
 * that. What is left belongs to objects still alive outside the container
 * (e.g. a descriptor it inherited): those entries are purged, counted apart,
 * and what is left after that is a leak. */
static void release_container_state(struct agent *a, __u64 container, struct leftovers *left)
{
	unsigned creds = 0, files = 0, ipcs = 0;
	for (int i = 0; i < 100; i++) {
		agent_count_state(a, container, &creds, &files);
		/* its IPC namespace is freed by a worker after an RCU grace period */
		ipcs = agent_count_ipc_state(a, container);
		if (creds == 0 && files == 0 && ipcs == 0)
			break;
		agent_poll(a, 30);
	}
	left->purged = agent_purge_container(a, container);
	agent_count_state(a, container, &left->creds, &left->files);
	left->ipcs = agent_count_ipc_state(a, container);
}

static void print_summary(const char *what, const struct sabpf_stats *s, __u64 kernel_lost,
			  const struct common_opts *o)
{
	fprintf(stderr,
		"sabpf: %s: %llu records (%llu nodes, %llu edges), %llu lost, %llu missing "
		"from the sequence\n",
		what, (unsigned long long)s->records, (unsigned long long)s->nodes,
		(unsigned long long)s->edges, (unsigned long long)kernel_lost,
		(unsigned long long)s->seq_missing);
	for (int i = 0; i < o->noutputs; i++)
		fprintf(stderr, "sabpf: wrote %s\n", o->outputs[i]);
}

/* ---- option parsing ----------------------------------------------------- */

enum {
	OPT_CLASSES = 256,
	OPT_RING,
	OPT_ALLOW_BPF,
	OPT_SEAL,
	OPT_SEAL_KEY,
	OPT_POLICY,
	OPT_STATS,
	OPT_NAME,
	OPT_ROOTFS,
	OPT_NET,
	OPT_CGROUP_PARENT,
	OPT_CGROUP,
	OPT_FOLLOW,
	OPT_DURATION,
	OPT_CONTROL,
	OPT_SCOPE_SIZE,
	OPT_BACKEND,
	OPT_PRIVILEGED,
	OPT_METRICS,
	OPT_SELECT,
	OPT_RUNTIME,
	OPT_ALL,
	OPT_CONFIG,
	OPT_WATCH_CONFIG,
	OPT_PIN,
	OPT_UNPIN,
};

/* Handles an option common to run and audit. Returns 1 if it was one, 0
 * if not, -1 on a bad value (message printed). */
static int common_option(int opt, const char *arg, struct common_opts *o)
{
	char err[512];
	switch (opt) {
	case 'o':
		if (o->noutputs == MAX_OUTPUTS) {
			fprintf(stderr, "sabpf: at most %d outputs\n", MAX_OUTPUTS);
			return -1;
		}
		o->outputs[o->noutputs++] = arg;
		return 1;
	case OPT_CLASSES:
		if (cli_parse_classes(arg, &o->classes, err, sizeof(err))) {
			fprintf(stderr, "sabpf: --classes: %s\n", err);
			return -1;
		}
		return 1;
	case OPT_RING:
		if (cli_parse_ring_size(arg, &o->ring_bytes, err, sizeof(err))) {
			fprintf(stderr, "sabpf: %s\n", err);
			return -1;
		}
		return 1;
	case OPT_STATS:
		o->stats_path = arg;
		return 1;
	case OPT_SCOPE_SIZE:
		if (cli_parse_scope_size(arg, &o->scope_entries, err, sizeof(err))) {
			fprintf(stderr, "sabpf: %s\n", err);
			return -1;
		}
		return 1;
	case OPT_ALLOW_BPF:
		o->allow_bpf = true;
		return 1;
	case OPT_SEAL:
		o->seal = true;
		return 1;
	case OPT_SEAL_KEY:
		o->seal_key = arg;
		return 1;
	case 'q':
		o->quiet = true;
		return 1;
	case OPT_METRICS:
		o->metrics = arg;
		return 1;
	case OPT_BACKEND:
		if (strcmp(arg, "lsm") && strcmp(arg, "trace") && strcmp(arg, "auto")) {
			fprintf(stderr, "sabpf: --backend '%s': expected lsm, trace or auto\n",
				arg);
			return -1;
		}
		o->backend = arg;
		return 1;
	default:
		return 0;
	}
}

/* The long options of run and audit that common_option() handles. */
static const struct option common_longopts[] = {
    {"output", required_argument, 0, 'o'},
    {"classes", required_argument, 0, OPT_CLASSES},
    {"ring-size", required_argument, 0, OPT_RING},
    {"allow-bpf", no_argument, 0, OPT_ALLOW_BPF},
    {"stats", required_argument, 0, OPT_STATS},
    {"quiet", no_argument, 0, 'q'},
    {"seal", no_argument, 0, OPT_SEAL},
    {"seal-key", required_argument, 0, OPT_SEAL_KEY},
    {"scope-size", required_argument, 0, OPT_SCOPE_SIZE},
    {"backend", required_argument, 0, OPT_BACKEND},
    {"metrics", required_argument, 0, OPT_METRICS},
};
#define N_COMMON_LONGOPTS (sizeof(common_longopts) / sizeof(common_longopts[0]))
#define MAX_LONGOPTS 32

/* out = the common options, then own (which ends with the zero entry). */
static void with_common_options(const struct option *own, struct option *out)
{
	size_t n = 0;
	for (size_t i = 0; i < N_COMMON_LONGOPTS; i++)
		out[n++] = common_longopts[i];
	for (size_t i = 0; own[i].name && n < MAX_LONGOPTS - 1; i++)
		out[n++] = own[i];
	out[n] = (struct option){0, 0, 0, 0};
}

static void common_defaults(struct common_opts *o)
{
	char err[256];
	memset(o, 0, sizeof(*o));
	o->classes = SABPF_CLASS_ALL;
	o->backend = "auto";
	cli_parse_ring_size(DEFAULT_RING, &o->ring_bytes, err, sizeof(err));
}

/* --backend: checks the host for the backend asked for; auto takes lsm
 * where its probes pass, else trace. Says which on stderr. Returns 0, or -1
 * with the reason printed. */
static int choose_backend(const struct common_opts *o, const char *cmd, enum sabpf_backend *out)
{
	char err[1024], why[1024] = "";
	bool lsm = strcmp(o->backend, "trace") != 0;
	if (lsm && doctor_require(err, sizeof(err)) == 0) {
		*out = SABPF_BACKEND_LSM;
	} else if (lsm && strcmp(o->backend, "lsm") == 0) {
		fprintf(stderr, "%s: %s\n", cmd, err);
		return -1;
	} else {
		if (lsm) /* auto, and the LSM backend cannot run */
			snprintf(why, sizeof(why), " (the LSM backend cannot run here: %.900s)",
				 err);
		if (doctor_require_trace(err, sizeof(err))) {
			fprintf(stderr, "%s: the trace backend cannot run here either: %s\n", cmd,
				err);
			return -1;
		}
		*out = SABPF_BACKEND_TRACE;
	}
	if (!o->quiet || why[0])
		fprintf(stderr, "sabpf: backend: %s%s\n",
			*out == SABPF_BACKEND_LSM ? "lsm" : "trace", why);
	return 0;
}

/* ---- sabpf run ---------------------------------------------------------- */

/* --policy: the policy file enforced on the run's own cgroup (its
 * target.cgroup is replaced by the container's), by the programs of the
 * backend chosen; cgroup NULL only checks that the backend can enforce it
 * (the trace backend: network rules only). */
static int apply_run_policy(const char *path, const char *cgroup, enum sabpf_backend backend,
			    char *err, size_t errlen)
{
	struct policy *pol = NULL;
	char why[768] = "";
	if (policy_load_file(path, &pol, err, errlen))
		return -1;
	if (backend == SABPF_BACKEND_TRACE && doctor_require(why, sizeof(why)) == 0)
		snprintf(why, sizeof(why), "--backend trace was asked for");
	int rc =
	    !cgroup ? (backend == SABPF_BACKEND_TRACE ? enforce_trace_refusal(pol, why, err, errlen)
						      : 0)
		    : enforce_apply_on(pol, cgroup,
				       backend == SABPF_BACKEND_TRACE ? ENFORCE_TRACE : ENFORCE_LSM,
				       why, err, errlen);
	policy_free(pol);
	return rc;
}

struct run_opts {
	struct common_opts common;
	struct container_opts container;
	const char *policy_path; /* --policy: enforced on the container while it runs */
};

static int parse_run(int argc, char **argv, struct run_opts *r)
{
	static const struct option own[] = {
	    {"name", required_argument, 0, OPT_NAME},
	    {"rootfs", required_argument, 0, OPT_ROOTFS},
	    {"net", no_argument, 0, OPT_NET},
	    {"cgroup-parent", required_argument, 0, OPT_CGROUP_PARENT},
	    {"policy", required_argument, 0, OPT_POLICY},
	    {"privileged", no_argument, 0, OPT_PRIVILEGED},
	    {"help", no_argument, 0, 'h'},
	    {0, 0, 0, 0},
	};
	struct option longopts[MAX_LONGOPTS];
	with_common_options(own, longopts);
	int opt;
	common_defaults(&r->common);
	memset(&r->container, 0, sizeof(r->container));
	r->policy_path = NULL;
	cmd_getopt_reset();
	while ((opt = getopt_long(argc, argv, "+o:qh", longopts, NULL)) != -1) {
		int handled = common_option(opt, optarg, &r->common);
		if (handled < 0)
			return -1;
		if (handled)
			continue;
		switch (opt) {
		case OPT_NAME:
			r->container.name = optarg;
			break;
		case OPT_POLICY:
			r->policy_path = optarg;
			break;
		case OPT_ROOTFS:
			r->container.rootfs = optarg;
			break;
		case OPT_NET:
			r->container.new_net = true;
			break;
		case OPT_CGROUP_PARENT:
			r->container.cgroup_parent = optarg;
			break;
		case OPT_PRIVILEGED:
			r->container.privileged = true;
			break;
		case 'h':
			usage(stdout);
			exit(0);
		default:
			fprintf(stderr, "sabpf run: see `sabpf run --help`\n");
			return -1;
		}
	}
	r->container.argv = optind < argc ? argv + optind : (char *const *)default_command;
	return 0;
}

static int cmd_run(int argc, char **argv)
{
	struct run_opts r;
	char err[1024];
	char default_output[320];
	if (parse_run(argc, argv, &r))
		return EXIT_USAGE;

	enum sabpf_backend backend;
	if (choose_backend(&r.common, "sabpf run", &backend))
		return EXIT_RUN_FAILED;
	/* a rule the backend cannot enforce: refused before anything starts */
	if (r.policy_path && apply_run_policy(r.policy_path, NULL, backend, err, sizeof(err))) {
		fprintf(stderr, "sabpf run: %s\n", err);
		return EXIT_RUN_FAILED;
	}
	struct container *c = NULL;
	if (container_create(&r.container, &c, err, sizeof(err))) {
		fprintf(stderr, "sabpf run: %s\n", err);
		return EXIT_RUN_FAILED;
	}
	if (r.common.noutputs == 0) {
		snprintf(default_output, sizeof(default_output), "prov:sabpf-%s.prov.json",
			 container_name(c));
		r.common.outputs[r.common.noutputs++] = default_output;
	}
	struct sabpf_pipeline *p = pipeline_from_opts(
	    &r.common, backend == SABPF_BACKEND_TRACE ? "trace" : "lsm", err, sizeof(err));
	if (!p) {
		fprintf(stderr, "sabpf run: %s\n", err);
		container_destroy(c);
		return EXIT_RUN_FAILED;
	}
	__u64 id = container_cgroup_id(c);
	pipeline_name_container(p, id, container_name(c));
	if (pipeline_writes_stdout(p))
		container_stdout_to_stderr(c); /* CMD's output would corrupt the records */

	struct agent_opts ao = {.ring_bytes = r.common.ring_bytes,
				.wakeup_bytes = r.common.ring_bytes / 4,
				.allow_bpf = r.common.allow_bpf,
				.scope_entries = r.common.scope_entries,
				.backend = backend,
				.quiet = r.common.quiet};
	struct agent *a = NULL;
	struct sabpf_metrics *metrics = NULL;
	int status = EXIT_RUN_FAILED;
	bool ok = false;
	bool policy_applied = false;
	if (agent_open(&ao, p, &a, err, sizeof(err)) ||
	    agent_scope_add(a, id, r.common.classes, err, sizeof(err))) {
		fprintf(stderr, "sabpf run: %s\n", err);
		goto out;
	}
	if (r.policy_path) {
		if (apply_run_policy(r.policy_path, container_cgroup_path(c), backend, err,
				     sizeof(err))) {
			fprintf(stderr, "sabpf run: %s\n", err);
			goto out;
		}
		policy_applied = true;
		agent_watch_denials(a); /* before the reader thread shares the ring */
	}
	if (r.common.metrics && metrics_start(r.common.metrics, &metrics, err, sizeof(err))) {
		fprintf(stderr, "sabpf run: %s\n", err);
		goto out;
	}
	if (metrics && !r.common.quiet)
		fprintf(stderr, "sabpf: metrics at %s/metrics\n", metrics_address(metrics));
	metrics_tick(metrics, p, a, true);
	metrics_set_ready(metrics);
	install_stop_handlers();
	struct reader reader = {.agent = a, .pipeline = p, .metrics = metrics};
	atomic_init(&reader.stop, false);
	if (container_start(c, err, sizeof(err))) {
		/* CMD could not start: its status (127 not found, 126 not
		 * executable, 125 setup failed) is what a shell would give */
		fprintf(stderr, "sabpf run: %s\n", err);
		if (container_wait(c, &status, NULL, 0) == 0)
			ok = true;
		goto out;
	}
	if (pthread_create(&reader.thread, NULL, reader_main, &reader)) {
		fprintf(stderr, "sabpf run: cannot start the reader thread\n");
		goto out;
	}
	if (container_wait(c, &status, err, sizeof(err))) {
		fprintf(stderr, "sabpf run: %s\n", err);
		status = EXIT_RUN_FAILED;
	}
	atomic_store(&reader.stop, true);
	pthread_join(reader.thread, NULL);
	metrics_stop(metrics);
	metrics = NULL;

	struct leftovers left = {0};
	if (policy_applied && enforce_remove(container_cgroup_path(c), err, sizeof(err)) < 0)
		fprintf(stderr, "sabpf run: removing the policy: %s\n", err);
	policy_applied = false;
	container_destroy(c);
	c = NULL;
	release_container_state(a, id, &left);
	agent_finish(a);
	__u64 kernel_lost = kernel_lost_total(p, a);
	ok = true;

	struct sabpf_stats stats;
	pipeline_get_stats(p, &stats);
	if (r.common.stats_path && write_stats(r.common.stats_path, p, a, id, &left, status))
		ok = false;
	if (!r.common.quiet)
		print_summary("container", &stats, kernel_lost, &r.common);
out:
	if (policy_applied && enforce_remove(container_cgroup_path(c), err, sizeof(err)) < 0)
		fprintf(stderr, "sabpf run: removing the policy: %s\n", err);
	if (a && ok && c) {
		/* CMD never ran: the capture holds what there was (nothing) */
		container_destroy(c);
		c = NULL;
		agent_finish(a);
	}
	if (pipeline_finish(p, ok) && ok) {
		fprintf(stderr, "sabpf run: writing the outputs failed\n");
		ok = false;
	}
	metrics_stop(metrics);
	pipeline_free(p);
	agent_close(a);
	if (c)
		container_destroy(c);
	return ok ? status : EXIT_RUN_FAILED;
}

/* ---- sabpf audit -------------------------------------------------------- */

struct audit_opts {
	struct common_opts common;
	const char *cgroups[64];
	int ncgroups;
	bool follow;
	double duration;
	const char *control_path;
	struct selection *selection; /* --select, --runtime, --all (select.h) */
	const char *config_path;     /* --config FILE (config.h) */
	bool watch_config;	     /* --watch-config */
	struct config_state *config;
	const char *pin_dir; /* --pin (pin.h) */
	bool unpin;
};

static int parse_audit(int argc, char **argv, struct audit_opts *o)
{
	static const struct option own[] = {
	    {"cgroup", required_argument, 0, OPT_CGROUP},
	    {"follow", no_argument, 0, OPT_FOLLOW},
	    {"duration", required_argument, 0, OPT_DURATION},
	    {"control", required_argument, 0, OPT_CONTROL},
	    {"select", required_argument, 0, OPT_SELECT},
	    {"runtime", required_argument, 0, OPT_RUNTIME},
	    {"all", no_argument, 0, OPT_ALL},
	    {"config", required_argument, 0, OPT_CONFIG},
	    {"watch-config", no_argument, 0, OPT_WATCH_CONFIG},
	    {"pin", required_argument, 0, OPT_PIN},
	    {"unpin", no_argument, 0, OPT_UNPIN},
	    {"help", no_argument, 0, 'h'},
	    {0, 0, 0, 0},
	};
	struct option longopts[MAX_LONGOPTS];
	with_common_options(own, longopts);
	int opt;
	char *end;
	memset(o, 0, sizeof(*o));
	common_defaults(&o->common);
	cmd_getopt_reset();
	while ((opt = getopt_long(argc, argv, "+o:qh", longopts, NULL)) != -1) {
		int handled = common_option(opt, optarg, &o->common);
		if (handled < 0)
			return -1;
		if (handled)
			continue;
		switch (opt) {
		case OPT_CGROUP:
			if (o->ncgroups == 64) {
				fprintf(stderr, "sabpf audit: at most 64 --cgroup options\n");
				return -1;
			}
			o->cgroups[o->ncgroups++] = optarg;
			break;
		case OPT_FOLLOW:
			o->follow = true;
			break;
		case OPT_DURATION:
			o->duration = strtod(optarg, &end);
			if (*end || end == optarg || o->duration <= 0) {
				fprintf(stderr,
					"sabpf audit: --duration '%s': expected a positive number "
					"of seconds\n",
					optarg);
				return -1;
			}
			break;
		case OPT_SELECT:
		case OPT_RUNTIME:
		case OPT_ALL: {
			char text[300], err[1024];
			snprintf(text, sizeof(text), "%s%s", opt == OPT_RUNTIME ? "runtime=" : "",
				 opt == OPT_ALL ? "" : optarg);
			if (selection_add(&o->selection, text, err, sizeof(err))) {
				fprintf(stderr, "sabpf audit: --%s: %s\n",
					opt == OPT_SELECT ? "select" : "runtime", err);
				return -1;
			}
			break;
		}
		case OPT_CONTROL:
			o->control_path = optarg;
			break;
		case OPT_CONFIG:
			o->config_path = optarg;
			break;
		case OPT_WATCH_CONFIG:
			o->watch_config = true;
			break;
		case OPT_PIN:
			o->pin_dir = optarg;
			break;
		case OPT_UNPIN:
			o->unpin = true;
			break;
		case 'h':
			usage(stdout);
			exit(0);
		default:
			fprintf(stderr, "sabpf audit: see `sabpf audit --help`\n");
			return -1;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "sabpf audit: unexpected argument '%s'\n", argv[optind]);
		return -1;
	}
	char err[1024];
	if (config_start(o->config_path, &o->selection, o->common.outputs, &o->common.noutputs,
			 MAX_OUTPUTS, &o->config, err, sizeof(err))) {
		fprintf(stderr, "sabpf audit: %s\n", err);
		return -1;
	}
	if (o->watch_config && config_watch(o->config, err, sizeof(err))) {
		fprintf(stderr, "sabpf audit: %s\n", err);
		config_free(o->config);
		return -1;
	}
	if (o->ncgroups == 0 && !o->control_path && !o->selection) {
		fprintf(stderr, "sabpf audit: give at least one --cgroup PATH, or containers by "
				"--select, --runtime or --all (or --control SOCKET to add them "
				"later)\n");
		return -1;
	}
	if (o->unpin && !o->pin_dir) {
		fprintf(stderr, "sabpf audit: --unpin needs --pin DIR (the pins to remove)\n");
		return -1;
	}
	if (o->common.noutputs == 0)
		o->common.outputs[o->common.noutputs++] = "jsonl:-";
	return 0;
}

static double now_seconds(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static int cmd_audit(int argc, char **argv)
{
	struct audit_opts o;
	char err[1024];
	if (parse_audit(argc, argv, &o))
		return EXIT_USAGE;
	enum sabpf_backend backend;
	if (choose_backend(&o.common, "sabpf audit", &backend))
		return 1;
	/* resolve every cgroup before loading anything */
	struct audit_target targets[64];
	for (int i = 0; i < o.ncgroups; i++) {
		if (control_resolve_target(o.cgroups[i], &targets[i], err, sizeof(err))) {
			fprintf(stderr, "sabpf audit: %s\n", err);
			return 1;
		}
	}
	struct sabpf_pipeline *p = pipeline_from_opts(
	    &o.common, backend == SABPF_BACKEND_TRACE ? "trace" : "lsm", err, sizeof(err));
	if (!p) {
		fprintf(stderr, "sabpf audit: %s\n", err);
		return 1;
	}
	if (pipeline_track_identities(p)) { /* runtime containers: docs/identity.md */
		fprintf(stderr, "sabpf audit: out of memory\n");
		pipeline_free(p);
		return 1;
	}
	struct agent_opts ao = {.ring_bytes = o.common.ring_bytes,
				.wakeup_bytes = o.common.ring_bytes / 4,
				.allow_bpf = o.common.allow_bpf,
				.scope_entries = o.common.scope_entries,
				.backend = backend,
				.quiet = o.common.quiet,

				.pin_dir = o.pin_dir,
				.unpin = o.unpin};
	struct agent *a = NULL;
	struct control *ctl = NULL;
	struct sabpf_metrics *metrics = NULL;
	bool ok = false;
	if (o.common.metrics && metrics_start(o.common.metrics, &metrics, err, sizeof(err))) {
		fprintf(stderr, "sabpf audit: %s\n", err);
		goto out;
	}
	if (metrics && !o.common.quiet)
		fprintf(stderr, "sabpf: metrics at %s/metrics\n", metrics_address(metrics));
	if (agent_open(&ao, p, &a, err, sizeof(err))) {
		fprintf(stderr, "sabpf audit: %s\n", err);
		goto out;
	}
	for (int i = 0; i < o.ncgroups; i++) {
		if (control_attach_target(a, &targets[i], err, sizeof(err))) {
			fprintf(stderr, "sabpf audit: %s\n", err);
			goto out;
		}
		pipeline_name_container(p, targets[i].id, targets[i].path);
		if (!o.common.quiet)
			fprintf(stderr,
				"sabpf: auditing %s (cgroup id %llu, %u cgroup%s in scope)\n",
				targets[i].path, (unsigned long long)targets[i].id,
				targets[i].cgroups, targets[i].cgroups == 1 ? "" : "s");
	}
	if (o.selection && selection_scan(o.selection, a, p, o.common.classes, o.common.quiet, err,
					  sizeof(err)) < 0) {
		fprintf(stderr, "sabpf audit: following containers: %s\n", err);
		goto out;
	}
	if (o.control_path && control_open(o.control_path, a, p, &ctl, err, sizeof(err))) {
		fprintf(stderr, "sabpf audit: %s\n", err);
		goto out;
	}
	control_set_selection(ctl, o.selection, o.common.classes, o.common.quiet);
	for (int i = 0; i < o.ncgroups; i++)
		control_note_target(ctl, &targets[i]);
	metrics_tick(metrics, p, a, true);
	metrics_set_ready(metrics);
	install_stop_handlers();
	double start = now_seconds(), last_flush = start, last_scan = start;
	while (!stop_requested) {
		agent_poll(a, POLL_MS * 5);
		metrics_tick(metrics, p, a, false);
		if (ctl)
			control_serve(ctl);
		double now = now_seconds();
		if (config_poll(o.config, o.selection) && o.selection) {
			/* the new file's classes and policies, then its new containers */
			selection_reapply(o.selection, a, o.common.classes, o.common.quiet);
			last_scan = 0;
		}
		if (o.selection && now - last_scan >= SELECT_SCAN_S) {
			if (selection_scan(o.selection, a, p, o.common.classes, o.common.quiet, err,
					   sizeof(err)) < 0)
				fprintf(stderr, "sabpf audit: following containers: %s\n", err);
			last_scan = now;
		}
		if (o.follow && now - last_flush >= 1.0) {
			pipeline_flush(p);
			last_flush = now;
		}
		if (o.duration > 0 && now - start >= o.duration)
			break;
	}
	agent_finish(a);
	ok = true;
	struct sabpf_stats stats;
	pipeline_get_stats(p, &stats);
	__u64 lost = kernel_lost_total(p, a);
	if (o.common.stats_path &&
	    write_stats(o.common.stats_path, p, a, o.ncgroups ? targets[0].id : 0, NULL, 0))
		ok = false;
	if (!o.common.quiet)
		print_summary("audit", &stats, lost, &o.common);
out:
	metrics_stop(metrics);
	control_close(ctl);
	selection_free(o.selection);
	config_free(o.config);
	if (pipeline_finish(p, ok) && ok) {
		fprintf(stderr, "sabpf audit: writing the outputs failed\n");
		ok = false;
	}
	pipeline_free(p);
	agent_close(a);
	return ok ? 0 : 1;
}

/* ---- sabpf convert ------------------------------------------------------ */

static int cmd_convert(int argc, char **argv)
{
	static const struct option longopts[] = {
	    {"output", required_argument, 0, 'o'}, {"quiet", no_argument, 0, 'q'},
	    {"seal", no_argument, 0, OPT_SEAL},	   {"seal-key", required_argument, 0, OPT_SEAL_KEY},
	    {"help", no_argument, 0, 'h'},	   {0, 0, 0, 0},
	};
	struct common_opts o;
	char err[1024];
	int opt;
	common_defaults(&o);
	cmd_getopt_reset();
	while ((opt = getopt_long(argc, argv, "+o:qh", longopts, NULL)) != -1) {
		if (opt == 'h') {
			usage(stdout);
			return 0;
		}
		if (common_option(opt, optarg, &o) != 1) {
			fprintf(stderr, "usage: sabpf convert [-o FORMAT:PATH]... [--seal] "
					"[--seal-key KEY] FILE.raw\n");
			return EXIT_USAGE;
		}
	}
	if (optind != argc - 1) {
		fprintf(stderr, "usage: sabpf convert [-o FORMAT:PATH]... FILE.raw\n");
		return EXIT_USAGE;
	}
	if (o.noutputs == 0)
		o.outputs[o.noutputs++] = "prov:-";
	struct sabpf_pipeline *p = pipeline_from_opts(&o, NULL, err, sizeof(err));
	if (!p) {
		fprintf(stderr, "sabpf convert: %s\n", err);
		return 1;
	}
	bool ok = pipeline_replay_file(p, argv[optind], err, sizeof(err)) == 0;
	if (!ok)
		fprintf(stderr, "sabpf convert: %s\n", err);
	if (pipeline_finish(p, ok) && ok) {
		fprintf(stderr, "sabpf convert: writing the outputs failed\n");
		ok = false;
	}
	pipeline_free(p);
	return ok ? 0 : 1;
}

/* ---- the command table ------------------------------------------------- */

static int cmd_help(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	usage(stdout);
	return 0;
}

/* Every command of `sabpf`: name, function, synopsis, help (cmd.h). The
 * families' verbs are in their own tables (policy_cmds, ctl_cmds). */
static const struct cmd cmds[] = {
    {"run", cmd_run, "[OPTIONS] [-- CMD [ARGS]]", "run CMD in a minimal container and audit it", 0,
     NULL},
    {"audit", cmd_audit, "--cgroup PATH[:CLASSES]... | --select K=V,... | --runtime R | --all",
     "audit cgroups, or containers chosen by identity", 0, NULL},
    {"ctl", cmd_ctl, "--control SOCKET VERB", "change what a running `audit` records", 0, ctl_cmds},
    {"oci-hook", cmd_oci_hook, "[--control SOCKET] [--fail open|closed] < STATE",
     "OCI createRuntime hook: register a selected container (docs/identity.md)", 0, NULL},
    {"doctor", cmd_doctor, NULL, "check what this host can run", 0, NULL},
    {"convert", cmd_convert, "[-o FORMAT:PATH]... [--seal[-key KEY]] FILE", "render a raw capture",
     0, NULL},
    {"graph", cmd_graph, "[--dot F] [--summary F] [--json] FILE",
     "a raw capture as DOT and a summary (docs/views.md)", CMD_JSON, NULL},
    {"policy", cmd_policy, "VERB", "access-control policies (docs/policy.md)", 0, policy_cmds},
    {"load", cmd_load, "OBJ.bpf.o --cgroup P [--name N]",
     "attach a tenant's lsm_cgroup programs to P", 0, NULL},
    {"list", cmd_list, NULL, "the tenant programs loaded", 0, NULL},
    {"detach", cmd_detach, "--cgroup P --name N", "detach a tenant's programs", 0, NULL},
    {"verify", cmd_verify, "FILE [--key PUB] [--seal S] [--partial] [--json]",
     "check a sealed output against FILE.seal", CMD_JSON, NULL},
    {"keygen", cmd_keygen, "PREFIX", "an Ed25519 key pair for --seal-key and verify", 0, NULL},
    {"consume", cmd_consume, "BROKERS/TOPIC [-o FORMAT:PATH]...",
     "read a Kafka topic back, check every sequence number is there (docs/operations.md)", 0, NULL},
    {"detect", cmd_detect, "train|watch ...",
     "intrusion detection on provenance (docs/detection.md)", 0, detect_cmds},
    {"lineage", cmd_lineage, "CAPTURE --backward|--forward NODE|PATH [--json|--dot F]",
     "what a node came from or led to", CMD_JSON, NULL},
    {"config", cmd_config, "VERB",
     "validate a configuration file of `audit` (docs/configuration.md)", 0, config_cmds},
    {"help", cmd_help, NULL, "this text (also --help)", 0, NULL},
    {0},
};

int main(int argc, char **argv)
{
	static const struct option opts[] = {
	    CMD_JSON_OPTION,
	    {"help", no_argument, 0, 'h'},
	    {0, 0, 0, 0},
	};
	int opt;
	cmd_getopt_reset();
	while ((opt = getopt_long(argc, argv, "+jh", opts, NULL)) != -1) {
		switch (opt) {
		case 'j':
			cmd_json = true;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			return cmd_usage_error("sabpf", "options before the command: -j/--json, "
							"-h/--help");
		}
	}
	if (optind >= argc) {
		usage(stderr);
		return EXIT_USAGE;
	}
	return cmd_select(cmds, "sabpf", argc - optind, argv + optind);
}
