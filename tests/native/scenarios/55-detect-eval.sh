#!/bin/sh
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
# timeout: 150
# 55-detect-eval.sh: the detector's evaluation end to end, small
# (bench/detect/eval.py --smoke; the whole one is `make eval`): benign runs
# of one workload kind (maint) and one attack in sabpf run containers (trace
# backend), models trained, --stds chosen on the validation runs, test runs
# and the attack judged. Checks (eval.py check): every held-out run judged
# once and consistently, every attack started, every training run fits its
# kind's model (distance and novelty do not fire; evolution, which can on
# its own training runs, is shown), and, as a control that the models see a change, a test
# run whose reads became executable maps and writes hard links is
# abnormal. Negative control: the
# check given a result that lost a run's judgement must fail.

fails=0
ok() { echo "ok - $*"; }
not_ok() {
  echo "not ok - $*"
  fails=$((fails + 1))
}
mkdir -p "$OUT"
repo=$(cd "$(dirname "$SABPF")/.." && pwd)
ev="$repo/bench/detect/eval.py"
dir=$OUT/eval
rm -rf "$dir"

if /usr/bin/python3 "$ev" collect --dir "$dir" --smoke >"$OUT/collect.log" 2>&1; then
  ok "smoke runs collected: $(grep -c 's$' "$OUT/collect.log") runs"
else
  not_ok "collect failed: $(tail -3 "$OUT/collect.log")"
fi
if /usr/bin/python3 "$ev" score --dir "$dir" --out "$OUT/eval.json" >"$OUT/score.log" 2>&1; then
  ok "scored: $(/usr/bin/python3 -c 'import json,sys; r=json.load(open(sys.argv[1])); print("stds", r["chosen_stds"], "tp", r["test"]["tp"], "fp", r["test"]["fp"])' "$OUT/eval.json")"
else
  not_ok "score failed: $(tail -3 "$OUT/score.log")"
fi
/usr/bin/python3 "$ev" check --dir "$dir" "$OUT/eval.json" >"$OUT/check.tap" 2>&1
cat "$OUT/check.tap"
fails=$((fails + $(grep -c '^not ok' "$OUT/check.tap")))
grep -q '^ok - test run .* hard links is abnormal' "$OUT/check.tap" ||
  not_ok "the check printed no mutated-run control"

# negative control: a result that lost the judgement of the attack run
/usr/bin/python3 - "$OUT/eval.json" "$OUT/eval-mutated.json" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
for n in list(r["test"]["runs"]):
    if "dropexec" in n:
        del r["test"]["runs"][n]
json.dump(r, open(sys.argv[2], "w"))
PY
if /usr/bin/python3 "$ev" check --dir "$dir" "$OUT/eval-mutated.json" >"$OUT/check-mutated.tap" 2>&1; then
  not_ok "the check passed a result missing a run: $(head -2 "$OUT/check-mutated.tap")"
else
  ok "the check fails a result missing a run: $(grep -m1 '^not ok' "$OUT/check-mutated.tap" | cut -c1-120)"
fi
exit "$fails"
