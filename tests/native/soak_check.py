#!/usr/bin/env python3
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
"""soak_check.py: the final accounting of tests/native/scenarios/58-soak.sh.
Every record the kernel numbered must be delivered to the topic or counted
as lost, and every source must say the same, exactly:

  kernel    per-CPU sequence counters (cpu_states) and the loss table
            (lost_by_container), dumped by bpftool from the pinned maps
  agents    --stats of agent A and agent B (B carried on A's sequence
            accounting) and their Kafka summaries on stderr
  metrics   agent B's /metrics page, scraped once the containers were idle
  consumer  `sabpf consume --stats` (per node/run/CPU completeness)
  kcat      one line per message of the topic: "partition headers"

Prints one "ok"/"not ok" line per check and a summary; exits 1 if any
check failed. --figures writes the run's figures as JSON (bench/soak.sh).

    soak_check.py --out DIR [--kcat FILE] [--stats-b FILE] [--seconds N]
                  [--figures FILE]
"""
import argparse
import collections
import json
import os
import re
import sys

def load(path):
    with open(path) as f:
        return json.load(f)


def kernel_seq(dump):
    """Per CPU: the last sequence number the kernel issued."""
    seq = {}
    for entry in dump:
        entry = entry.get("formatted", entry)  # bpftool -j: the BTF view
        for v in entry.get("values", []):
            seq[v["cpu"]] = v["value"]["seq"]
    return seq


def kernel_loss(dump, names):
    """Loss totals by cause over every container (names: cause by number)."""
    total = collections.Counter()
    for entry in dump:
        entry = entry.get("formatted", entry)
        cause = names.get(entry["key"]["cause"], str(entry["key"]["cause"]))
        for v in entry.get("values", []):
            total[cause] += v["value"]["total"]
    return total


def summary(stderr):
    """The Kafka sink's last summary line: delivered, spooled, left, lost."""
    pat = re.compile(r": (\d+) records delivered, (\d+) through the spool, (\d+) left in .* "
                     r"(\d+) lost \(spool full (\d+), refused (\d+)\)")
    found = None
    with open(stderr) as f:
        for line in f:
            m = pat.search(line)
            if m:
                found = dict(zip(("delivered", "spooled", "left", "lost", "lost_spool",
                                  "lost_broker"), map(int, m.groups())))
    return found


def kcat_view(path):
    """Per message: its headers as a dict."""
    msgs = []
    with open(path) as f:
        for line in f:
            line = line.rstrip("\n")
            if not line:
                continue
            _, _, hs = line.partition(" ")
            h = {}
            for kv in hs.split(","):
                k, _, v = kv.partition("=")
                h[k] = v
            msgs.append(h)
    return msgs


def metrics(path):
    vals = {}
    with open(path) as f:
        for line in f:
            if line.startswith("#") or not line.strip():
                continue
            name, _, value = line.rstrip("\n").rpartition(" ")
            vals[name] = float(value)
    return vals


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", required=True)
    ap.add_argument("--kcat")
    ap.add_argument("--stats-b")
    ap.add_argument("--seconds", type=float, default=0)
    ap.add_argument("--figures")
    a = ap.parse_args()
    out = a.out
    fails = []

    checks = [0]

    def check(cond, what):
        checks[0] += 1
        print(("ok - " if cond else "not ok - ") + what)
        if not cond:
            fails.append(what)

    sa = load(os.path.join(out, "soak-A.stats.json"))
    sb = load(a.stats_b or os.path.join(out, "soak-B.stats.json"))
    ka = summary(os.path.join(out, "soak-A.stderr"))
    kb = summary(os.path.join(out, "soak-B.stderr"))
    cons = load(os.path.join(out, "soak-consume.json"))
    msgs = kcat_view(a.kcat or os.path.join(out, "soak.kcat"))
    prom = metrics(os.path.join(out, "soak-B.prom"))
    kseq = kernel_seq(load(os.path.join(out, "soak-cpu_states.json")))
    names = {i + 1: c for i, c in enumerate(("ring", "denial", "storage", "cred_map", "file_map",
                                               "object_map", "spool", "broker"))}
    kloss = kernel_loss(load(os.path.join(out, "soak-lost_by_container.json")), names)
    containers = {}
    with open(os.path.join(out, "soak-containers.txt")) as f:
        for line in f:
            cid, path = line.split()
            containers[int(cid)] = path

    issued = sum(kseq.values())
    check(issued > 0, f"the kernel numbered {issued} records over {len(kseq)} CPUs")
    check(ka is not None and kb is not None, "both agents printed their Kafka summary")
    if ka is None or kb is None:
        return 1

    def per_container(stats):
        return {c["container_id"]: c for c in stats["containers"]}

    ca, cb = per_container(sa), per_container(sb)
    check(set(containers) <= set(ca) and set(containers) <= set(cb),
          "both agents' --stats list the 3 containers")

    # the agents: each --stats adds up; nothing is left in the spool
    for name, s, k in (("A", sa, ka), ("B", sb, kb)):
        by_c = sum(c.get("records", 0) for c in s["containers"])
        check(by_c == s["records"], f"agent {name}: per-container records sum to {s['records']} ({by_c})")
        spool = sum(c["lost"]["spool"] for c in s["containers"])
        check(spool == k["lost_spool"] and k["lost_broker"] == 0,
              f"agent {name}: spool loss in --stats {spool} = Kafka summary {k['lost_spool']}")
        check(k["left"] == 0, f"agent {name}: nothing left in the spool at the end ({k['left']})")
    spool_lost = ka["lost_spool"] + kb["lost_spool"]
    check(ka["lost_spool"] == 0 and kb["lost_spool"] > 0,
          f"outage 1 lost nothing; outage 2 (spool full) lost {kb['lost_spool']}")
    check(ka["spooled"] > 0 and kb["spooled"] > 0,
          f"both outages went through the spool ({ka['spooled']}, {kb['spooled']} records)")

    # the kernel against the agents: ring losses counted once each
    ring_kernel = kloss["ring"]
    ring_stream = sa["lost_ring"] + sb["lost_ring"]
    check(sb["seq_missing"] == ring_kernel == ring_stream and sb["kernel_lost"] == sum(kloss.values()),
          f"ring: kernel {ring_kernel} = LOST records {ring_stream} = B's seq_missing {sb['seq_missing']}")

    # the consumer: one run, complete, every gap explained
    runs = {s["node"] for s in cons["streams"]}
    check(len(runs) == 1, f"one node and run across the restart ({sorted(runs)})")
    check(cons["duplicates"] == 0 and cons["out_of_order"] == 0 and cons["unexplained"] == 0
          and cons["malformed"] == 0 and cons["foreign"] == 0,
          "consume: no duplicate, none out of order, no unexplained gap")
    check(cons["missing"] == cons["explained"] == spool_lost + ring_kernel,
          f"consume: {cons['missing']} missing = {cons['explained']} explained = "
          f"spool {spool_lost} + ring {ring_kernel}")
    check(cons["lost"]["spool"] == spool_lost and cons["lost"]["ring"] == ring_kernel,
          f"consume: LOST records say spool {cons['lost']['spool']}, ring {cons['lost']['ring']}")
    # per CPU: what the kernel numbered = what arrived + what is missing
    by_cpu = {s["cpu"]: s for s in cons["streams"]}
    bad = [c for c, n in kseq.items() if n and (c not in by_cpu or by_cpu[c]["records"] + by_cpu[c]["missing"] != n
                                              or by_cpu[c]["end_seq"] != n)]
    bad += [c for c in by_cpu if c not in kseq or not kseq[c]]
    check(not bad, f"per CPU, the kernel's last number = records + missing = the consumer's end "
          f"({len(kseq)} CPUs{', differ: ' + str(bad) if bad else ''})")
    arrived = sum(s["records"] for s in cons["streams"])
    check(arrived + cons["missing"] == issued,
          f"{issued} numbered = {arrived} delivered + {cons['missing']} lost")

    # kcat, independent of sabpf's consumer
    check(len(msgs) == ka["delivered"] + kb["delivered"] == cons["messages"],
          f"kcat reads {len(msgs)} messages = {ka['delivered']} + {kb['delivered']} delivered "
          f"= consume's {cons['messages']}")
    seqs = [m for m in msgs if m.get("sabpf.type") not in ("lost", "denial")]
    check(len(seqs) == arrived, f"kcat: {len(seqs)} numbered messages = consume's {arrived}")
    per_c = collections.Counter(int(m.get("sabpf.container", 0)) for m in msgs)
    sink_lost = collections.Counter()
    for m in msgs:
        if m.get("sabpf.type") == "lost" and m.get("sabpf.cause") in ("spool", "broker"):
            sink_lost[int(m.get("sabpf.container", 0))] += 1
    for cid, path in sorted(containers.items()):
        want = (ca[cid]["records"] + cb[cid]["records"] + sink_lost[cid]
                - ca[cid]["lost"]["spool"] - cb[cid]["lost"]["spool"])
        check(per_c[cid] == want,
              f"{os.path.basename(path)}: kcat {per_c[cid]} messages = A {ca[cid]['records']} + "
              f"B {cb[cid]['records']} records + {sink_lost[cid]} LOST of the sink - "
              f"{ca[cid]['lost']['spool'] + cb[cid]['lost']['spool']} lost")
    others = set(per_c) - set(containers)
    check(not others, f"no message of another container ({sorted(others)})")

    # the metrics page of agent B against its --stats
    check(prom.get("sabpf_records_total") == sb["records"],
          f"metrics: sabpf_records_total {prom.get('sabpf_records_total')} = --stats {sb['records']}")
    for cid, path in sorted(containers.items()):
        key = f'sabpf_container_records_total{{container_id="{cid}",container="{path}"}}'
        check(prom.get(key) == cb[cid]["records"],
              f"metrics: {os.path.basename(path)} {prom.get(key)} records = --stats {cb[cid]['records']}")
    key = 'sabpf_kafka_records_lost_total{topic="soak",cause="spool"}'
    check(prom.get(key) == kb["lost_spool"], f"metrics: spool loss {prom.get(key)} = {kb['lost_spool']}")
    check(prom.get('sabpf_kafka_spool_records{topic="soak"}') == 0
          and prom.get('sabpf_kafka_spool_bytes{topic="soak"}') == 0,
          "metrics: the spool is empty at the end")

    print(f"{issued} records numbered by the kernel: {arrived} delivered, {spool_lost} lost to "
          f"the full spool, {ring_kernel} to the ring, all counted; {checks[0] - len(fails)} of "
          f"{checks[0]} checks passed")
    if a.figures:
        fig = {
            "seconds": a.seconds,
            "containers": len(containers),
            "cpus": len(kseq),
            "kernel_numbered": issued,
            "delivered_numbered": arrived,
            "kafka_messages": len(msgs),
            "agent_a_records": sa["records"],
            "agent_b_records": sb["records"],
            "spooled_outage1": ka["spooled"],
            "spooled_outage2": kb["spooled"],
            "lost_spool": spool_lost,
            "lost_ring": ring_kernel,
            "sink_lost_messages": sum(sink_lost.values()),
            "consume_missing": cons["missing"],
            "consume_explained": cons["explained"],
            "checks_failed": len(fails),
        }
        with open(a.figures, "w") as f:
            json.dump(fig, f, indent=1, sort_keys=True)
            f.write("\n")
    return 1 if fails else 0


if __name__ == "__main__":
    sys.exit(main())
