/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* policy_glob.c: turns a policy glob into tokens for the kernel matcher.
 * Escapes are resolved and every [...] set becomes a 256-bit bitmap here,
 * once, so the matcher in the kernel only compares bytes and tests bits.
 * The bracket syntax is fnmatch's in the C locale: [!...] and [^...] negate,
 * a ']' right after the opening (or the negation) is literal, a-z is a
 * range of bytes, '\' quotes the next byte. Sets never match '/'. */
#include "policy_glob.h"

#include <stdio.h>
#include <string.h>

#include "sabpf_glob.h"

static void set_add(__u8 *set, unsigned char c)
{
	set[c >> 3] |= (__u8)(1u << (c & 7));
}

/* Adds a new set to g; returns its token, or -1 when there are too many. */
static int new_set(struct pol_glob *g, unsigned *nsets, const __u8 *bits)
{
	if (*nsets == POL_GLOB_SETS)
		return -1;
	memcpy(g->sets[*nsets], bits, 32);
	return GLOB_SET0 + (int)(*nsets)++;
}

/* Parses the set that starts at glob[*i] ('['); leaves *i on its ']'. */
static int parse_set(const char *glob, size_t *i, __u8 *bits, char *err, size_t errlen)
{
	size_t j = *i + 1;
	bool negate = glob[j] == '!' || glob[j] == '^';
	if (negate)
		j++;
	memset(bits, 0, 32);
	for (bool first = true; glob[j] && (glob[j] != ']' || first); first = false) {
		if (glob[j] == '[' &&
		    (glob[j + 1] == ':' || glob[j + 1] == '=' || glob[j + 1] == '.')) {
			snprintf(
			    err, errlen,
			    "bad glob '%s': character classes like [:alpha:] are not supported; "
			    "write the bytes or a range, e.g. [a-zA-Z]",
			    glob);
			return -1;
		}
		if (glob[j] == '\\' && glob[j + 1])
			j++;
		unsigned char lo = (unsigned char)glob[j], hi = lo;
		if (glob[j + 1] == '-' && glob[j + 2] && glob[j + 2] != ']') {
			j += 2;
			if (glob[j] == '\\' && glob[j + 1])
				j++;
			hi = (unsigned char)glob[j];
		}
		for (unsigned c = lo; c <= hi; c++)
			set_add(bits, (unsigned char)c);
		j++;
	}
	if (glob[j] != ']') {
		snprintf(err, errlen, "bad glob '%s': '[' at offset %zu is never closed", glob, *i);
		return -1;
	}
	if (negate) {
		for (int k = 0; k < 32; k++)
			bits[k] = (__u8)~bits[k];
	}
	bits[0] &= (__u8)~1u;			     /* NUL */
	bits['/' >> 3] &= (__u8) ~(1u << ('/' & 7)); /* FNM_PATHNAME */
	*i = j;
	return 0;
}

/* The token for one literal byte: itself, or a one-byte set for the few
 * control bytes whose values the token form uses. */
static int literal_token(struct pol_glob *g, unsigned *nsets, unsigned char c)
{
	if (c >= GLOB_LITERAL_MIN)
		return c;
	__u8 bits[32] = {0};
	set_add(bits, c);
	return new_set(g, nsets, bits);
}

int policy_glob_compile(const char *glob, bool recursive, struct pol_glob *out, char *err,
			size_t errlen)
{
	unsigned nsets = 0, ntok = 0;
	memset(out, 0, sizeof(*out));
	out->recursive = recursive;
	for (size_t i = 0; glob[i]; i++) {
		int tok;
		if (glob[i] == '*') {
			tok = GLOB_STAR;
		} else if (glob[i] == '?') {
			tok = GLOB_ANY;
		} else if (glob[i] == '[') {
			__u8 bits[32];
			if (parse_set(glob, &i, bits, err, errlen))
				return -1;
			tok = new_set(out, &nsets, bits);
		} else {
			if (glob[i] == '\\' && glob[i + 1])
				i++;
			tok = literal_token(out, &nsets, (unsigned char)glob[i]);
		}
		if (tok < 0) {
			snprintf(err, errlen, "bad glob '%s': more than %d [...] sets", glob,
				 POL_GLOB_SETS);
			return -1;
		}
		if (ntok + 1 >= POL_GLOB_MAX) {
			snprintf(err, errlen, "bad glob '%s': too long", glob);
			return -1;
		}
		out->tok[ntok++] = (__u8)tok;
	}
	out->tok[ntok] = GLOB_END;
	return 0;
}

bool policy_glob_run(const struct pol_glob *g, const char *path)
{
	char buf[GLOB_PATH_MAX];
	size_t len = strlen(path);
	if (len >= sizeof(buf))
		return false;
	memcpy(buf, path, len + 1);
	struct glob_run run;
	glob_run_reset(&run);
	for (;;) {
		int r = glob_step(g, buf, &run);
		if (r != GLOB_RUNNING)
			return r == GLOB_MATCH;
	}
}
