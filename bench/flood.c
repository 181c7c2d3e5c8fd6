// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* flood.c: a paced flood of distinct audit records, for measuring how fast
 * the agent drains its ring buffer (bench/native.py, part "drain").
 *
 *   flood --rate R --seconds S FILE1 FILE2
 *
 * One-byte pread()s alternating between FILE1 and FILE2 (the alternation
 * keeps the agent from merging consecutive reads of one file into one edge:
 * every call is one record), paced to R calls per second (0: as fast as
 * possible) for S seconds. Pacing: after every batch of 64 calls the loop
 * compares the calls made with R times the time elapsed and spins until it
 * is not ahead. Prints one JSON object:
 *   {"target_rate":R,"calls":N,"seconds":T,"rate":N/T}
 * Exits 1 if a call fails, 2 on bad usage. */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#include "json_write.h"

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int usage(const char *why)
{
	fprintf(stderr, "flood: %s\nusage: flood --rate CALLS_PER_S --seconds S FILE1 FILE2\n",
		why);
	return 2;
}

static int parse_double(const char *s, double *out)
{
	char *end;
	errno = 0;
	double v = strtod(s, &end);
	if (errno || end == s || *end || v < 0)
		return -1;
	*out = v;
	return 0;
}

int main(int argc, char **argv)
{
	static const struct option options[] = {{"rate", required_argument, 0, 'r'},
						{"seconds", required_argument, 0, 's'},
						{0, 0, 0, 0}};
	double rate = 0, seconds = 1;
	int c;
	while ((c = getopt_long(argc, argv, "r:s:", options, 0)) != -1) {
		if (c == 'r' && parse_double(optarg, &rate) == 0)
			continue;
		if (c == 's' && parse_double(optarg, &seconds) == 0 && seconds > 0)
			continue;
		return usage(c == '?' ? "unknown option"
				      : "--rate and --seconds take non-negative numbers "
					"(--seconds > 0)");
	}
	if (argc - optind != 2)
		return usage("expected two files to read");
	int fd[2];
	for (int i = 0; i < 2; i++) {
		fd[i] = open(argv[optind + i], O_RDONLY | O_CLOEXEC);
		if (fd[i] < 0) {
			fprintf(stderr, "flood: cannot open %s: %m\n", argv[optind + i]);
			return 1;
		}
	}
	char byte;
	long calls = 0;
	double start = now(), t = start;
	while (t - start < seconds) {
		for (int i = 0; i < 64; i++, calls++)
			if (pread(fd[calls & 1], &byte, 1, 0) != 1) {
				fprintf(stderr, "flood: pread of %s failed after %ld calls: %m\n",
					argv[optind + (calls & 1)], calls);
				return 1;
			}
		t = now();
		while (rate > 0 && (double)calls > rate * (t - start))
			t = now();
	}
	struct jbuf b;
	struct jw w;
	jbuf_init(&b);
	jw_init(&w, &b);
	jw_object_begin(&w);
	jw_key_fixed(&w, "target_rate", rate, 0);
	jw_key_s64(&w, "calls", calls);
	jw_key_fixed(&w, "seconds", t - start, 6);
	jw_key_fixed(&w, "rate", (double)calls / (t - start), 1);
	jw_object_end(&w);
	jw_newline(&w);
	fwrite(b.data, 1, b.len, stdout);
	jbuf_free(&b);
	return 0;
}
