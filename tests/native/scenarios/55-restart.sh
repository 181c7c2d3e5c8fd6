#!/bin/sh
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
# timeout: 120
# 55-restart.sh: tests/vm/scenarios/45-restart.sh (an agent restarted with
# --pin while its container writes throughout loses nothing; a crash; a
# gap that outlasts a tiny ring is reported exactly; an upgrade in place to
# another build, build/variant/next/sabpf, and the refusal of one with
# another map layout, build/variant/layout/sabpf), natively with the trace
# backend.
BACKEND=trace RESTART_CASES=all RESTART_WAIT_STEPS=400 exec sh "$(dirname "$0")/../../vm/scenarios/45-restart.sh"
