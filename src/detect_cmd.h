/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* detect_cmd.h: the `sabpf detect` command (docs/detection.md):
 *
 *   sabpf detect train -o MODEL [PARAMETERS] CAPTURE.raw...
 *   sabpf detect watch --model MODEL [--stds N] [--threshold mean|max] [--tests LIST]
 *                      [--novelty-floor F] [--dot FILE] CAPTURE.raw|-
 *
 * train builds a model of normal behaviour from benign raw captures (one
 * training graph per container of each capture); watch replays a capture,
 * scores each container's graph against the model as it grows, and prints
 * alerts and a verdict per container as JSON lines; "-" reads the raw
 * stream from standard input as it comes (`sabpf audit -o raw:- | ...`);
 * --dot draws where the nodes the alerts named came from (lineage.h). */
#ifndef SABPF_DETECT_CMD_H
#define SABPF_DETECT_CMD_H

#include "cmd.h"

int cmd_detect(int argc, char **argv);
/* Its verbs: train, watch. */
extern const struct cmd detect_cmds[];

#endif /* SABPF_DETECT_CMD_H */
