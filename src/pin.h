/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* pin.h: an agent that outlives itself (`sabpf audit --pin DIR`). The
 * kernel side's maps (ring buffer, scope, per-CPU sequence numbers, loss
 * counts, state) and its links are pinned under DIR: while no agent runs
 * the programs stay attached and keep recording into the ring, and the next
 * agent given the same DIR reuses them without loading or attaching
 * anything, drains what accumulated, and carries on the per-CPU sequence
 * accounting from a small pinned map of its own (DIR/restart). See
 * docs/operations.md, "Restarts". */
#ifndef SABPF_PIN_H
#define SABPF_PIN_H

#include <stdbool.h>
#include <stddef.h>

#include <bpf/libbpf.h>

#include "output.h"

struct pin;

/* Between open and load of obj: makes DIR (on a bpf filesystem), and gives
 * every map the programs share with agents to come its pin path. If DIR
 * holds a complete kernel side of the same build (elf) and the same
 * settings, this is a resume: no program is loaded (the pinned links keep
 * theirs). A kernel side of another build or other settings is refused
 * with a message saying how to go on; an incomplete one (an agent killed
 * while starting) is removed. Returns 0 with *out, or -1 with err. */
int pin_prepare(const char *dir, struct bpf_object *obj, const void *elf, size_t elf_size,
		const char *settings, struct pin **out, char *err, size_t errlen);
/* True when pin_prepare() found a kernel side to take over. */
bool pin_resumed(const struct pin *p);
/* After a fresh attach: pins every link of the skeleton under DIR/links,
 * then marks DIR complete. Returns 0, or -1 with err. */
int pin_links(struct pin *p, struct bpf_object_skeleton *s, char *err, size_t errlen);
/* The run of the pinned kernel side: when its programs were loaded (ns
 * of the wall clock), the same for every agent that takes it over, so a
 * consumer sees one unbroken sequence per CPU across restarts (the Kafka
 * header sabpf.run). 0 if not known (NULL, or a DIR of an older agent). */
__u64 pin_run(const struct pin *p);
/* The pipeline's per-CPU sequence accounting (highest number seen,
 * records received): saved into DIR/restart, or, on resume, loaded from
 * it into a fresh pipeline. Return 0, or -1. */
int pin_save_seq(struct pin *p, const struct sabpf_pipeline *pl);
int pin_load_seq(struct pin *p, struct sabpf_pipeline *pl);
/* Removes the link pins (the programs detach once the agent's own
 * descriptors are closed too), then, with maps_too, every other pin and
 * DIR itself. */
void pin_remove(struct pin *p, bool maps_too);
void pin_free(struct pin *p);

#endif
