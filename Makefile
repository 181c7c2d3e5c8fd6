# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
# Makefile: builds the BPF programs, their skeleton and the one `sabpf`
# binary, the unit tests (under ASan and UBSan), and runs every test.
#
#   make            build build/sabpf
#   make test       unit tests, then the integration tests (VM or native)
#   make unit       unit tests only
#   make bench      the native benchmark: trace backend vs auditd, docs/performance.md (bench/README.md),
#                   then the 5-minute soak test of one node's pipeline (bench/soak.sh, docs/operations.md)
#   make eval       the detector's evaluation (docs/detection.md)
#   make format     clang-format every C file
#   make format-check  fail on any C file clang-format would change
#
# Every src/*.c goes into the agent; every tests/unit/test_*.c is one test
# program linked against src/ (less main.c) built with sanitizers. Every
# object, BPF included, writes a dependency file (-MMD) next to it, so that
# editing any header rebuilds exactly what includes it.

CC      ?= gcc
CLANG   ?= clang
BPFTOOL ?= bpftool
BUILD   := build

CFLAGS_COMMON := -std=gnu11 -Wall -Wextra -Werror -O2 -g -Iinclude -I$(BUILD) -Isrc \
                 -D_GNU_SOURCE
CFLAGS   ?=
# The agent is linked dynamically: librdkafka and libmicrohttpd have no complete
# static chain in Debian (gnutls needs p11-kit, which ships no .a). The VM image
# copies the libraries ldd names (tests/vm/initramfs.sh).
LDLIBS_AGENT := -lbpf -lrdkafka -lelf -lz -lzstd -lyaml -lsodium -lmicrohttpd -lpthread -lm
SAN_FLAGS := -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer
VMLINUX_BTF ?= /sys/kernel/btf/vmlinux

BPF_MAIN    := bpf/sabpf.bpf.c
BPF_CFLAGS  := -g -O2 -target bpf -D__TARGET_ARCH_x86 -Wall -Werror -Iinclude -I$(BUILD) -Ibpf
DEPFLAGS     = -MMD -MP -MT $@ -MF $@.d
SRC         := $(wildcard src/*.c)
SRC_LIB     := $(filter-out src/main.c,$(SRC))
OBJ         := $(patsubst src/%.c,$(BUILD)/obj/%.o,$(SRC))
OBJ_SAN     := $(patsubst src/%.c,$(BUILD)/san/%.o,$(SRC_LIB))
UNIT_TESTS  := $(patsubst tests/unit/%.c,$(BUILD)/tests/%,$(wildcard tests/unit/test_*.c))
VM_PROGS    := $(patsubst tests/vm/progs/%.c,$(BUILD)/progs/%,$(wildcard tests/vm/progs/*.c))
# BPF objects for `sabpf load` tests: the example tenant program and bad ones
TENANT_OBJS := $(patsubst examples/tenant/%.bpf.c,$(BUILD)/progs/%.bpf.o,$(wildcard examples/tenant/*.bpf.c)) \
               $(patsubst tests/vm/bpf/%.bpf.c,$(BUILD)/progs/%.bpf.o,$(wildcard tests/vm/bpf/*.bpf.c))
# Generated headers every user-space object may include: made before any
# compile (the dependency files name the rest once they exist).
GEN_HEADERS := $(BUILD)/sabpf.skel.h $(BUILD)/policy.skel.h $(BUILD)/trace.skel.h
# Test tools run on the host: a Kafka mock cluster (librdkafka's) in its own process
HOST_TOOLS  := $(BUILD)/tools/kafka-mock

.PHONY: all unit test test-vm bench eval docs format format-check clean variants
all: $(BUILD)/sabpf $(VM_PROGS) $(TENANT_OBJS) $(HOST_TOOLS)

$(BUILD)/vmlinux.h: | $(BUILD)
	@test -r $(VMLINUX_BTF) || { echo "make: $(VMLINUX_BTF) not readable: the build needs a kernel with BTF (CONFIG_DEBUG_INFO_BTF=y), or VMLINUX_BTF=path/to/vmlinux" >&2; exit 1; }
	$(BPFTOOL) btf dump file $(VMLINUX_BTF) format c > $@.tmp && mv $@.tmp $@

$(BUILD)/sabpf.bpf.o: $(BPF_MAIN) $(BUILD)/vmlinux.h
	$(CLANG) $(BPF_CFLAGS) $(DEPFLAGS) -c $(BPF_MAIN) -o $@.tmp
	$(BPFTOOL) gen object $@.linked $@.tmp && rm -f $@.tmp && mv $@.linked $@

# The enforcement programs: a second object, pinned apart (bpf/policy.bpf.c).
$(BUILD)/policy.bpf.o: bpf/policy.bpf.c $(BUILD)/vmlinux.h
	$(CLANG) $(BPF_CFLAGS) $(DEPFLAGS) -c bpf/policy.bpf.c -o $@.tmp
	$(BPFTOOL) gen object $@.linked $@.tmp && rm -f $@.tmp && mv $@.linked $@

# The trace backend's programs (tracepoints only, for hosts without BPF LSM):
# a third object (bpf/trace.bpf.c, which includes bpf/trace/*).
$(BUILD)/trace.bpf.o: bpf/trace.bpf.c $(BUILD)/vmlinux.h
	$(CLANG) $(BPF_CFLAGS) $(DEPFLAGS) -c bpf/trace.bpf.c -o $@.tmp
	$(BPFTOOL) gen object $@.linked $@.tmp && rm -f $@.tmp && mv $@.linked $@

$(BUILD)/trace.skel.h: $(BUILD)/trace.bpf.o
	$(BPFTOOL) gen skeleton $< name trace_bpf > $@.tmp && mv $@.tmp $@

$(BUILD)/policy.skel.h: $(BUILD)/policy.bpf.o
	$(BPFTOOL) gen skeleton $< name policy_bpf > $@.tmp && mv $@.tmp $@

$(BUILD)/sabpf.skel.h: $(BUILD)/sabpf.bpf.o
	$(BPFTOOL) gen skeleton $< name sabpf_bpf > $@.tmp && mv $@.tmp $@

$(BUILD)/obj/%.o: src/%.c $(GEN_HEADERS) | $(BUILD)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_COMMON) $(CFLAGS) $(DEPFLAGS) -c $< -o $@

$(BUILD)/san/%.o: src/%.c $(GEN_HEADERS) | $(BUILD)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_COMMON) $(SAN_FLAGS) -O1 $(DEPFLAGS) -c $< -o $@

$(BUILD)/sabpf: $(OBJ)
	$(CC) -o $@ $^ $(LDLIBS_AGENT)

$(BUILD)/libsabpf-san.a: $(OBJ_SAN)
	rm -f $@ && ar rcs $@ $^

$(BUILD)/tests/%: tests/unit/%.c $(BUILD)/libsabpf-san.a $(GEN_HEADERS)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_COMMON) $(SAN_FLAGS) -O1 -Itests/unit $(DEPFLAGS) -o $@ $< $(BUILD)/libsabpf-san.a \
	    -lcmocka -lbpf -lrdkafka -lelf -lz -lzstd -lyaml -lsodium -lmicrohttpd -lm

# Two test builds of the agent whose BPF objects differ from build/sabpf's,
# for tests/native/scenarios/56-upgrade.sh: build/variant/next/sabpf, another
# build with the same map layout (taken over in place: an upgrade), and
# build/variant/layout/sabpf, whose scope_failed map has another size
# (refused, naming the map). Only loader.c and trace.c include the skeletons.
VARIANT_FLAGS_next   := -DSABPF_VARIANT=1
VARIANT_FLAGS_layout := -DSABPF_VARIANT=2 -DSABPF_SCOPE_FAILED_ENTRIES=512
VARIANTS := $(BUILD)/variant/next/sabpf $(BUILD)/variant/layout/sabpf
.SECONDARY: $(foreach v,next layout,$(foreach o,sabpf trace,$(BUILD)/variant/$(v)/$(o).bpf.o $(BUILD)/variant/$(v)/$(o).skel.h) $(BUILD)/variant/$(v)/loader.o $(BUILD)/variant/$(v)/trace.o)

$(BUILD)/variant/%/sabpf.bpf.o: $(BPF_MAIN) $(BUILD)/vmlinux.h
	@mkdir -p $(dir $@)
	$(CLANG) $(BPF_CFLAGS) $(VARIANT_FLAGS_$*) $(DEPFLAGS) -c $(BPF_MAIN) -o $@.tmp
	$(BPFTOOL) gen object $@.linked $@.tmp && rm -f $@.tmp && mv $@.linked $@

$(BUILD)/variant/%/trace.bpf.o: bpf/trace.bpf.c $(BUILD)/vmlinux.h
	@mkdir -p $(dir $@)
	$(CLANG) $(BPF_CFLAGS) $(VARIANT_FLAGS_$*) $(DEPFLAGS) -c bpf/trace.bpf.c -o $@.tmp
	$(BPFTOOL) gen object $@.linked $@.tmp && rm -f $@.tmp && mv $@.linked $@

$(BUILD)/variant/%/sabpf.skel.h: $(BUILD)/variant/%/sabpf.bpf.o
	$(BPFTOOL) gen skeleton $< name sabpf_bpf > $@.tmp && mv $@.tmp $@

$(BUILD)/variant/%/trace.skel.h: $(BUILD)/variant/%/trace.bpf.o
	$(BPFTOOL) gen skeleton $< name trace_bpf > $@.tmp && mv $@.tmp $@

$(BUILD)/variant/%/loader.o: src/loader.c $(BUILD)/variant/%/sabpf.skel.h $(BUILD)/variant/%/trace.skel.h $(GEN_HEADERS)
	$(CC) -I$(BUILD)/variant/$* $(CFLAGS_COMMON) $(CFLAGS) $(DEPFLAGS) -c $< -o $@

$(BUILD)/variant/%/trace.o: src/trace.c $(BUILD)/variant/%/sabpf.skel.h $(BUILD)/variant/%/trace.skel.h $(GEN_HEADERS)
	$(CC) -I$(BUILD)/variant/$* $(CFLAGS_COMMON) $(CFLAGS) $(DEPFLAGS) -c $< -o $@

$(BUILD)/variant/%/sabpf: $(BUILD)/variant/%/loader.o $(BUILD)/variant/%/trace.o $(filter-out $(BUILD)/obj/loader.o $(BUILD)/obj/trace.o,$(OBJ))
	$(CC) -o $@ $^ $(LDLIBS_AGENT)

variants: $(VARIANTS)

$(BUILD)/tools/kafka-mock: tests/native/kafka_mock.c
	@mkdir -p $(dir $@)
	$(CC) -std=gnu11 -Wall -Wextra -Werror -O2 -D_GNU_SOURCE $(DEPFLAGS) -o $@ $< -lrdkafka

# Static programs the integration scenarios run inside the VM.
$(BUILD)/progs/%: tests/vm/progs/%.c
	@mkdir -p $(dir $@)
	$(CC) -std=gnu11 -Wall -Wextra -Werror -O2 -static $(DEPFLAGS) -o $@ $<

$(BUILD)/progs/%.bpf.o: examples/tenant/%.bpf.c $(BUILD)/vmlinux.h
	@mkdir -p $(dir $@)
	$(CLANG) -g -O2 -target bpf -D__TARGET_ARCH_x86 -Wall -Werror -I$(BUILD) $(DEPFLAGS) -c $< -o $@

$(BUILD)/progs/%.bpf.o: tests/vm/bpf/%.bpf.c $(BUILD)/vmlinux.h
	@mkdir -p $(dir $@)
	$(CLANG) -g -O2 -target bpf -D__TARGET_ARCH_x86 -Wall -Werror -I$(BUILD) $(DEPFLAGS) -c $< -o $@

$(BUILD):
	mkdir -p $(BUILD)

unit: $(UNIT_TESTS)
	@tests/run-unit.sh $(UNIT_TESTS)

test: all $(UNIT_TESTS) $(VM_PROGS) $(TENANT_OBJS) $(VARIANTS)
	@tests/run-all.sh

test-vm: all $(VM_PROGS)
	@tests/vm/run.sh

# The native benchmark (bench/native.py): lmbench rows, macro workloads,
# drain rate and scale under no agent, auditd, and the trace backend auditing
# another container or the workload's own; regenerates docs/performance.md's
# native tables. The VM (LSM backend, TCG) variant: bench/run.sh.
bench: all
	bench/run.sh --native
	bench/soak.sh

# The detector's evaluation, natively on the trace backend, as root (it takes
# minutes; docs/detection.md, "Evaluation")
eval: all
	bench/detect/eval.sh

# The flow diagram of docs/architecture.md, rendered by graphviz.
docs: $(BUILD)/docs/architecture.svg

$(BUILD)/docs/architecture.svg: docs/architecture.dot
	@mkdir -p $(@D)
	dot -Tsvg $< -o $@.tmp && mv $@.tmp $@

# The C files clang-format keeps (.clang-format): `make format` rewrites
# them, `make format-check` (a stage of `make test`) fails on any that differ.
FORMAT_FILES = $(wildcard src/*.c src/*.h include/*.h bpf/*.c bpf/*.h bpf/trace/*.c bpf/trace/*.h bpf/lib/*.h bpf/lsm/*.h tests/unit/*.c bench/*.c)

format:
	clang-format -i $(FORMAT_FILES)

format-check:
	tests/tools/format-check.sh $(FORMAT_FILES)

clean:
	rm -rf $(BUILD)

# The dependency files written by -MMD (absent before the first build).
-include $(shell find $(BUILD) -type f -name '*.d' 2>/dev/null)
