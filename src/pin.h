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
 * theirs). One of another build, same settings, record format and map
 * layouts is an upgrade (pin_upgrading: the maps are reused, obj's
 * programs loaded); one of other settings or an incompatible build is
 * refused with a message saying how to go on; an incomplete one (an agent
 * killed while starting) is removed; a half-done upgrade is settled first.
 * Returns 0 with *out, or -1 with err. */
int pin_prepare(const char *dir, struct bpf_object *obj, const void *elf, size_t elf_size,
		const char *settings, struct pin **out, char *err, size_t errlen);
/* True when pin_prepare() found a kernel side of this build to take over
 * (nothing to load or attach). */
bool pin_resumed(const struct pin *p);
/* True when pin_prepare() found a kernel side of another build that this
 * one can take over in place: its maps are reused, this build's programs
 * are loaded and attached beside the old ones (they record only once
 * build_map names this build), then pin_upgrade_commit() hands over. */
bool pin_upgrading(const struct pin *p);
/* pin_resumed() or pin_upgrading(): the maps hold a run to go on with
 * (loss counts, sequence accounting). */
bool pin_took_over(const struct pin *p);
/* The build of this agent's BPF object (a hash of its ELF bytes): the tag
 * its programs are told before load (build_tag) and that build_map must
 * hold for them to record. pin_build_of() computes it without a DIR. */
__u64 pin_build(const struct pin *p);
__u64 pin_build_of(const void *elf, size_t elf_size);
/* The hand-over of an upgrade, once this build's programs are attached and
 * its program arrays filled: pins its links in DIR/links-next and program
 * arrays in DIR/maps-next, makes its build the active one in build_map (one
 * update: from then on the new programs record, the old ones return at
 * once), removes the old links and moves the new pins into place.
 * Returns 0, or -1 with err (before the update: the old programs still
 * record; pin_upgrade_abort() removes what this agent pinned). */
int pin_upgrade_commit(struct pin *p, struct bpf_object_skeleton *s, struct bpf_object *obj,
		       char *err, size_t errlen);
void pin_upgrade_abort(struct pin *p);
/* The build this agent took the side over from (0: no upgrade). */
__u64 pin_upgraded_from(const struct pin *p);
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
