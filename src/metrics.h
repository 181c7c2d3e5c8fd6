/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* metrics.h: the agent's health as Prometheus metrics (`--metrics
 * ADDR:PORT`), served over HTTP by libmicrohttpd in its own thread:
 * GET /metrics (text exposition format 0.0.4), /healthz (the reader loop
 * turned within the last few seconds) and /readyz (programs attached and
 * the containers registered). The thread that polls the agent renders the
 * page (metrics_tick); the server thread only hands out the last page, so
 * no scrape ever touches the pipeline or the agent. docs/operations.md
 * lists the metrics. */
#ifndef SABPF_METRICS_H
#define SABPF_METRICS_H

#include <linux/types.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "loader.h"
#include "output.h"
#include "sabpf_record.h"

struct sabpf_metrics;

/* Parses "ADDR:PORT" ("127.0.0.1:9464", "[::1]:9464", "0.0.0.0:9464"),
 * listens there and starts the server. Returns 0, or -1 with err. */
int metrics_start(const char *addr, struct sabpf_metrics **out, char *err, size_t errlen);
/* "http://ADDR:PORT" where it listens (the port chosen, for port 0). */
const char *metrics_address(const struct sabpf_metrics *m);
/* Renders the counters of p and a for the next scrape, at most once a
 * second unless force; also marks the reader loop alive for /healthz.
 * Called by the thread that polls a. */
void metrics_tick(struct sabpf_metrics *m, const struct sabpf_pipeline *p, struct agent *a,
		  bool force);
/* /readyz answers 200 from now on (503 before). */
void metrics_set_ready(struct sabpf_metrics *m);
/* Stops the server (no-op for NULL). */
void metrics_stop(struct sabpf_metrics *m);

/* ---- the exposition format, apart for the unit tests ---- */

/* Starts a metric family: "# HELP name help" and "# TYPE name type". */
void metrics_family(FILE *f, const char *name, const char *type, const char *help);
/* One sample: name{labels} value. labels alternates names and values and
 * ends with NULL (may be NULL itself); values are escaped (\\ \" \n). */
void metrics_sample(FILE *f, const char *name, const char *const *labels, double value);

#endif /* SABPF_METRICS_H */
