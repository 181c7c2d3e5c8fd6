/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* consume.h: `sabpf consume BROKERS/TOPIC`, the fleet-side half of the
 * Kafka sink (kafka.h): reads a topic from its beginning, checks that every
 * node's per-CPU sequence numbers are whole (each gap explained by LOST
 * records, no duplicate, each container's records in order) and, for a
 * topic of raw records, writes any output format as `sabpf convert` does. */
#ifndef SABPF_CONSUME_H
#define SABPF_CONSUME_H

/* 0: the topic is complete; 1: gaps, disorder or an error; 2: bad usage. */
int cmd_consume(int argc, char **argv);

#endif /* SABPF_CONSUME_H */
