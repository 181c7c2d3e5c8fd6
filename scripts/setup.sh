#!/usr/bin/env bash
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
# setup.sh: the README's first command. Installs every dependency from
# Debian packages (scripts/install-deps.sh), then builds sabpf and records a
# first capture (scripts/demo.sh: natively, with the LSM backend where the
# kernel runs BPF LSM programs, else with the trace backend; it says which).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
scripts/demo.sh
