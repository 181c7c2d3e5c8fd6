/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* denial.h: the text of a denial record (struct sabpf_denial): operation
 * and rule names, and the JSON line that `sabpf policy log` and the jsonl
 * output write for it. */
#ifndef SABPF_DENIAL_H
#define SABPF_DENIAL_H

#include <linux/types.h>
#include <stddef.h>

#include "json_write.h"
#include "sabpf_record.h"

/* "connect", "file_open", ...; NULL if unknown. */
const char *denial_operation_name(__u32 op);

/* The rule of a rule id as the policy file names it: "network.egress[2]",
 * "files.default", "exec.allow[0]", ... */
void denial_rule_name(__u32 rule_id, char *buf, size_t len);

/* The members of a denial after "time" and "container", written into the
 * object w has open ("action", "operation", ...). */
void denial_json_fields(struct jw *w, const struct sabpf_denial *d, const char *path,
			size_t path_len);

#endif
