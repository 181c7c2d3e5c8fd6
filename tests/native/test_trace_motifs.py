# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
"""Checks of tests/native/scenarios/37-trace-motifs.sh: the motif suite on the
trace backend. Every motif of tests/motifs/*.json is classified on the
native capture by tests/tools/motif_compare.py (the matcher of
tests/integration/test_motifs.py, imported): same (the motif the LSM
backend is expected to give), differs, absent (nothing recorded between the
markers), failed (the case did not complete on this host). Each motif that
is not the same must have its outcome and reason in
tests/motifs/backends/trace-differences.json, and no entry there may be stale.
The stored result file (tests/motifs/backends/trace.json) and the table of
docs/backends.md must be those of this run.

Negative controls: the recorded list mutated (an entry dropped, an entry
added for a motif that matches, an outcome changed) must be reported; a
motif made wrong (an expected edge's relation changed) must not match."""

import copy
import json
import re
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tools"))
import motif_compare  # noqa: E402  (tests/tools is not a package)
import motif_table  # noqa: E402

SCENARIO = "trace-motifs"


@pytest.fixture(scope="module")
def root(artifacts):
    return artifacts(SCENARIO)


@pytest.fixture(scope="module")
def results(root):
    return motif_compare.classify(root)


@pytest.fixture(scope="module")
def differences():
    return motif_compare.load_differences()


def test_stats_name_the_backend_and_nothing_was_lost(root):
    for name in ("stats.json", "stats.perm.json"):
        stats = json.loads((root / name).read_text())
        assert stats["backend"] == "trace", name
        assert (stats["lost"], stats["kernel_lost"], stats["seq_missing"]) == (0, 0, 0), name


def test_every_case_ran_and_only_failed_cases_exited_non_zero(root, results):
    cases = (root / "cases.txt").read_text().split()
    rcs = dict(re.findall(r"^case=(\S+) rc=(\d+)$", (root / "cases.rc").read_text(), re.M))
    assert list(rcs) == cases, "the scenario did not run every case, in order"
    motifs = motif_table.load_motifs()
    failed_cases = {m["case"] for m in motifs if results[m["name"]]["outcome"] == "failed"}
    assert failed_cases == {c for c, rc in rcs.items() if rc != "0"}


def test_every_difference_has_its_recorded_reason(results, differences):
    assert motif_compare.differences_problems(results, differences) == []


def test_the_stored_results_are_this_run(results, differences):
    stored = motif_compare.load_results(motif_compare.RESULTS / "trace.json")
    assert stored["backend"] == "trace"
    got = {n: r["outcome"] for n, r in results.items()}
    want = {n: r["outcome"] for n, r in stored["motifs"].items()}
    racy = {n for n, e in differences.items() if e.get("racy")}  # either outcome
    changed = {n: (want.get(n), got.get(n)) for n in set(got) | set(want)
               if got.get(n) != want.get(n) and n not in racy}
    assert changed == {}, ("tests/motifs/backends/trace.json is not this run (stored, now): "
                           "rerun motif_compare.py results and table (docs/backends.md)")


def test_the_table_of_docs_backends_is_current():
    block = motif_compare.render(motif_compare.load_results(motif_compare.RESULTS / "lsm.json"),
                                 motif_compare.load_results(motif_compare.RESULTS / "trace.json"),
                                 motif_compare.load_differences(), motif_table.load_motifs())
    assert block in motif_compare.DOC.read_text(), \
        "docs/backends.md is stale: run tests/tools/motif_compare.py table"


# ---- negative controls ----------------------------------------------------

# Each control expects exactly the problems of the real list (none, unless
# test_every_difference_has_its_recorded_reason fails) plus its own.

def problems_with(results, differences, *added):
    return sorted(motif_compare.differences_problems(results, differences) + list(added))


def test_a_difference_without_a_reason_fails(results, differences):
    for outcome in ("differs", "absent", "failed"):
        name = next(n for n, r in sorted(results.items())
                    if r["outcome"] == outcome and n in differences)
        mutated = {k: v for k, v in differences.items() if k != name}
        assert sorted(motif_compare.differences_problems(results, mutated)) == problems_with(
            results, differences,
            f"{name}: {outcome} on trace ({results[name]['why']}) without a recorded reason")


def test_a_stale_entry_fails(results, differences):
    name = next(n for n, r in sorted(results.items())
                if r["outcome"] == "same" and n not in differences)
    mutated = dict(differences, **{name: {"trace": "absent", "reason": "invented"}})
    assert sorted(motif_compare.differences_problems(results, mutated)) == problems_with(
        results, differences, f"{name}: recorded as absent (invented), but it is the same "
        "motif now: remove the stale entry")


def test_a_wrong_outcome_or_an_unknown_motif_fails(results, differences):
    name = next(n for n, r in sorted(results.items())
                if r["outcome"] == "absent" and differences.get(n, {}).get("trace") == "absent")
    mutated = dict(differences, **{name: {"trace": "differs", "reason": "x"},
                                   "no_such_motif": {"trace": "absent", "reason": "x"}})
    assert sorted(motif_compare.differences_problems(results, mutated)) == problems_with(
        results, differences,
        f"{name}: recorded as differs, but it is absent ({results[name]['why']})",
        "no_such_motif: recorded, but no motif has that name")


def test_a_bad_differences_file_is_refused(tmp_path):
    bad = tmp_path / "d.json"
    bad.write_text(json.dumps({"differences": {"open": {"trace": "same", "reason": "x"}}}))
    with pytest.raises(motif_compare.CompareError, match="entry 'open'"):
        motif_compare.load_differences(bad)


def test_a_wrong_motif_does_not_match(root, results):
    """The classifier can say differs: each motif that matches, with its
    first expected edge's relation changed, no longer does."""
    same = [m for m in motif_table.load_motifs() if results[m["name"]]["outcome"] == "same"]
    assert same
    wrong = []
    for m in same:
        w = copy.deepcopy(m)
        w["edges"][0]["relation"] = "write" if w["edges"][0]["relation"] != "write" else "read"
        wrong.append(w)
    got = motif_compare.classify(root, wrong)
    assert {n: r["outcome"] for n, r in got.items() if r["outcome"] != "differs"} == {}


@pytest.mark.parametrize("name", ["creat", "open_excl"])
def test_a_created_file_matches_with_one_path_node(root, results, name):
    """creat and open(O_CREAT|O_EXCL) differ only by the one path node the
    trace backend gives a created name: with the motif's two path nodes
    made one, it matches, open flags included (O_CREAT, O_EXCL, O_TRUNC, which
    f_flags no longer holds at the exit). With the open edge's mask asking
    for a flag the call did not give (O_APPEND), it does not."""
    assert results[name]["outcome"] == "differs"
    m = copy.deepcopy(next(m for m in motif_table.load_motifs() if m["name"] == name))
    del m["nodes"]["pc"]
    for e in m["edges"]:
        if e["to"] == "pc":
            e["to"] = "p"
    assert motif_compare.classify(root, [m])[name]["outcome"] == "same"
    opened = next(e for e in m["edges"] if e["relation"] == "open")
    mask, value = opened["arg_mask"]
    opened["arg_mask"] = [mask | 0o2000, value | 0o2000]
    assert motif_compare.classify(root, [m])[name]["outcome"] == "differs"
