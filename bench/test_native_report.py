# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
"""Tests of bench/native_report.py on synthetic data whose figures are known:
medians over rounds, overheads (time and throughput), the sabpf/auditd
fraction, the disturbed marker, the drain summary, and refusals of bad data.
Run by bench/smoke.sh: /usr/bin/python3 -m pytest -q bench/test_native_report.py"""

import copy
import json
import os
import sys

import pytest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import native_report  # noqa: E402

QUIET = {"seconds": 1.0, "loadavg_before": 0.1, "loadavg_after": 0.1, "steal": 0.0,
         "others_cpu": 0.1, "own_cpu": 1.0, "disturbed": False}


def micro(config, round_, us, row="read", disturbed=False):
    return {"part": "micro", "config": config, "round": round_, "name": row, "us": us,
            "stddev_us": 0.0, "min_us": us, "iterations": 100, "repetitions": 5,
            "conditions": dict(QUIET, disturbed=disturbed)}


def macro(config, round_, value, name="redis", unit="req/s"):
    return {"part": "macro", "config": config, "round": round_, "name": name, "value": value,
            "unit": unit, "conditions": dict(QUIET)}


def document():
    results = []
    # rounds of read: none 1.0/2.0/1.5 (median 1.5); auditd median 6.0; self median 1.65
    for r, (n, a, o, s) in enumerate([(1.0, 4.5, 1.5, 1.65), (2.0, 9.0, 1.5, 1.7),
                                      (1.5, 6.0, 1.5, 1.6)], 1):
        results += [micro("none", r, n), micro("auditd", r, a), micro("trace-other", r, o),
                    micro("trace-self", r, s, disturbed=(r == 2))]
    results += [macro("none", 1, 100.0), macro("trace-self", 1, 90.0),
                macro("none", 1, 10.0, "untar", "s"), macro("trace-self", 1, 12.0, "untar", "s")]
    results.append({"part": "drain", "config": "trace-self", "round": 1, "name": "16M/1000",
                    "calls": 2000, "rate": 1000.0, "ring": "16M", "agent_cpu_s": 0.002,
                    "counters": {"records": 2000, "lost": 0}, "conditions": dict(QUIET)})
    results.append({"part": "drain", "config": "trace-self", "round": 1, "name": "16K/2000",
                    "calls": 4000, "rate": 2000.0, "ring": "16K", "agent_cpu_s": 0.004,
                    "counters": {"records": 3990, "lost": 10}, "conditions": dict(QUIET)})
    return {"format": "sabpf-bench-native/1", "started": "2026-12-07T00:00:00Z", "seconds": 1.0,
            "command": "bench/native.py --test", "host": {"kernel": "k"},
            "settings": {"rounds": 3, "macro_rounds": 1}, "results": results, "failures": []}


def render(tmp_path, doc):
    path = tmp_path / "data.json"
    path.write_text(json.dumps(doc))
    return native_report.render(native_report.load(str(path)), "data.json")


def line_of(text, start):
    return next(line for line in text.splitlines() if line.startswith(start))


def test_micro_medians_overheads_and_fraction(tmp_path):
    row = line_of(render(tmp_path, document()), "| read |")
    cells = [c.strip() for c in row.strip("|").split("|")]
    assert cells[1] == "1.500 (1.000-2.000)"
    assert cells[2] == "6.000 (4.500-9.000) (+300.0%)"
    assert cells[3] == "1.500 (1.500-1.500) (+0.0%)"
    assert cells[4] == "1.650 (1.600-1.700) † (+10.0%)"  # round 2 disturbed
    assert cells[5] == "0.033"  # 10% / 300%
    assert cells[6] == "+40.0%"  # the paper's ProvBPF read row


def test_macro_throughput_lost_and_time_added(tmp_path):
    text = render(tmp_path, document())
    assert line_of(text, "| redis-benchmark").endswith("| 90.00 (+10.0%) |")
    assert line_of(text, "| untar").endswith("| 12.00 (+20.0%) |")


def test_targets_and_drain(tmp_path):
    text = render(tmp_path, document())
    assert "| audited: <= half of ProvBPF's overhead | read | +10.0% | <= +20.0% | yes |" in text
    assert "| audited: < 1/20 of auditd's overhead | read | +10.0% | < +15.0% | yes |" in text
    assert "| not audited: <= 2% | read | +0.0% | <= +2.0% | yes |" in text
    assert "| drained with zero loss | flood | 1,000 records/s |" in text
    assert "- ring 16K: loss at every rate; loss from 2,000 calls/s" in text
    assert "1 of 18 measurements were taken while other work" in text


def test_negative_control_changed_data_changes_the_table(tmp_path):
    doc = document()
    doc["results"][3]["us"] = 3.0  # trace-self round 1: 1.65 -> 3.0, median 1.7
    row = line_of(render(tmp_path, doc), "| read |")
    assert "1.650" not in row and "1.700 (1.600-3.000)" in row


@pytest.mark.parametrize("mutate, message", [
    (lambda d: d["results"][0].pop("us"), 'field "us" missing'),
    (lambda d: d["results"][0].update(config="lsm"), "unknown configuration 'lsm'"),
    (lambda d: d["results"][0]["conditions"].pop("disturbed"), 'field "disturbed"'),
    (lambda d: d["results"][-4].update(unit="ms"), "unit 'ms'"),
    (lambda d: d.update(format="x/1"), "not a bench/native.py result"),
])
def test_bad_data_is_refused_with_where(tmp_path, mutate, message):
    doc = copy.deepcopy(document())
    mutate(doc)
    path = tmp_path / "data.json"
    path.write_text(json.dumps(doc))
    with pytest.raises(native_report.DataError, match=message):
        native_report.load(str(path))
