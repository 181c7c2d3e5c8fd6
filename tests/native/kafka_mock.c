/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* kafka_mock.c: a Kafka protocol endpoint for the tests: librdkafka's own
 * mock cluster (rdkafka_mock.h), held by this process and listening on
 * loopback, so that sabpf's producer, `sabpf consume` and kcat talk to it
 * as to a broker. Prints "bootstrap HOST:PORT[,...]" on standard output,
 * then obeys commands read from standard input, one a line:
 *   down ID | up ID      take broker ID (1..N) down (connections closed,
 *                        none accepted) or bring it back
 *   quit                 (or end of input) stop
 *
 *   kafka-mock [--brokers N] [--topic NAME:PARTITIONS]...
 */
#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafka_mock.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int main(int argc, char **argv)
{
	int brokers = 1;
	char errstr[512];
	rd_kafka_conf_t *conf = rd_kafka_conf_new();
	rd_kafka_conf_set(conf, "log_level", "2", NULL, 0);
	rd_kafka_t *rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, errstr, sizeof(errstr));
	if (!rk) {
		fprintf(stderr, "kafka-mock: %s\n", errstr);
		return 1;
	}
	for (int i = 1; i < argc; i++)
		if (strcmp(argv[i], "--brokers") == 0 && i + 1 < argc)
			brokers = atoi(argv[++i]);
	rd_kafka_mock_cluster_t *mc = rd_kafka_mock_cluster_new(rk, brokers);
	if (!mc) {
		fprintf(stderr, "kafka-mock: cannot start a mock cluster of %d brokers\n", brokers);
		return 1;
	}
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--topic") == 0 && i + 1 < argc) {
			char *spec = argv[++i], *colon = strchr(spec, ':');
			int parts = colon ? atoi(colon + 1) : 1;
			if (colon)
				*colon = '\0';
			rd_kafka_resp_err_t e = rd_kafka_mock_topic_create(mc, spec, parts, 1);
			if (e) {
				fprintf(stderr, "kafka-mock: topic %s: %s\n", spec,
					rd_kafka_err2str(e));
				return 1;
			}
		} else if (strcmp(argv[i], "--brokers") == 0) {
			i++;
		} else {
			fprintf(stderr,
				"usage: kafka-mock [--brokers N] [--topic NAME:PARTITIONS]...\n");
			return 2;
		}
	}
	printf("bootstrap %s\n", rd_kafka_mock_cluster_bootstraps(mc));
	fflush(stdout);
	char line[256];
	while (fgets(line, sizeof(line), stdin)) {
		int id;
		rd_kafka_resp_err_t e = RD_KAFKA_RESP_ERR_NO_ERROR;
		if (sscanf(line, "down %d", &id) == 1)
			e = rd_kafka_mock_broker_set_down(mc, id);
		else if (sscanf(line, "up %d", &id) == 1)
			e = rd_kafka_mock_broker_set_up(mc, id);
		else if (strncmp(line, "quit", 4) == 0)
			break;
		else {
			fprintf(stderr, "kafka-mock: unknown command: %s", line);
			continue;
		}
		printf("%s %s", e ? rd_kafka_err2str(e) : "ok", line);
		fflush(stdout);
	}
	rd_kafka_mock_cluster_destroy(mc);
	rd_kafka_destroy(rk);
	return 0;
}
