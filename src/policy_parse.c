/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* policy_parse.c: reading the access-control policy language
 * (docs/policy.md): parsing with libyaml (YAML, and JSON, which it reads as
 * YAML flow style), validation with file:line:column errors, and the flat
 * in-memory form of policy.h. Decisions are in policy_decide.c, printing in
 * policy_print.c. */
#include "policy.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fnmatch.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <yaml.h>

#include "cmd.h"
#include "json_write.h"
#include "policy_glob.h"

#define MATCH_PATH_MAX 4096

/* ---- errors ------------------------------------------------------------- */

struct parse_ctx {
	yaml_document_t *doc;
	const char *source;
	char *err;
	size_t errlen;
	struct policy *p;
};

static struct policy_origin origin_of(const yaml_node_t *n)
{
	struct policy_origin o = {(uint32_t)n->start_mark.line + 1,
				  (uint32_t)n->start_mark.column + 1};
	return o;
}

/* Writes "SOURCE:LINE:COLUMN: message" into the context's error buffer. */
__attribute__((format(printf, 4, 5))) static int fail_at(struct parse_ctx *c, size_t line,
							 size_t column, const char *fmt, ...)
{
	char msg[768];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	snprintf(c->err, c->errlen, "%s:%zu:%zu: %s", c->source, line, column, msg);
	return -1;
}

#define fail(c, node, ...)                                                                         \
	fail_at((c), (node)->start_mark.line + 1, (node)->start_mark.column + 1, __VA_ARGS__)

/* ---- node helpers ------------------------------------------------------- */

static const char *node_kind(const yaml_node_t *n)
{
	if (n->type == YAML_MAPPING_NODE)
		return "a mapping";
	if (n->type == YAML_SEQUENCE_NODE)
		return "a list";
	if (n->data.scalar.length == 0 && n->data.scalar.style == YAML_PLAIN_SCALAR_STYLE)
		return "an empty value";
	return "a scalar";
}

static int expect_type(struct parse_ctx *c, const yaml_node_t *n, yaml_node_type_t type,
		       const char *where)
{
	if (n->type == type)
		return 0;
	const char *want = type == YAML_MAPPING_NODE	? "a mapping ({...})"
			   : type == YAML_SEQUENCE_NODE ? "a list ([...])"
							: "a single value";
	return fail(c, n, "%s must be %s, found %s", where, want, node_kind(n));
}

/* The text of a scalar node, or NULL (error set) if it is not one or holds
 * a NUL byte. */
static const char *scalar_text(struct parse_ctx *c, const yaml_node_t *n, const char *where)
{
	if (expect_type(c, n, YAML_SCALAR_NODE, where))
		return NULL;
	const char *s = (const char *)n->data.scalar.value;
	if (strlen(s) != n->data.scalar.length) {
		fail(c, n, "%s contains a NUL character", where);
		return NULL;
	}
	return s;
}

static yaml_node_t *node_at(struct parse_ctx *c, int index)
{
	return yaml_document_get_node(c->doc, index);
}

/* Checks that every key of a mapping is a known, unique scalar. */
static int check_keys(struct parse_ctx *c, const yaml_node_t *map, const char *const *known,
		      const char *where)
{
	for (yaml_node_pair_t *a = map->data.mapping.pairs.start; a < map->data.mapping.pairs.top;
	     a++) {
		yaml_node_t *key = node_at(c, a->key);
		char what[96];
		snprintf(what, sizeof(what), "a key of %s", where);
		const char *name = scalar_text(c, key, what);
		if (!name)
			return -1;
		bool ok = false;
		for (size_t i = 0; known[i]; i++)
			ok = ok || strcmp(name, known[i]) == 0;
		if (!ok) {
			char list[256] = "";
			for (size_t i = 0; known[i]; i++) {
				strncat(list, i ? ", " : "", sizeof(list) - strlen(list) - 1);
				strncat(list, known[i], sizeof(list) - strlen(list) - 1);
			}
			return fail(c, key, "unknown key '%s' in %s; expected one of: %s", name,
				    where, list);
		}
		for (yaml_node_pair_t *b = map->data.mapping.pairs.start; b < a; b++) {
			yaml_node_t *earlier = node_at(c, b->key);
			if (strcmp((const char *)earlier->data.scalar.value, name) == 0)
				return fail(
				    c, key,
				    "duplicate key '%s' in %s (first at line %zu); keep one", name,
				    where, earlier->start_mark.line + 1);
		}
	}
	return 0;
}

/* The value of key in a mapping whose keys were checked, or NULL. */
static yaml_node_t *map_get(struct parse_ctx *c, const yaml_node_t *map, const char *key)
{
	for (yaml_node_pair_t *a = map->data.mapping.pairs.start; a < map->data.mapping.pairs.top;
	     a++) {
		if (strcmp((const char *)node_at(c, a->key)->data.scalar.value, key) == 0)
			return node_at(c, a->value);
	}
	return NULL;
}

/* Picks one of the words in choices (NULL-terminated); returns its index. */
static int parse_choice(struct parse_ctx *c, const yaml_node_t *n, const char *const *choices,
			const char *where)
{
	const char *s = scalar_text(c, n, where);
	if (!s)
		return -1;
	char list[128] = "";
	for (int i = 0; choices[i]; i++) {
		if (strcmp(s, choices[i]) == 0)
			return i;
		strncat(list, i ? ", " : "", sizeof(list) - strlen(list) - 1);
		strncat(list, choices[i], sizeof(list) - strlen(list) - 1);
	}
	fail(c, n, "%s: '%s' is not one of: %s", where, s, list);
	return -1;
}

/* ---- ports and addresses ------------------------------------------------ */

/* A decimal port 1..65535 from s[0..len). */
static int parse_port_number(const char *s, size_t len, uint16_t *port)
{
	unsigned long v = 0;
	if (len == 0 || len > 6)
		return -1;
	for (size_t i = 0; i < len; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + (unsigned long)(s[i] - '0');
	}
	if (v < 1 || v > 65535)
		return -2;
	*port = (uint16_t)v;
	return 0;
}

/* A port ("443") or an inclusive range ("8000-8080"). */
static int parse_port_range(struct parse_ctx *c, const yaml_node_t *n, uint16_t *lo, uint16_t *hi)
{
	const char *s = scalar_text(c, n, "a port");
	if (!s)
		return -1;
	const char *dash = strchr(s, '-');
	size_t first = dash ? (size_t)(dash - s) : strlen(s);
	int r1 = parse_port_number(s, first, lo);
	int r2 = dash ? parse_port_number(dash + 1, strlen(dash + 1), hi) : r1;
	if (!dash)
		*hi = *lo;
	if (r1 == -2 || r2 == -2)
		return fail(c, n, "port out of range: '%s'; ports are 1 to 65535", s);
	if (r1 || r2)
		return fail(c, n, "'%s' is not a port; write a number (443) or a range (8000-8080)",
			    s);
	if (*lo > *hi)
		return fail(c, n, "port range '%s' is reversed; write %u-%u", s, *hi, *lo);
	return 0;
}

/* Whether the bits of addr beyond prefix_len are all zero. */
static bool host_bits_clear(const uint8_t *addr, unsigned bytes, unsigned prefix_len)
{
	for (unsigned bit = prefix_len; bit < bytes * 8; bit++) {
		if (addr[bit / 8] & (0x80u >> (bit % 8)))
			return false;
	}
	return true;
}

/* An address or CIDR range: "10.0.0.0/8", "192.0.2.1", "2001:db8::/32". */
static int parse_cidr(struct parse_ctx *c, const yaml_node_t *n, struct policy_net_rule *r)
{
	const char *s = scalar_text(c, n, "an address");
	if (!s)
		return -1;
	char text[64];
	if (strlen(s) >= sizeof(text))
		return fail(c, n, "'%.40s...' is not an address range", s);
	strcpy(text, s);
	char *slash = strchr(text, '/');
	if (slash)
		*slash = '\0';
	memset(r->addr, 0, sizeof(r->addr));
	unsigned bits;
	if (inet_pton(AF_INET, text, r->addr) == 1) {
		r->family = AF_INET;
		bits = 32;
	} else if (inet_pton(AF_INET6, text, r->addr) == 1) {
		r->family = AF_INET6;
		bits = 128;
	} else {
		return fail(c, n,
			    "'%s' is not an address range; write 192.0.2.0/24, 192.0.2.1, "
			    "2001:db8::/32 or ::1",
			    s);
	}
	unsigned prefix = bits;
	if (slash) {
		uint16_t v;
		int rc = parse_port_number(slash + 1, strlen(slash + 1), &v);
		if (strcmp(slash + 1, "0") == 0) {
			rc = 0;
			v = 0;
		}
		if (rc || v > bits)
			return fail(c, n, "'%s': the prefix length must be 0 to %u", s, bits);
		prefix = v;
	}
	if (!host_bits_clear(r->addr, bits / 8, prefix)) {
		uint8_t net[16];
		char text_net[INET6_ADDRSTRLEN] = "?";
		for (unsigned i = 0; i < 16; i++) {
			unsigned keep = prefix > i * 8 ? prefix - i * 8 : 0;
			net[i] = keep >= 8 ? r->addr[i] : (uint8_t)(r->addr[i] & (0xff00u >> keep));
		}
		inet_ntop(r->family, net, text_net, sizeof(text_net));
		return fail(c, n, "'%s' has address bits set beyond the /%u prefix; write %s/%u", s,
			    prefix, text_net, prefix);
	}
	r->prefix_len = (uint8_t)prefix;
	return 0;
}

/* ---- network ------------------------------------------------------------ */

struct net_list {
	struct policy_net_rule *rules;
	uint32_t *count;
	const char *name; /* "network.egress" */
};

static int append_net_rule(struct parse_ctx *c, const yaml_node_t *at, struct net_list *l,
			   const struct policy_net_rule *r)
{
	if (*l->count == POLICY_MAX_NET_RULES)
		return fail(c, at,
			    "too many rules in %s (at most %d, counting each port range "
			    "times each address); merge ranges",
			    l->name, POLICY_MAX_NET_RULES);
	l->rules[(*l->count)++] = *r;
	return 0;
}

/* A rule {ports: [...], addresses: [...]}: every port range with every
 * address range, flattened. */
static int parse_net_rule_map(struct parse_ctx *c, const yaml_node_t *item, uint32_t source,
			      struct net_list *l)
{
	static const char *const keys[] = {"ports", "addresses", NULL};
	char where[64];
	snprintf(where, sizeof(where), "a rule of %s", l->name);
	if (check_keys(c, item, keys, where))
		return -1;
	yaml_node_t *ports = map_get(c, item, "ports");
	yaml_node_t *addrs = map_get(c, item, "addresses");
	if (!ports && !addrs)
		return fail(c, item, "empty rule in %s: give \"ports\", \"addresses\" or both",
			    l->name);
	if ((ports && expect_type(c, ports, YAML_SEQUENCE_NODE, "\"ports\"")) ||
	    (addrs && expect_type(c, addrs, YAML_SEQUENCE_NODE, "\"addresses\"")))
		return -1;
	if (ports && ports->data.sequence.items.start == ports->data.sequence.items.top)
		return fail(c, ports, "empty \"ports\" list; leave the key out for all ports");
	if (addrs && addrs->data.sequence.items.start == addrs->data.sequence.items.top)
		return fail(c, addrs,
			    "empty \"addresses\" list; leave the key out for any address");
	size_t np =
	    ports ? (size_t)(ports->data.sequence.items.top - ports->data.sequence.items.start) : 1;
	size_t na =
	    addrs ? (size_t)(addrs->data.sequence.items.top - addrs->data.sequence.items.start) : 1;
	for (size_t i = 0; i < np; i++) {
		struct policy_net_rule r = {.port_lo = 0,
					    .port_hi = 65535,
					    .source_rule = source,
					    .origin = origin_of(item)};
		if (ports && parse_port_range(c, node_at(c, ports->data.sequence.items.start[i]),
					      &r.port_lo, &r.port_hi))
			return -1;
		for (size_t j = 0; j < na; j++) {
			if (addrs &&
			    parse_cidr(c, node_at(c, addrs->data.sequence.items.start[j]), &r))
				return -1;
			if (append_net_rule(c, item, l, &r))
				return -1;
		}
	}
	return 0;
}

/* An egress or bind list: items are a port, a port range, or a rule map. */
static int parse_net_list(struct parse_ctx *c, const yaml_node_t *list, struct net_list *l)
{
	if (expect_type(c, list, YAML_SEQUENCE_NODE, l->name))
		return -1;
	uint32_t source = 0;
	for (yaml_node_item_t *it = list->data.sequence.items.start;
	     it < list->data.sequence.items.top; it++, source++) {
		yaml_node_t *item = node_at(c, *it);
		if (item->type == YAML_MAPPING_NODE) {
			if (parse_net_rule_map(c, item, source, l))
				return -1;
			continue;
		}
		struct policy_net_rule r = {.source_rule = source, .origin = origin_of(item)};
		if (item->type != YAML_SCALAR_NODE)
			return fail(c, item,
				    "an item of %s must be a port, a range or {\"ports\": [...], "
				    "\"addresses\": [...]}, found %s",
				    l->name, node_kind(item));
		if (parse_port_range(c, item, &r.port_lo, &r.port_hi) ||
		    append_net_rule(c, item, l, &r))
			return -1;
	}
	return 0;
}

static const struct {
	const char *name;
	int family;
} family_names[] = {
    {"unix", AF_UNIX},	   {"inet", AF_INET},	{"inet6", AF_INET6}, {"netlink", AF_NETLINK},
    {"packet", AF_PACKET}, {"vsock", AF_VSOCK}, {"can", AF_CAN},     {"bluetooth", AF_BLUETOOTH},
    {"alg", AF_ALG},	   {"xdp", AF_XDP},	{"tipc", AF_TIPC},   {"key", AF_KEY},
};

const char *family_name(int family)
{
	for (size_t i = 0; i < sizeof(family_names) / sizeof(family_names[0]); i++) {
		if (family_names[i].family == family)
			return family_names[i].name;
	}
	return "?";
}

static int parse_families(struct parse_ctx *c, const yaml_node_t *list)
{
	struct policy *p = c->p;
	if (expect_type(c, list, YAML_SEQUENCE_NODE, "network.families"))
		return -1;
	p->net.families_listed = true;
	p->net.families_origin = origin_of(list);
	for (yaml_node_item_t *it = list->data.sequence.items.start;
	     it < list->data.sequence.items.top; it++) {
		yaml_node_t *item = node_at(c, *it);
		const char *s = scalar_text(c, item, "an item of network.families");
		if (!s)
			return -1;
		int family = -1;
		for (size_t i = 0; i < sizeof(family_names) / sizeof(family_names[0]); i++) {
			if (strcmp(s, family_names[i].name) == 0)
				family = family_names[i].family;
		}
		if (family < 0)
			return fail(
			    c, item,
			    "unknown socket family '%s'; known: unix, inet, inet6, netlink, "
			    "packet, vsock, can, bluetooth, alg, xdp, tipc, key",
			    s);
		for (uint32_t i = 0; i < p->net.nfamilies; i++) {
			if (p->net.families[i].family == family)
				return fail(c, item, "socket family '%s' is listed twice", s);
		}
		p->net.families[p->net.nfamilies].family = (uint16_t)family;
		p->net.families[p->net.nfamilies++].origin = origin_of(item);
	}
	return 0;
}

static int parse_network(struct parse_ctx *c, const yaml_node_t *net)
{
	static const char *const keys[] = {"default", "egress", "bind", "families", NULL};
	static const char *const defaults[] = {"allow", "deny", NULL};
	struct policy *p = c->p;
	if (expect_type(c, net, YAML_MAPPING_NODE, "\"network\"") ||
	    check_keys(c, net, keys, "\"network\""))
		return -1;
	p->net.present = true;
	yaml_node_t *def = map_get(c, net, "default");
	if (!def)
		return fail(c, net, "\"network\" needs a \"default\": \"allow\" or \"deny\"");
	int d = parse_choice(c, def, defaults, "network.default");
	if (d < 0)
		return -1;
	p->net.def = d ? POLICY_DENY : POLICY_ALLOW;
	p->net.def_origin = origin_of(def);
	struct net_list egress = {p->net.egress, &p->net.negress, "network.egress"};
	struct net_list bind = {p->net.bind, &p->net.nbind, "network.bind"};
	yaml_node_t *n;
	if ((n = map_get(c, net, "egress")) && parse_net_list(c, n, &egress))
		return -1;
	if ((n = map_get(c, net, "bind")) && parse_net_list(c, n, &bind))
		return -1;
	if ((n = map_get(c, net, "families")) && parse_families(c, n))
		return -1;
	return 0;
}

/* ---- globs -------------------------------------------------------------- */

/* Length of the glob's leading part that holds no wildcard. */
static uint32_t literal_length(const char *glob)
{
	return (uint32_t)strcspn(glob, "*?[\\");
}

/* Checks a bracket expression starting at glob[i] == '['; returns the index
 * of its closing ']' or 0 (error set). */
static size_t check_bracket(struct parse_ctx *c, const yaml_node_t *n, const char *glob, size_t i)
{
	size_t j = i + 1;
	if (glob[j] == '!' || glob[j] == '^')
		j++;
	if (glob[j] == ']')
		j++;
	for (; glob[j] && glob[j] != ']'; j++) {
		if (glob[j] == '[' &&
		    (glob[j + 1] == ':' || glob[j + 1] == '=' || glob[j + 1] == '.')) {
			fail(c, n,
			     "bad glob '%s': character classes like [:alpha:] are not supported; "
			     "write the bytes or a range, e.g. [a-zA-Z]",
			     glob);
			return 0;
		}
		if (glob[j] == '/') {
			fail(c, n, "bad glob '%s': a '/' inside [...] never matches a path", glob);
			return 0;
		}
	}
	if (!glob[j]) {
		fail(c, n,
		     "bad glob '%s': '[' at offset %zu is never closed; write \\[ for a "
		     "literal '['",
		     glob, i);
		return 0;
	}
	return j;
}

/* Validates an absolute path glob; a final "**" component is cut off and sets
 * *recursive. */
static int parse_glob(struct parse_ctx *c, const yaml_node_t *n, const char *where, char *out,
		      bool *recursive)
{
	const char *s = scalar_text(c, n, where);
	if (!s)
		return -1;
	size_t len = strlen(s);
	if (len == 0)
		return fail(c, n, "bad glob in %s: it is empty", where);
	if (len >= POLICY_PATH_MAX)
		return fail(c, n, "bad glob in %s: longer than %d bytes", where,
			    POLICY_PATH_MAX - 1);
	if (s[0] != '/')
		return fail(c, n, "bad glob '%s' in %s: paths must be absolute (start with '/')", s,
			    where);
	*recursive = len >= 3 && strcmp(s + len - 3, "/**") == 0;
	size_t body = *recursive ? len - 3 : len;
	for (size_t i = 0; i < body; i++) {
		if (s[i] == '\\' && i + 1 == body)
			return fail(c, n, "bad glob '%s': it ends with a lone '\\'", s);
		if (s[i] == '\\') {
			i++;
			continue;
		}
		if (s[i] == '*' && s[i + 1] == '*')
			return fail(c, n,
				    "bad glob '%s': '**' is only allowed as a final \"/**\" "
				    "(everything below)",
				    s);
		if (s[i] == '/' && s[i + 1] == '/')
			return fail(c, n, "bad glob '%s': empty path component '//'", s);
		if (s[i] == '/' && s[i + 1] == '.' &&
		    (s[i + 2] == '/' || s[i + 2] == '\0' ||
		     (s[i + 2] == '.' && (s[i + 3] == '/' || s[i + 3] == '\0'))))
			return fail(c, n,
				    "bad glob '%s': '.' and '..' components never match a "
				    "resolved path",
				    s);
		if (s[i] == '[' && !(i = check_bracket(c, n, s, i)))
			return -1;
	}
	if (body > 1 && s[body - 1] == '/')
		return fail(c, n, "bad glob '%s': trailing '/'; write \"%.*s/*\" or \"%.*s/**\"", s,
			    (int)body - 1, s, (int)body - 1, s);
	memcpy(out, s, body);
	out[body] = '\0';
	/* what the kernel's matcher will run must compile too (src/policy_glob.c) */
	struct pol_glob compiled;
	char why[POLICY_PATH_MAX + 128];
	if (policy_glob_compile(out, *recursive, &compiled, why, sizeof(why)))
		return fail(c, n, "%s", why);
	return 0;
}

/* ---- files and exec ----------------------------------------------------- */

static int parse_file_list(struct parse_ctx *c, const yaml_node_t *list, const char *key,
			   uint32_t access)
{
	struct policy *p = c->p;
	char where[32];
	snprintf(where, sizeof(where), "files.%s", key);
	if (expect_type(c, list, YAML_SEQUENCE_NODE, where))
		return -1;
	for (yaml_node_item_t *it = list->data.sequence.items.start;
	     it < list->data.sequence.items.top; it++) {
		yaml_node_t *item = node_at(c, *it);
		if (p->files.nrules == POLICY_MAX_FILE_RULES)
			return fail(c, item, "too many file rules (at most %d)",
				    POLICY_MAX_FILE_RULES);
		struct policy_file_rule *r = &p->files.rules[p->files.nrules];
		if (parse_glob(c, item, where, r->glob, &r->recursive))
			return -1;
		r->access = access;
		r->literal_len = literal_length(r->glob);
		r->origin = origin_of(item);
		p->files.nrules++;
	}
	return 0;
}

static const struct {
	const char *key;
	uint32_t access;
} file_modes[] = {
    {"r", POLICY_FILE_READ},
    {"rw", POLICY_FILE_READ | POLICY_FILE_WRITE},
    {"exec", POLICY_FILE_READ | POLICY_FILE_EXEC | POLICY_FILE_MAP_EXEC},
    {"map_exec", POLICY_FILE_READ | POLICY_FILE_MAP_EXEC},
};

const char *file_mode_name(uint32_t access)
{
	for (size_t i = 0; i < sizeof(file_modes) / sizeof(file_modes[0]); i++) {
		if (file_modes[i].access == access)
			return file_modes[i].key;
	}
	return access ? "?" : "none";
}

static int parse_files(struct parse_ctx *c, const yaml_node_t *files)
{
	static const char *const keys[] = {"default", "r", "rw", "exec", "map_exec", NULL};
	static const char *const defaults[] = {"none", "r", "rw", NULL};
	static const uint32_t default_access[] = {0, POLICY_FILE_READ,
						  POLICY_FILE_READ | POLICY_FILE_WRITE};
	struct policy *p = c->p;
	if (expect_type(c, files, YAML_MAPPING_NODE, "\"files\"") ||
	    check_keys(c, files, keys, "\"files\""))
		return -1;
	p->files.present = true;
	yaml_node_t *def = map_get(c, files, "default");
	if (!def)
		return fail(c, files, "\"files\" needs a \"default\": \"none\", \"r\" or \"rw\"");
	int d = parse_choice(c, def, defaults, "files.default");
	if (d < 0)
		return -1;
	p->files.def_access = default_access[d];
	p->files.def_origin = origin_of(def);
	/* rules are numbered in the order of the file, whatever the key */
	for (yaml_node_pair_t *a = files->data.mapping.pairs.start;
	     a < files->data.mapping.pairs.top; a++) {
		const char *key = (const char *)node_at(c, a->key)->data.scalar.value;
		for (size_t i = 0; i < sizeof(file_modes) / sizeof(file_modes[0]); i++) {
			if (strcmp(key, file_modes[i].key) == 0 &&
			    parse_file_list(c, node_at(c, a->value), key, file_modes[i].access))
				return -1;
		}
	}
	return 0;
}

static int parse_exec(struct parse_ctx *c, const yaml_node_t *exec)
{
	static const char *const keys[] = {"default", "allow", NULL};
	static const char *const defaults[] = {"allow", "deny", NULL};
	struct policy *p = c->p;
	if (expect_type(c, exec, YAML_MAPPING_NODE, "\"exec\"") ||
	    check_keys(c, exec, keys, "\"exec\""))
		return -1;
	p->exec.present = true;
	p->exec.def = POLICY_DENY;
	p->exec.def_origin = origin_of(exec);
	yaml_node_t *def = map_get(c, exec, "default");
	if (def) {
		int d = parse_choice(c, def, defaults, "exec.default");
		if (d < 0)
			return -1;
		p->exec.def = d ? POLICY_DENY : POLICY_ALLOW;
		p->exec.def_origin = origin_of(def);
	}
	yaml_node_t *list = map_get(c, exec, "allow");
	if (!list)
		return 0;
	if (expect_type(c, list, YAML_SEQUENCE_NODE, "exec.allow"))
		return -1;
	for (yaml_node_item_t *it = list->data.sequence.items.start;
	     it < list->data.sequence.items.top; it++) {
		yaml_node_t *item = node_at(c, *it);
		if (p->exec.nrules == POLICY_MAX_EXEC_RULES)
			return fail(c, item, "too many exec rules (at most %d)",
				    POLICY_MAX_EXEC_RULES);
		struct policy_exec_rule *r = &p->exec.rules[p->exec.nrules];
		bool recursive;
		if (parse_glob(c, item, "exec.allow", r->glob, &recursive))
			return -1;
		if (recursive)
			return fail(c, item,
				    "bad glob in exec.allow: \"/**\" is for files; list binaries "
				    "(a '*' is fine)");
		r->literal_len = literal_length(r->glob);
		r->origin = origin_of(item);
		p->exec.nrules++;
	}
	return 0;
}

/* ---- target and the top level ------------------------------------------- */

static int parse_target(struct parse_ctx *c, const yaml_node_t *root)
{
	static const char *const keys[] = {"cgroup", "executable", NULL};
	struct policy *p = c->p;
	yaml_node_t *t = map_get(c, root, "target");
	if (!t)
		return fail(c, root,
			    "empty selector: the policy has no \"target\"; add "
			    "\"target\": {\"cgroup\": \"PATH\"}");
	if (expect_type(c, t, YAML_MAPPING_NODE, "\"target\"") ||
	    check_keys(c, t, keys, "\"target\""))
		return -1;
	p->target_origin = origin_of(t);
	yaml_node_t *cg = map_get(c, t, "cgroup");
	if (!cg)
		return fail(c, t,
			    "empty selector: \"target\" has no \"cgroup\"; add \"cgroup\": "
			    "\"PATH\" (a cgroup v2 directory)");
	const char *s = scalar_text(c, cg, "target.cgroup");
	if (!s)
		return -1;
	if (!*s)
		return fail(c, cg,
			    "empty selector: target.cgroup is empty; give a cgroup v2 "
			    "directory");
	if (strlen(s) >= POLICY_PATH_MAX)
		return fail(c, cg, "target.cgroup is longer than %d bytes", POLICY_PATH_MAX - 1);
	strcpy(p->cgroup, s);
	yaml_node_t *ex = map_get(c, t, "executable");
	if (!ex)
		return 0;
	if (!(s = scalar_text(c, ex, "target.executable")))
		return -1;
	if (s[0] != '/' || strlen(s) >= POLICY_PATH_MAX || strcspn(s, "*?[") != strlen(s))
		return fail(c, ex,
			    "target.executable '%s' must be an absolute path without wildcards "
			    "(shorter than %d bytes)",
			    s, POLICY_PATH_MAX);
	strcpy(p->executable, s);
	return 0;
}

static int parse_root(struct parse_ctx *c, const yaml_node_t *root)
{
	static const char *const keys[] = {"version", "mode", "target", "network",
					   "files",   "exec", NULL};
	static const char *const modes[] = {"enforce", "monitor", NULL};
	static const char *const versions[] = {"1", NULL};
	if (expect_type(c, root, YAML_MAPPING_NODE, "the policy") ||
	    check_keys(c, root, keys, "the policy"))
		return -1;
	yaml_node_t *n;
	if ((n = map_get(c, root, "version")) && parse_choice(c, n, versions, "version") < 0)
		return -1;
	c->p->mode = POLICY_ENFORCE;
	c->p->mode_origin = origin_of(root);
	if ((n = map_get(c, root, "mode"))) {
		int m = parse_choice(c, n, modes, "mode");
		if (m < 0)
			return -1;
		c->p->mode = m ? POLICY_MONITOR : POLICY_ENFORCE;
		c->p->mode_origin = origin_of(n);
	}
	if (parse_target(c, root))
		return -1;
	if ((n = map_get(c, root, "network")) && parse_network(c, n))
		return -1;
	if ((n = map_get(c, root, "files")) && parse_files(c, n))
		return -1;
	if ((n = map_get(c, root, "exec")) && parse_exec(c, n))
		return -1;
	return 0;
}

/* ---- libyaml ------------------------------------------------------------ */

/* Line and column (1-based) of a byte offset, for reader errors. */
static void offset_position(const char *text, size_t len, size_t offset, size_t *line,
			    size_t *column)
{
	*line = 1;
	*column = 1;
	for (size_t i = 0; i < offset && i < len; i++) {
		if (text[i] == '\n') {
			(*line)++;
			*column = 1;
		} else {
			(*column)++;
		}
	}
}

static int syntax_error(struct parse_ctx *c, const yaml_parser_t *y, const char *text, size_t len)
{
	const char *problem = y->problem ? y->problem : "cannot parse";
	if (y->error == YAML_MEMORY_ERROR) {
		snprintf(c->err, c->errlen, "%s: out of memory", c->source);
		return -1;
	}
	if (y->error == YAML_READER_ERROR) {
		size_t line, column;
		offset_position(text, len, y->problem_offset, &line, &column);
		return fail_at(c, line, column, "not valid text: %s", problem);
	}
	if (y->context)
		return fail_at(c, y->problem_mark.line + 1, y->problem_mark.column + 1,
			       "syntax error: %s %s (from line %zu, column %zu)", problem,
			       y->context, y->context_mark.line + 1, y->context_mark.column + 1);
	return fail_at(c, y->problem_mark.line + 1, y->problem_mark.column + 1, "syntax error: %s",
		       problem);
}

/* Loads the one document of the text; a second document is an error. */
static int load_document(struct parse_ctx *c, yaml_parser_t *y, yaml_document_t *doc,
			 const char *text, size_t len)
{
	if (!yaml_parser_load(y, doc))
		return syntax_error(c, y, text, len);
	if (!yaml_document_get_root_node(doc)) {
		yaml_document_delete(doc);
		return fail_at(c, 1, 1, "the policy is empty; see docs/policy.md");
	}
	yaml_document_t next;
	if (!yaml_parser_load(y, &next)) {
		yaml_document_delete(doc);
		return syntax_error(c, y, text, len);
	}
	yaml_node_t *extra = yaml_document_get_root_node(&next);
	int rc = 0;
	if (extra) {
		rc = fail(c, extra, "a second document; a policy file holds one");
		yaml_document_delete(doc);
	}
	yaml_document_delete(&next);
	return rc;
}

int policy_parse(const char *text, size_t len, const char *source, struct policy **out, char *err,
		 size_t errlen)
{
	struct parse_ctx c = {.source = source, .err = err, .errlen = errlen};
	if (len > POLICY_MAX_FILE_BYTES)
		return fail_at(&c, 1, 1, "the policy is larger than %d bytes",
			       POLICY_MAX_FILE_BYTES);
	yaml_parser_t y;
	yaml_document_t doc;
	if (!yaml_parser_initialize(&y)) {
		snprintf(err, errlen, "%s: out of memory", source);
		return -1;
	}
	yaml_parser_set_input_string(&y, (const unsigned char *)text, len);
	int rc = load_document(&c, &y, &doc, text, len);
	yaml_parser_delete(&y);
	if (rc)
		return -1;
	c.doc = &doc;
	c.p = calloc(1, sizeof(*c.p));
	if (!c.p) {
		snprintf(err, errlen, "%s: out of memory", source);
		rc = -1;
	} else {
		snprintf(c.p->source, sizeof(c.p->source), "%s", source);
		rc = parse_root(&c, yaml_document_get_root_node(&doc));
	}
	yaml_document_delete(&doc);
	if (rc) {
		free(c.p);
		return -1;
	}
	*out = c.p;
	return 0;
}

int policy_load_file(const char *path, struct policy **out, char *err, size_t errlen)
{
	FILE *f = fopen(path, "rb");
	if (!f) {
		snprintf(err, errlen, "%s: cannot open: %s", path, strerror(errno));
		return -1;
	}
	char *text = malloc(POLICY_MAX_FILE_BYTES + 1);
	size_t len = text ? fread(text, 1, POLICY_MAX_FILE_BYTES + 1, f) : 0;
	int rc = -1;
	if (!text)
		snprintf(err, errlen, "%s: out of memory", path);
	else if (ferror(f))
		snprintf(err, errlen, "%s: cannot read: %s", path, strerror(errno));
	else
		rc = policy_parse(text, len, path, out, err, errlen);
	free(text);
	fclose(f);
	return rc;
}

void policy_free(struct policy *p)
{
	free(p);
}
