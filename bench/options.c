/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* options.c: parsing command-line values of the microbenchmark (see
 * options.h). */
#include "options.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int parse_count(const char *option, const char *text, unsigned long min, unsigned long max,
		unsigned long *out, char *err, size_t errlen)
{
	char *end;
	unsigned long value;

	if (text[0] == '\0' || !isdigit((unsigned char)text[0])) {
		snprintf(err, errlen, "%s '%s': expected a whole number", option, text);
		return -1;
	}
	errno = 0;
	value = strtoul(text, &end, 10);
	if (*end != '\0') {
		snprintf(err, errlen, "%s '%s': expected a whole number", option, text);
		return -1;
	}
	if (errno == ERANGE || value < min || value > max) {
		snprintf(err, errlen, "%s '%s': must be between %lu and %lu", option, text, min,
			 max);
		return -1;
	}
	*out = value;
	return 0;
}

int parse_seconds(const char *option, const char *text, double max, double *out, char *err,
		  size_t errlen)
{
	char *end;
	double value;

	errno = 0;
	value = strtod(text, &end);
	if (text[0] == '\0' || *end != '\0' || errno == ERANGE || !isfinite(value)) {
		snprintf(err, errlen, "%s '%s': expected a number of seconds, e.g. 0.5", option,
			 text);
		return -1;
	}
	if (!(value > 0.0) || value > max) {
		snprintf(err, errlen, "%s '%s': must be more than 0 and at most %g seconds", option,
			 text, max);
		return -1;
	}
	*out = value;
	return 0;
}

/* Index of the name that equals text[0..len), or -1. */
static long find_row_name(const char *text, size_t len, const char *const *names, size_t n_names)
{
	for (size_t i = 0; i < n_names; i++) {
		if (strlen(names[i]) == len && strncmp(names[i], text, len) == 0)
			return (long)i;
	}
	return -1;
}

/* True when index is already among selected[0..n). */
static int already_selected(const size_t *selected, size_t n, size_t index)
{
	for (size_t i = 0; i < n; i++) {
		if (selected[i] == index)
			return 1;
	}
	return 0;
}

int parse_row_list(const char *list, const char *const *names, size_t n_names, size_t *selected,
		   size_t *n_selected, char *err, size_t errlen)
{
	const char *start = list;
	size_t count = 0;

	for (;;) {
		const char *comma = strchr(start, ',');
		size_t len = comma ? (size_t)(comma - start) : strlen(start);
		long index;

		if (len == 0) {
			snprintf(err, errlen, "--rows '%s': empty row name (stray comma?)", list);
			return -1;
		}
		index = find_row_name(start, len, names, n_names);
		if (index < 0) {
			snprintf(err, errlen,
				 "--rows '%s': unknown row '%.*s' (see --list for the row names)",
				 list, (int)len, start);
			return -1;
		}
		if (already_selected(selected, count, (size_t)index)) {
			snprintf(err, errlen, "--rows '%s': row '%s' is listed twice", list,
				 names[index]);
			return -1;
		}
		selected[count++] = (size_t)index;
		if (!comma)
			break;
		start = comma + 1;
	}
	*n_selected = count;
	return 0;
}
