/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* policy_print.c: describing and printing a parsed policy (policy.h): the
 * text and JSON forms, and the description of one rule. */
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
/* ---- describing and printing -------------------------------------------- */

static const char *class_key(enum policy_class cls)
{
	switch (cls) {
	case POLICY_CLASS_EGRESS:
		return "network.egress";
	case POLICY_CLASS_BIND:
		return "network.bind";
	case POLICY_CLASS_FAMILY:
		return "network.families";
	case POLICY_CLASS_FILE:
		return "files";
	case POLICY_CLASS_EXEC:
		return "exec";
	}
	return "?";
}

/* The origin of a rule id, and whether the rule exists. */
static bool rule_origin(const struct policy *p, uint32_t id, struct policy_origin *o, bool *present)
{
	uint32_t i = POLICY_RULE_INDEX(id);
	bool def = i == POLICY_DEFAULT_INDEX;
	switch (POLICY_RULE_CLASS(id)) {
	case POLICY_CLASS_EGRESS:
	case POLICY_CLASS_BIND: {
		bool egress = POLICY_RULE_CLASS(id) == POLICY_CLASS_EGRESS;
		uint32_t n = egress ? p->net.negress : p->net.nbind;
		*present = p->net.present;
		*o = def ? p->net.def_origin
			 : (i < n ? (egress ? p->net.egress : p->net.bind)[i].origin : *o);
		return def || i < n;
	}
	case POLICY_CLASS_FAMILY:
		*present = p->net.present && p->net.families_listed;
		*o = def ? p->net.families_origin
			 : (i < p->net.nfamilies ? p->net.families[i].origin : *o);
		return def || i < p->net.nfamilies;
	case POLICY_CLASS_FILE:
		*present = p->files.present;
		*o = def ? p->files.def_origin
			 : (i < p->files.nrules ? p->files.rules[i].origin : *o);
		return def || i < p->files.nrules;
	case POLICY_CLASS_EXEC:
		*present = p->exec.present;
		*o = def ? p->exec.def_origin : (i < p->exec.nrules ? p->exec.rules[i].origin : *o);
		return def || i < p->exec.nrules;
	}
	return false;
}

void policy_rule_describe(const struct policy *p, uint32_t rule_id, char *buf, size_t len)
{
	struct policy_origin o = {0, 0};
	bool present = false;
	enum policy_class cls = POLICY_RULE_CLASS(rule_id);
	uint32_t i = POLICY_RULE_INDEX(rule_id);
	if (i == POLICY_UNRESOLVED_INDEX &&
	    (cls == POLICY_CLASS_FILE || cls == POLICY_CLASS_EXEC)) {
		snprintf(buf, len, "%s.unresolved (the path could not be resolved whole: denied)",
			 class_key(cls));
		return;
	}
	if (i == POLICY_UNHOOKED_INDEX && cls == POLICY_CLASS_EGRESS) {
		snprintf(buf, len,
			 "network.unhooked (a socket no cgroup hook sees, refused under "
			 "network.default deny by the trace backend)");
		return;
	}
	if (!rule_origin(p, rule_id, &o, &present)) {
		snprintf(buf, len, "unknown rule 0x%08x", rule_id);
		return;
	}
	if (!present)
		snprintf(buf, len, "%s unrestricted (no such section in %s)", class_key(cls),
			 p->source);
	else if (i == POLICY_DEFAULT_INDEX && cls == POLICY_CLASS_FAMILY)
		snprintf(buf, len, "%s:%u:%u network.families (not listed)", p->source, o.line,
			 o.column);
	else if (i == POLICY_DEFAULT_INDEX)
		snprintf(buf, len, "%s:%u:%u %s.default", p->source, o.line, o.column,
			 cls == POLICY_CLASS_EGRESS || cls == POLICY_CLASS_BIND ? "network"
										: class_key(cls));
	else
		snprintf(buf, len, "%s:%u:%u %s[%u]", p->source, o.line, o.column, class_key(cls),
			 i);
}

static void format_ports(const struct policy_net_rule *r, char *buf, size_t len)
{
	if (r->port_lo == 0 && r->port_hi == 65535)
		snprintf(buf, len, "any");
	else if (r->port_lo == r->port_hi)
		snprintf(buf, len, "%u", r->port_lo);
	else
		snprintf(buf, len, "%u-%u", r->port_lo, r->port_hi);
}

static void format_address(const struct policy_net_rule *r, char *buf, size_t len)
{
	char text[INET6_ADDRSTRLEN] = "?";
	if (r->family == 0) {
		snprintf(buf, len, "any");
		return;
	}
	inet_ntop(r->family, r->addr, text, sizeof(text));
	snprintf(buf, len, "%s/%u", text, r->prefix_len);
}

static void print_net_rules_text(FILE *out, const char *name, const struct policy_net_rule *rules,
				 uint32_t n, enum policy_class cls)
{
	if (n == 0)
		fprintf(out, "  %s: no rules\n", name);
	for (uint32_t i = 0; i < n; i++) {
		char ports[16], addr[64];
		format_ports(&rules[i], ports, sizeof(ports));
		format_address(&rules[i], addr, sizeof(addr));
		fprintf(out, "  %s[%u] id 0x%08x  ports %-11s address %-24s line %u:%u\n", name, i,
			POLICY_RULE_ID(cls, i), ports, addr, rules[i].origin.line,
			rules[i].origin.column);
	}
}

void policy_print_text(const struct policy *p, FILE *out)
{
	fprintf(out, "policy %s\n", p->source);
	fprintf(out, "mode: %s\n", p->mode == POLICY_MONITOR ? "monitor" : "enforce");
	fprintf(out, "target: cgroup %s, executable %s\n", p->cgroup,
		p->executable[0] ? p->executable : "(any)");
	if (!p->net.present) {
		fprintf(out, "network: unrestricted\n");
	} else {
		fprintf(out, "network: default %s\n", p->net.def == POLICY_DENY ? "deny" : "allow");
		print_net_rules_text(out, "egress", p->net.egress, p->net.negress,
				     POLICY_CLASS_EGRESS);
		print_net_rules_text(out, "bind", p->net.bind, p->net.nbind, POLICY_CLASS_BIND);
		if (!p->net.families_listed)
			fprintf(out, "  families: any\n");
		for (uint32_t i = 0; i < p->net.nfamilies; i++)
			fprintf(out, "  families[%u] id 0x%08x  %s\n", i,
				POLICY_RULE_ID(POLICY_CLASS_FAMILY, i),
				family_name(p->net.families[i].family));
	}
	if (!p->files.present) {
		fprintf(out, "files: unrestricted\n");
	} else {
		fprintf(out, "files: default %s\n", file_mode_name(p->files.def_access));
		for (uint32_t i = 0; i < p->files.nrules; i++) {
			const struct policy_file_rule *r = &p->files.rules[i];
			fprintf(out, "  files[%u] id 0x%08x  %-8s %s%s  line %u:%u\n", i,
				POLICY_RULE_ID(POLICY_CLASS_FILE, i), file_mode_name(r->access),
				r->glob, r->recursive ? "/**" : "", r->origin.line,
				r->origin.column);
		}
	}
	if (!p->exec.present) {
		fprintf(out, "exec: unrestricted\n");
	} else {
		fprintf(out, "exec: default %s\n", p->exec.def == POLICY_DENY ? "deny" : "allow");
		for (uint32_t i = 0; i < p->exec.nrules; i++)
			fprintf(out, "  exec[%u] id 0x%08x  %s  line %u:%u\n", i,
				POLICY_RULE_ID(POLICY_CLASS_EXEC, i), p->exec.rules[i].glob,
				p->exec.rules[i].origin.line, p->exec.rules[i].origin.column);
	}
}

static void json_origin(struct jw *w, uint32_t id, struct policy_origin o)
{
	jw_key_u64(w, "id", id);
	jw_key_u64(w, "line", o.line);
	jw_key_u64(w, "column", o.column);
}

static void json_net_rules(struct jw *w, const struct policy_net_rule *rules, uint32_t n,
			   enum policy_class cls)
{
	jw_array_begin(w);
	for (uint32_t i = 0; i < n; i++) {
		char addr[64];
		format_address(&rules[i], addr, sizeof(addr));
		jw_object_begin(w);
		json_origin(w, POLICY_RULE_ID(cls, i), rules[i].origin);
		jw_key_u64(w, "port_lo", rules[i].port_lo);
		jw_key_u64(w, "port_hi", rules[i].port_hi);
		jw_key_cstr(w, "address", addr);
		jw_key_u64(w, "source_rule", rules[i].source_rule);
		jw_object_end(w);
	}
	jw_array_end(w);
}

static void json_network(struct jw *w, const struct policy *p)
{
	if (!p->net.present) {
		jw_null(w);
		return;
	}
	jw_object_begin(w);
	jw_key_cstr(w, "default", p->net.def == POLICY_DENY ? "deny" : "allow");
	jw_key(w, "egress");
	json_net_rules(w, p->net.egress, p->net.negress, POLICY_CLASS_EGRESS);
	jw_key(w, "bind");
	json_net_rules(w, p->net.bind, p->net.nbind, POLICY_CLASS_BIND);
	jw_key(w, "families");
	if (!p->net.families_listed) {
		jw_null(w);
	} else {
		jw_array_begin(w);
		for (uint32_t i = 0; i < p->net.nfamilies; i++) {
			jw_object_begin(w);
			json_origin(w, POLICY_RULE_ID(POLICY_CLASS_FAMILY, i),
				    p->net.families[i].origin);
			jw_key_cstr(w, "family", family_name(p->net.families[i].family));
			jw_object_end(w);
		}
		jw_array_end(w);
	}
	jw_object_end(w);
}

static void json_files(struct jw *w, const struct policy *p)
{
	if (!p->files.present) {
		jw_null(w);
		return;
	}
	jw_object_begin(w);
	jw_key_cstr(w, "default", file_mode_name(p->files.def_access));
	jw_key(w, "rules");
	jw_array_begin(w);
	for (uint32_t i = 0; i < p->files.nrules; i++) {
		const struct policy_file_rule *r = &p->files.rules[i];
		jw_object_begin(w);
		json_origin(w, POLICY_RULE_ID(POLICY_CLASS_FILE, i), r->origin);
		jw_key_cstr(w, "mode", file_mode_name(r->access));
		jw_key_cstr(w, "glob", r->glob);
		jw_key_bool(w, "recursive", r->recursive);
		jw_object_end(w);
	}
	jw_array_end(w);
	jw_object_end(w);
}

static void json_exec(struct jw *w, const struct policy *p)
{
	if (!p->exec.present) {
		jw_null(w);
		return;
	}
	jw_object_begin(w);
	jw_key_cstr(w, "default", p->exec.def == POLICY_DENY ? "deny" : "allow");
	jw_key(w, "allow");
	jw_array_begin(w);
	for (uint32_t i = 0; i < p->exec.nrules; i++) {
		jw_object_begin(w);
		json_origin(w, POLICY_RULE_ID(POLICY_CLASS_EXEC, i), p->exec.rules[i].origin);
		jw_key_cstr(w, "glob", p->exec.rules[i].glob);
		jw_object_end(w);
	}
	jw_array_end(w);
	jw_object_end(w);
}

void policy_print_json(const struct policy *p, FILE *out)
{
	struct jbuf b;
	struct jw w;
	jbuf_init(&b);
	jw_init(&w, &b);
	jw_object_begin(&w);
	jw_key_cstr(&w, "source", p->source);
	jw_key_cstr(&w, "mode", p->mode == POLICY_MONITOR ? "monitor" : "enforce");
	jw_key(&w, "target");
	jw_object_begin(&w);
	jw_key_cstr(&w, "cgroup", p->cgroup);
	jw_key_cstr_or_null(&w, "executable", p->executable[0] ? p->executable : NULL);
	jw_object_end(&w);
	jw_key(&w, "network");
	json_network(&w, p);
	jw_key(&w, "files");
	json_files(&w, p);
	jw_key(&w, "exec");
	json_exec(&w, p);
	jw_object_end(&w);
	jw_newline(&w);
	if (jw_check(&w))
		fprintf(stderr, "sabpf: out of memory printing the policy\n");
	else
		fwrite(b.data, 1, b.len, out);
	jbuf_free(&b);
}
