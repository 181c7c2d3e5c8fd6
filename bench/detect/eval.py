#!/usr/bin/env python3
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
"""eval.py: the evaluation of `sabpf detect` (docs/detection.md, "Evaluation"):
benign workloads and attacks run in audited containers (trace backend),
models trained on benign runs only, the threshold chosen on held-out benign
runs only, then scored on other held-out benign runs and on the attacks.

    eval.py collect --dir DIR [--smoke]    run the workloads, keep captures
                                           and DIR/runs.json
    eval.py score --dir DIR --out FILE [--sweep] [--smoke]
                                           train, choose, test; results JSON
    eval.py docs [FILE]                    rewrite docs/detection.md between
                                           the eval markers from FILE
    eval.py check --dir DIR FILE           the smoke test's assertions
    eval.py soak --dir DIR --out FILE      long benign runs (one container doing a
                                           kind's workload over and over), scored
                                           against that kind's model: added to FILE
    eval.py plan --out FILE                the comparison of backends' plan
    eval.py import --dir DIR --backend B   its runs.tsv (bench/detect/eval-guest.sh)
                                           to DIR/runs.json
    eval.py compare TRACE.json LSM.json    rewrite docs/detection.md between
                                           the backends markers

bench/detect/eval-backends.sh runs the comparison of the two backends: one
smaller plan (eval.py plan) run by bench/detect/eval-guest.sh natively
(trace) and in the test VM (LSM), each imported and scored like the main
evaluation, then compared.

bench/detect/eval.sh runs collect, score and docs in a row. Each run is
`sabpf run --backend trace -- bench/detect/workload.sh KIND SEED DIR PORT
[ATTACK APORT]` (a container: its own cgroup, pid, mount, uts and ipc
namespaces, Docker's default capabilities); attacks talk to
bench/detect/attacker.py on loopback, outside the container.

Splits, per workload kind, by seed: train (model), validation (the choice
of --stds: the smallest of the grid with no false positive on validation
runs), test (the figures). Attacks are never used to choose anything. A run
counts as detected when it has an alert at or after its first attack edge
(the first record of DIR/ATTACK_BEGIN); an alert before that counts as a
false alarm. Latency is the time from that first attack edge to the alert
(the time of the alert's last edge), and the edges between them.
"""
import concurrent.futures
import datetime
import json
import os
import random
import re
import socket
import subprocess
import sys
import tempfile
import time

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
# another build of sabpf (one whose verdicts carry "tests", format 2 on)
SABPF = os.environ.get("SABPF_EVAL_BIN", os.path.join(REPO, "build", "sabpf"))
HERE = os.path.join(REPO, "bench", "detect")
# SABPF_EVAL_DOC: another copy to write (tests/tools/detect_docs.sh)
DOC = os.environ.get("SABPF_EVAL_DOC", os.path.join(REPO, "docs", "detection.md"))
RESULT = os.path.join(HERE, "results", "eval.json")

KINDS = ["web", "db", "build", "batch", "maint"]
ATTACKS = ["dropexec", "revshell", "credexfil", "webshell", "miner", "tamper", "persist"]
SPLITS = {"train": 6, "validation": 3, "test": 4}  # benign runs per kind
ATTACK_RUNS = 5  # per attack kind, spread over the workload kinds
SMOKE = {"kinds": ["maint"], "splits": {"train": 2, "validation": 1, "test": 1},
         "attacks": ["dropexec"], "attack_runs": 1}
FULL = {"kinds": KINDS, "splits": SPLITS, "attacks": ATTACKS, "attack_runs": ATTACK_RUNS}
# the comparison of backends: what the test VM (TCG, LSM backend) runs in
# about an hour, the same plan natively (trace backend): the main plan's
# splits, fewer attack runs. No build kind: the VM's image has no C
# toolchain (gcc's cc1, binutils, crt files, headers)
BACKENDS = {"kinds": ["web", "db", "batch", "maint"], "splits": SPLITS, "attacks": ATTACKS, "attack_runs": 2}
# fixed for all: these runs make 1,000 to 10,000 edges, so a sketch every
# 100 edges gives tens of sketches per run (the default 500, made for busier
# containers, gives a handful)
BATCH = 100
# the detector's defaults (src/detect_model.h), but for the batch above
DEFAULTS = {"hops": 3, "sketch": 2000, "decay": 0, "lambda": 0.02, "half_life": 4, "floor": 0.01,
            "names": 1, "threshold": "max"}
# the detector as it was before the leave-one-out tests and the per-batch
# decay (Unicorn's evolution alone, decay per 500 labels): the same
# captures, scored the old way, for the diagnosis
BEFORE = {"hops": 3, "sketch": 2000, "decay": 500, "lambda": 0.02, "half_life": 0, "floor": 0.01,
          "names": 1, "threshold": "max"}
STDS_GRID = [0, 0.5, 1, 2, 3, 4]
TESTS = ["novelty", "distance", "evolution"]
# subsets of the tests (which raise an alert), for the ablation
SUBSETS = [("novelty", "distance", "evolution"), ("novelty",), ("distance",), ("evolution",),
           ("novelty", "distance")]
# one parameter at a time from the defaults (the half-life in batches)
SWEEP = [{"hops": 1}, {"hops": 2}, {"hops": 4}, {"sketch": 500}, {"sketch": 1000},
         {"half_life": 0}, {"half_life": 1}, {"half_life": 2}, {"half_life": 8}, {"half_life": 16},
         {"floor": 0}, {"floor": 0.03}, {"threshold": "mean"},
         # process names out of the labels: what is left when an attacker
         # gives its processes the names of the workload's
         {"names": 0}]
# leave-one-attack-kind-out: the half-life and stds chosen on validation
# runs and the attacks of the other kinds, judged on the kind left out
LOAKO_HALF_LIVES = [0, 2, 4, 8]


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def parse_time(text):
    # "2026-12-07T00:51:14.546189172Z": seconds since the epoch, ns kept
    m = re.match(r"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)(?:\.(\d+))?Z$", text)
    base = datetime.datetime.strptime(m.group(1), "%Y-%m-%dT%H:%M:%S")
    frac = float("0." + m.group(2)) if m.group(2) else 0.0
    return base.replace(tzinfo=datetime.timezone.utc).timestamp() + frac


def plan(design):
    kinds, splits = design["kinds"], design["splits"]
    runs = []
    for kind in kinds:
        seed = 0
        for split, n in splits.items():
            for _ in range(n):
                seed += 1
                runs.append({"name": f"{kind}-{split}-{seed}", "kind": kind, "split": split,
                             "seed": seed, "attack": None})
    rng = random.Random(13)
    for attack in design["attacks"]:
        hosts = ["web"] if attack == "webshell" else kinds
        n = design["attack_runs"]
        for i in range(n):
            kind = hosts[i % len(hosts)]
            runs.append({"name": f"{kind}-{attack}-{i + 1}", "kind": kind, "split": "attack",
                         "seed": 1000 + rng.randrange(100000), "attack": attack})
    return runs


def collect(dirname, smoke):
    os.makedirs(dirname, exist_ok=True)
    aport = free_port()
    attacker = subprocess.Popen([sys.executable, os.path.join(HERE, "attacker.py"), str(aport)])
    runs = plan(SMOKE if smoke else FULL)
    try:
        time.sleep(0.3)
        for run in runs:
            work = tempfile.mkdtemp(prefix="sabpf-eval.")
            raw = os.path.join(dirname, run["name"] + ".raw")
            cmd = [SABPF, "run", "--backend", "trace", "-q", "--name", "eval-" + run["name"],
                   "-o", "raw:" + raw, "--", "bash", os.path.join(HERE, "workload.sh"),
                   run["kind"], str(run["seed"]), work, str(free_port())]
            if run["attack"]:
                cmd += [run["attack"], str(aport)]
            start = time.time()
            p = subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                               text=True, timeout=180)
            run["seconds"] = round(time.time() - start, 3)
            run["status"] = p.returncode
            run["capture"] = os.path.basename(raw)
            if p.returncode != 0:
                sys.exit(f"eval.py: run {run['name']} exited {p.returncode}: {p.stderr[-400:]}")
            if run["attack"]:
                run["attack_time"] = attack_begin(raw)
            subprocess.run(["rm", "-rf", work])
            print(f"eval.py: {run['name']}: {run['seconds']} s", file=sys.stderr)
    finally:
        attacker.kill()
        attacker.wait()
    with open(os.path.join(dirname, "runs.json"), "w") as f:
        json.dump({"smoke": smoke, "backend": "trace", "runs": runs}, f, indent=1)


SOAK_SECONDS = 60  # of each kind's long benign test run
SOAK_TRAIN_SECONDS = 8  # of the long run added to training in the second variant


def soak_run(sdir, kind, name, seconds, seed):
    """a long benign run (workload.sh with SOAK_SECONDS: the workload again
    and again by one shell in one container, each round its own directory
    and port), kept as sdir/NAME.raw with NAME.json (seconds, rounds)"""
    raw, meta = os.path.join(sdir, name + ".raw"), os.path.join(sdir, name + ".json")
    if not (os.path.exists(raw) and os.path.exists(meta)):
        work = tempfile.mkdtemp(prefix="sabpf-eval.")
        start = time.time()
        p = subprocess.run([SABPF, "run", "--backend", "trace", "-q", "--name", "eval-" + name,
                            "-o", "raw:" + raw, "--", "bash", os.path.join(HERE, "workload.sh"), kind,
                            str(seed), work, str(free_port() % 20000 + 20000)],
                           stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
                           env=dict(os.environ, SOAK_SECONDS=str(seconds)), timeout=seconds + 180)
        if p.returncode != 0:
            sys.exit(f"eval.py: long run {name} exited {p.returncode}: {p.stderr[-400:]}")
        with open(os.path.join(work, "rounds")) as f:
            rounds = int(f.read())
        with open(meta, "w") as f:
            json.dump({"seconds": round(time.time() - start, 3), "rounds": rounds}, f)
        subprocess.run(["rm", "-rf", work])
    with open(meta) as f:
        return json.load(f)


def soak(dirname, out):
    """long benign runs, one per kind, scored at the stds chosen in FILE
    against two models of the kind: (a) the model of the main evaluation
    (its training runs), (b) the same runs plus a shorter long run of the
    kind; with (b), the kind's test and attack runs are judged again. What
    a container that runs for long looks like to a model of short runs.
    Kept captures are reused."""
    with open(os.path.join(dirname, "runs.json")) as f:
        runs = json.load(f)["runs"]
    with open(out) as f:
        result = json.load(f)
    sdir = os.path.join(dirname, "soak")
    os.makedirs(sdir, exist_ok=True)
    kinds = sorted({r["kind"] for r in runs})
    tmp = tempfile.mkdtemp(prefix="sabpf-eval-soak.")
    stds, base = result["chosen_stds"], result["params"]["threshold"]
    rows, judged = [], {}
    for kind in kinds:
        m = soak_run(sdir, kind, f"{kind}-soak", SOAK_SECONDS, 7000)
        soak_run(sdir, kind, f"{kind}-soak-train", SOAK_TRAIN_SECONDS, 8000)
        trains = [r for r in runs if r["kind"] == kind and r["split"] == "train"]
        row = {"kind": kind, "seconds": m["seconds"], "rounds": m["rounds"]}
        t0 = first_time(os.path.join(sdir, f"{kind}-soak.raw"))
        for variant, extra in (("a", []), ("b", [{"capture": f"soak/{kind}-soak-train.raw"}])):
            model = os.path.join(tmp, f"{kind}-{variant}.det")
            train(dirname, trains + extra, result["params"], model)
            scored = watch(sdir, {"name": f"{kind}-soak", "capture": f"{kind}-soak.raw"}, model, stds, base)
            first = min((a["time"] for a in scored["alerts"]), default=None)
            row["edges"] = scored["edges"]
            row[variant] = {"flagged": first is not None,
                            "first_alert_s": None if first is None else
                            round(first - t0, 3),
                            "tests": sorted(t for t, v in scored["tests"].items() if v["first"] is not None)}
            if variant == "b":
                for r in runs:
                    if r["kind"] == kind and r["split"] in ("test", "attack"):
                        judged[r["name"]] = judge(r, watch(dirname, r, model, stds, base))[0]
        rows.append(row)
        print(f"eval.py: soak {kind}: {row}", file=sys.stderr)
    subprocess.run(["rm", "-rf", tmp])
    count = {o: sum(v == o for v in judged.values()) for o in ("tp", "fn", "early", "fp", "tn")}
    result["soak"] = {"seconds": SOAK_SECONDS, "train_seconds": SOAK_TRAIN_SECONDS, "kinds": rows,
                      "with_long_training": count}
    with open(out, "w") as f:
        json.dump(result, f, indent=1, sort_keys=True)
        f.write("\n")


def write_plan(path):
    """the comparison of backends' plan, as eval-guest.sh reads it"""
    with open(path, "w") as f:
        for r in plan(BACKENDS):
            f.write(f"{r['name']} {r['kind']} {r['split']} {r['seed']} {r['attack'] or '-'}\n")


def import_runs(dirname, backend):
    """DIR/runs.tsv (eval-guest.sh) to DIR/runs.json, with each attack's
    first edge; a failed or missing run is an error"""
    want = {r["name"]: r for r in plan(BACKENDS)}
    runs = []
    with open(os.path.join(dirname, "runs.tsv")) as f:
        for n, line in enumerate(f, 1):
            w = line.split()
            if len(w) != 7 or w[0] not in want:
                sys.exit(f"eval.py: {dirname}/runs.tsv:{n}: not a run of the plan: {line.strip()!r}")
            r = dict(want.pop(w[0]))
            if [w[1], w[2], w[3], w[4]] != [r["kind"], r["split"], str(r["seed"]), r["attack"] or "-"]:
                sys.exit(f"eval.py: {dirname}/runs.tsv:{n}: {w[0]} differs from the plan (rerun eval-backends.sh)")
            if w[5] != "0":
                sys.exit(f"eval.py: {dirname}/runs.tsv:{n}: run {w[0]} exited {w[5]}")
            r.update(status=0, seconds=float(w[6]), capture=w[0] + ".raw")
            if r["attack"]:
                r["attack_time"] = attack_begin(os.path.join(dirname, r["capture"]))
            runs.append(r)
    if want:
        sys.exit(f"eval.py: {dirname}/runs.tsv lacks {len(want)} runs of the plan, e.g. {sorted(want)[0]}")
    with open(os.path.join(dirname, "runs.json"), "w") as f:
        json.dump({"smoke": False, "backend": backend, "design": "backends", "runs": runs}, f, indent=1)


def first_time(raw, text=""):
    """the time of the capture's first record whose JSON line holds text
    (any record when text is empty); None when there is none"""
    p = subprocess.Popen([SABPF, "convert", "-o", "jsonl:-", raw], stdout=subprocess.PIPE, text=True)
    found = None
    for line in p.stdout:
        if text in line:
            found = parse_time(json.loads(line)["time"])
            break
    p.stdout.close()
    p.wait()
    return found


def attack_begin(raw):
    """the time of the first record naming DIR/ATTACK_BEGIN"""
    found = first_time(raw, "/ATTACK_BEGIN")
    if found is None:
        sys.exit(f"eval.py: {raw} has no record of ATTACK_BEGIN: the attack did not start")
    return found


def train(dirname, runs, params, model):
    caps = [os.path.join(dirname, r["capture"]) for r in runs]
    cmd = [SABPF, "detect", "train", "-o", model, "--batch", str(BATCH), "--hops", str(params["hops"]),
           "--sketch-size", str(params["sketch"]), "--decay", str(params["decay"]),
           "--lambda", str(params["lambda"]), "--half-life", str(params["half_life"]),
           "--novelty-floor", str(params["floor"])] + (["--no-task-names"] if not params["names"] else []) + caps
    p = subprocess.run(cmd, capture_output=True, text=True)
    if p.returncode != 0:
        sys.exit(f"eval.py: training failed: {p.stderr[-400:]}")


def watch(dirname, run, model, stds, base="max"):
    cmd = [SABPF, "detect", "watch", "--model", model, "--stds", str(stds), "--threshold", base,
           os.path.join(dirname, run["capture"])]
    p = subprocess.run(cmd, capture_output=True, text=True)
    if p.returncode != 0:
        sys.exit(f"eval.py: watch of {run['name']} failed: {p.stderr[-400:]}")
    alerts, verdicts = [], []
    for line in p.stdout.splitlines():
        o = json.loads(line)
        if o["type"] == "alert":
            alerts.append(o)
        elif o["type"] == "verdict":
            verdicts.append(o)
    # each test's first firing (the earliest over the containers) and
    # worst margin, whichever tests raise the alert
    tests = {}
    for t in TESTS:
        fired = [parse_time(v["tests"][t]["time"]) for v in verdicts if v["tests"][t]["fired"]]
        tests[t] = {"first": min(fired) if fired else None,
                    "margin": max((v["tests"][t]["worst_margin"] for v in verdicts), default=None)}
    out = {"name": run["name"], "edges": sum(v["edges"] for v in verdicts), "tests": tests,
           "worst_margin": max((v["worst_margin"] for v in verdicts), default=None),
           "alerts": [{"time": parse_time(a["time"]), "edges": a["edges"], "distance": a["distance"],
                       "threshold": a["threshold"], "what": [lab.get("what") for lab in a["labels"]]}
                      for a in alerts]}
    return out


def judge(run, scored, subset=None):
    """(outcome, latency seconds, latency edges): outcome tp, fn, fp, tn,
    early; with subset, as if only those tests raised alerts"""
    alerts = scored["alerts"]
    if subset is not None:
        firsts = [scored["tests"][t]["first"] for t in subset if scored["tests"][t]["first"] is not None]
        alerts = [{"time": min(firsts)}] if firsts else []
    if not run["attack"]:
        return ("fp" if alerts else "tn"), None, None
    t0 = run["attack_time"]
    early = [a for a in alerts if a["time"] < t0]
    late = [a for a in alerts if a["time"] >= t0]
    if early:
        return "early", None, None
    if late:
        return "tp", round(late[0]["time"] - t0, 3), None
    return "fn", None, None


def score_config(dirname, runs, params, stds_list, pool, tmp, splits=("validation", "test", "attack")):
    """models per kind for params; each run of the splits watched with each
    stds: {stds: {run name: scored}}"""
    tag = tag_of(params)
    kinds = sorted({r["kind"] for r in runs})
    models = {}
    for kind in kinds:
        models[kind] = os.path.join(tmp, f"{kind}-{tag}.det")
    list(pool.map(lambda k: train(dirname, [r for r in runs if r["kind"] == k and r["split"] == "train"],
                                  params, models[k]), kinds))
    jobs = [(r, s) for s in stds_list for r in runs if r["split"] in splits]
    results = list(pool.map(lambda j: (j[1], watch(dirname, j[0], models[j[0]["kind"]], j[1], params["threshold"])),
                            jobs))
    out = {s: {} for s in stds_list}
    for (run, _), (s, scored) in zip(jobs, results):
        out[s][run["name"]] = scored
    return out


def metrics(runs, scored, split="test", subset=None, attack_kinds=None):
    benign = [r for r in runs if r["split"] == split]
    attacks = [r for r in runs if r["split"] == "attack" and r["name"] in scored and
               (attack_kinds is None or r["attack"] in attack_kinds)]
    judged = {r["name"]: judge(r, scored[r["name"]], subset) for r in benign + attacks}
    fp = sum(judged[r["name"]][0] == "fp" for r in benign)
    early = sum(judged[r["name"]][0] == "early" for r in attacks)
    tp = sum(judged[r["name"]][0] == "tp" for r in attacks)
    fn = len(attacks) - tp - early
    benign_alerts = sum(judged[r["name"]][0] == "fp" for r in benign)  # one alert per run at most
    hours = sum(r["seconds"] for r in benign) / 3600
    prec = tp / (tp + fp + early) if tp + fp + early else None
    rec = tp / len(attacks) if attacks else None
    f1 = 2 * prec * rec / (prec + rec) if prec and rec else 0.0
    per_attack = {}
    for a in sorted({r["attack"] for r in attacks}):
        rs = [r for r in attacks if r["attack"] == a]
        lat = [judged[r["name"]][1] for r in rs if judged[r["name"]][0] == "tp"]
        per_attack[a] = {"runs": len(rs), "detected": len(lat),
                         "early": sum(judged[r["name"]][0] == "early" for r in rs),
                         "hosts": sorted({r["kind"] for r in rs}),
                         "latency_median_s": sorted(lat)[len(lat) // 2] if lat else None,
                         "latency_max_s": max(lat) if lat else None}
    per_kind = {}
    for k in sorted({r["kind"] for r in benign}):
        rs = [r for r in benign if r["kind"] == k]
        per_kind[k] = {"runs": len(rs), "false_positives": sum(judged[r["name"]][0] == "fp" for r in rs),
                       "edges_median": sorted(scored[r["name"]]["edges"] for r in rs)[len(rs) // 2]}
    return {"benign_runs": len(benign), "attack_runs": len(attacks), "tp": tp, "fn": fn, "fp": fp,
            "early": early, "precision": prec, "recall": rec, "f1": f1,
            "benign_hours": hours, "benign_alerts": benign_alerts,
            "fp_per_hour": benign_alerts / hours if hours else None,
            "per_attack": per_attack, "per_kind": per_kind,
            "runs": {n: {"outcome": j[0], "latency_s": j[1]} for n, j in judged.items()}}


def tag_of(params):
    return "h%(hops)d-s%(sketch)d-d%(decay)d-l%(lambda)g-t%(half_life)g-f%(floor)g-n%(names)d-%(threshold)s" % params


def choose(runs, res, subset=None):
    """the smallest stds of the grid with the fewest false positives on
    the benign validation runs (no attack)"""
    val = {s: metrics(runs, res[s], "validation", subset)["fp"] for s in res}
    return min(res, key=lambda s: (val[s], s)), val


def diagnosis(runs, res):
    """per run, the worst margin (score - threshold, at stds 0) of each
    test: benign validation runs against attack runs"""
    out = {}
    for t in TESTS:
        ben = sorted(res[r["name"]]["tests"][t]["margin"] for r in runs if r["split"] == "validation")
        att = sorted(res[r["name"]]["tests"][t]["margin"] for r in runs if r["split"] == "attack")
        out[t] = {"benign_median": ben[len(ben) // 2], "benign_max": ben[-1],
                  "attack_median": att[len(att) // 2], "attack_max": att[-1],
                  "attacks_above_benign_max": sum(x > ben[-1] for x in att), "attacks": len(att)}
    return out


def score(dirname, out, sweep):
    with open(os.path.join(dirname, "runs.json")) as f:
        data = json.load(f)
    runs = data["runs"]
    tmp = tempfile.mkdtemp(prefix="sabpf-eval-models.")
    pool = concurrent.futures.ThreadPoolExecutor(2)
    t0 = time.time()
    base = score_config(dirname, runs, DEFAULTS, STDS_GRID, pool, tmp)
    # the choice, on benign validation runs only
    chosen, val = choose(runs, base)
    result = {
        "generated": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "smoke": data["smoke"], "backend": data.get("backend", "trace"), "batch": BATCH, "params": DEFAULTS,
        "splits": {s: sum(r["split"] == s for r in runs) for s in ("train", "validation", "test", "attack")},
        "validation_fp": {str(s): val[s] for s in STDS_GRID}, "chosen_stds": chosen,
        "test": metrics(runs, base[chosen]),
        "by_stds": {str(s): strip(metrics(runs, base[s])) for s in STDS_GRID},
        "runs": [{k: r.get(k) for k in ("name", "kind", "split", "attack", "seed", "seconds")} for r in runs],
    }
    # which test raised what: each subset of the tests chooses its stds on
    # the validation runs the same way
    abl = []
    for subset in SUBSETS:
        s, _ = choose(runs, base, subset)
        abl.append(dict(tests=list(subset), stds=s, **strip(metrics(runs, base[s], subset=subset))))
    result["ablation"] = abl
    # the diagnosis: the detector as it was, on the same captures
    before = score_config(dirname, runs, BEFORE, STDS_GRID, pool, tmp)
    bs, _ = choose(runs, before, ("evolution",))
    result["before"] = {"params": BEFORE, "stds": bs,
                        "test": strip(metrics(runs, before[bs], subset=("evolution",))),
                        "margins": diagnosis(runs, before[0])}
    result["margins"] = diagnosis(runs, base[0])
    # how tight the models are: each kind's test runs against every other
    # kind's model (a model that accepts another workload is loose)
    kinds = sorted({r["kind"] for r in runs})
    tag = tag_of(DEFAULTS)
    jobs = [(r, k) for r in runs if r["split"] == "test" for k in kinds if k != r["kind"]]
    cross = list(pool.map(lambda j: (j, watch(dirname, j[0], os.path.join(tmp, f"{j[1]}-{tag}.det"), chosen)),
                          jobs))
    result["cross_kind"] = {k: {m: sum(bool(s["alerts"]) for (r, mk), s in cross if r["kind"] == k and mk == m)
                                for m in kinds if m != k} for k in kinds}
    result["cross_kind_runs"] = {k: sum(r["split"] == "test" and r["kind"] == k for r in runs) for k in kinds}
    if sweep:
        # leave-one-attack-kind-out: per attack kind, the half-life and
        # stds of best F1 on the validation runs and the other kinds'
        # attacks (ties: fewer validation false positives, then the
        # smaller stds and half-life), judged on the test runs and the
        # attacks of the kind left out
        configs = {}
        for hl in LOAKO_HALF_LIVES:
            params = dict(DEFAULTS, half_life=hl)
            configs[hl] = base if hl == DEFAULTS["half_life"] else \
                score_config(dirname, runs, params, STDS_GRID, pool, tmp)
        kinds_a = sorted({r["attack"] for r in runs if r["attack"]})
        folds = {}
        pooled = {"tp": 0, "early": 0, "runs": 0}
        for a in kinds_a:
            others = [k for k in kinds_a if k != a]
            best = None
            for hl, res in configs.items():
                for st in STDS_GRID:
                    m = metrics(runs, res[st], "validation", attack_kinds=others)
                    key = (m["f1"], -m["fp"], -st, -hl)
                    if best is None or key > best[0]:
                        best = (key, hl, st)
            _, hl, st = best
            m = metrics(runs, configs[hl][st], attack_kinds=[a])
            folds[a] = {"half_life": hl, "stds": st, "runs": m["attack_runs"], "tp": m["tp"],
                        "early": m["early"], "fp": m["fp"], "recall": m["recall"]}
            pooled["tp"] += m["tp"]
            pooled["early"] += m["early"]
            pooled["runs"] += m["attack_runs"]
        result["loako"] = {"folds": folds, "pooled": pooled}
        # sensitivity: each point chooses its own stds the same way, on
        # validation runs
        rows = [dict(DEFAULTS, stds=chosen, **strip(metrics(runs, base[chosen])))]
        for change in SWEEP:
            params = dict(DEFAULTS, **change)
            if params["half_life"] in configs and set(change) == {"half_life"}:
                res = configs[params["half_life"]]
            else:
                res = score_config(dirname, runs, params, STDS_GRID, pool, tmp)
            st, _ = choose(runs, res)
            m = strip(metrics(runs, res[st]))
            rows.append(dict(params, stds=st, **m))
            print(f"eval.py: sweep {params} stds {st}: P {m['precision']} R {m['recall']}", file=sys.stderr)
        result["sweep"] = rows
    result["score_seconds"] = round(time.time() - t0, 1)
    subprocess.run(["rm", "-rf", tmp])
    with open(out, "w") as f:
        json.dump(result, f, indent=1, sort_keys=True)
        f.write("\n")


def strip(m):
    return {k: m[k] for k in ("tp", "fn", "fp", "early", "precision", "recall", "f1", "fp_per_hour")}


def fmt(x, nd=2):
    return "n/a" if x is None else f"{x:.{nd}f}"


def ms(seconds):
    """a latency in seconds, as milliseconds (the results keep 3 decimals)"""
    return "n/a" if seconds is None else f"{seconds * 1000:.0f}"


def docs(path):
    with open(path) as f:
        r = json.load(f)
    t = r["test"]
    sp = r["splits"]
    L = []
    L.append(f"Generated {r['generated']} by `bench/detect/eval.py docs` from `{os.path.relpath(path, REPO)}` "
             f"(made by `make eval`, i.e. `bench/detect/eval.sh`); trace backend, natively; "
             f"{sp['train']} training, {sp['validation']} validation and {sp['test']} test benign runs, "
             f"{sp['attack']} attack runs; `--batch {r['batch']}`, hops {r['params']['hops']}, "
             f"sketch {r['params']['sketch']}, half-life {r['params']['half_life']} batches, "
             f"novelty floor {r['params']['floor']}, decay {r['params']['decay']}, "
             f"tests novelty, distance and evolution, thresholds max + "
             f"**{r['chosen_stds']}** stds, chosen on the validation runs alone "
             f"(false positives there per stds: "
             + ", ".join(f"{s}: {n}" for s, n in r["validation_fp"].items()) + "). "
             f"The runs took {sum(x['seconds'] for x in r['runs']):.0f} s of wall time to collect, "
             f"the scoring {r['score_seconds']:.0f} s.")
    L.append("")
    L.append("| | value |")
    L.append("| --- | ---: |")
    L.append(f"| precision | {fmt(t['precision'])} |")
    L.append(f"| recall | {fmt(t['recall'])} ({t['tp']} of {t['attack_runs']} attack runs) |")
    L.append(f"| F1 | {fmt(t['f1'])} |")
    L.append(f"| benign test runs flagged | {t['fp']} of {t['benign_runs']} |")
    L.append(f"| attack runs flagged before the attack began | {t['early']} |")
    L.append(f"| false positives per hour of benign runtime | {fmt(t['fp_per_hour'], 0)} "
             f"({t['benign_alerts']} alerts in {fmt(t['benign_hours'] * 3600, 0)} s of benign test runs) |")
    met = t["precision"] is not None and t["recall"] is not None and t["precision"] >= 0.9 and t["recall"] >= 0.9
    L.append("")
    L.append(f"The goal of precision and recall of at least 0.9 is {'met' if met else 'not met'} on these runs "
             f"(precision {fmt(t['precision'])}, recall {fmt(t['recall'])}); that it holds for attacks "
             f"not written here is what the leave-one-attack-kind-out table below estimates.")
    L.append("")
    L.append("| attack | workload kinds | runs | detected | flagged early | latency median ms | latency max ms |")
    L.append("| --- | --- | ---: | ---: | ---: | ---: | ---: |")
    for a, m in t["per_attack"].items():
        L.append(f"| {a} | {', '.join(m['hosts'])} | {m['runs']} | {m['detected']} | {m['early']} | "
                 f"{ms(m['latency_median_s'])} | {ms(m['latency_max_s'])} |")
    L.append("")
    L.append("| benign kind | test runs | flagged | median edges | median run s | edges per s (of the medians) |")
    L.append("| --- | ---: | ---: | ---: | ---: | ---: |")
    for k, m in t["per_kind"].items():
        secs = sorted(x["seconds"] for x in r["runs"] if x["kind"] == k and x["split"] == "test")
        med = secs[len(secs) // 2]
        L.append(f"| {k} | {m['runs']} | {m['false_positives']} | {m['edges_median']} | {med:.2f} | "
                 f"{m['edges_median'] / med:,.0f} |")
    if r.get("soak"):
        sk = r["soak"]
        rows = sk["kinds"]
        total = sum(x["seconds"] for x in rows)
        c = sk["with_long_training"]
        L.append("")
        L.append(f"Long benign runs (`eval.py soak`): per kind, one container whose shell does the workload "
                 f"again and again for {sk['seconds']} s (new sizes each round), {total:.0f} s in all, scored "
                 f"at the same threshold against (a) the model above, of single runs, and (b) that model's "
                 f"training runs plus one long run of {sk['train_seconds']} s of the kind. An alarm ends a "
                 f"container's scoring (one alert each). With (b), the kinds' test and attack runs judged "
                 f"again: {c['tp']} attack runs detected, {c['fn']} missed, {c['early']} flagged early, "
                 f"{c['fp']} benign test runs flagged.")
        L.append("")
        L.append("| kind | seconds | rounds | edges | flagged (a) | first alert (a) s | tests (a) | "
                 "flagged (b) | first alert (b) s | tests (b) |")
        L.append("| --- | ---: | ---: | ---: | --- | ---: | --- | --- | ---: | --- |")
        for x in rows:
            cells = []
            for v in ("a", "b"):
                cells += ["yes" if x[v]["flagged"] else "no", fmt(x[v]["first_alert_s"], 2),
                          ", ".join(x[v]["tests"]) or "-"]
            L.append(f"| {x['kind']} | {x['seconds']:.0f} | {x['rounds']} | {x['edges']} | " + " | ".join(cells) + " |")
    L.append("")
    L.append("Every stds of the grid on the test runs (not used to choose):")
    L.append("")
    L.append("| stds | precision | recall | F1 | benign flagged | early |")
    L.append("| ---: | ---: | ---: | ---: | ---: | ---: |")
    for s, m in r["by_stds"].items():
        L.append(f"| {s} | {fmt(m['precision'])} | {fmt(m['recall'])} | {fmt(m['f1'])} | {m['fp']} | {m['early']} |")
    if r.get("cross_kind"):
        kinds = sorted(r["cross_kind"])
        L.append("")
        L.append("How tight the models are: test runs of one kind (rows) flagged by the model of "
                 "another kind (columns), of the runs of that kind, at the chosen threshold:")
        L.append("")
        L.append("| test runs \\ model | " + " | ".join(kinds) + " |")
        L.append("| --- | " + " | ".join("---:" for _ in kinds) + " |")
        for k in kinds:
            n = r["cross_kind_runs"][k]
            L.append(f"| {k} | " + " | ".join("" if m == k else f"{r['cross_kind'][k][m]} of {n}"
                                               for m in kinds) + " |")
    if r.get("ablation"):
        L.append("")
        L.append("Which test raises the alerts: the same watches judged as if only some tests raised "
                 "alerts, each choosing its stds on the validation runs the same way:")
        L.append("")
        L.append("| tests | stds chosen | precision | recall | F1 | benign flagged | early |")
        L.append("| --- | ---: | ---: | ---: | ---: | ---: | ---: |")
        for m in r["ablation"]:
            L.append(f"| {', '.join(m['tests'])} | {m['stds']} | {fmt(m['precision'])} | {fmt(m['recall'])} | "
                     f"{fmt(m['f1'])} | {m['fp']} | {m['early']} |")
    if r.get("before"):
        b = r["before"]
        bp = b["params"]
        L.append("")
        L.append(f"The diagnosis. The detector as it was (Unicorn's evolution alone, a decay every "
                 f"{bp['decay']} labels of lambda {bp['lambda']}, no per-batch decay) on the same captures, "
                 f"stds chosen the same way ({b['stds']}): precision {fmt(b['test']['precision'])}, "
                 f"recall {fmt(b['test']['recall'])} ({b['test']['tp']} of {t['attack_runs']}), "
                 f"{b['test']['fp']} benign test runs flagged. Per run, each test's worst margin "
                 f"(score minus threshold, at stds 0; a run is flagged when it is above 0), "
                 f"benign validation runs against attack runs:")
        L.append("")
        L.append("| detector | test | benign median | benign max | attack median | attack max | "
                 "attacks above the benign max |")
        L.append("| --- | --- | ---: | ---: | ---: | ---: | ---: |")
        for name, mg in (("before", b["margins"]), ("now", r["margins"])):
            for tname, x in mg.items():
                if name == "before" and tname != "evolution":
                    continue
                L.append(f"| {name} | {tname} | {x['benign_median']:.4f} | {x['benign_max']:.4f} | "
                         f"{x['attack_median']:.4f} | {x['attack_max']:.4f} | "
                         f"{x['attacks_above_benign_max']} of {x['attacks']} |")
    if r.get("loako"):
        lo = r["loako"]
        p_ = lo["pooled"]
        L.append("")
        L.append("Leave-one-attack-kind-out: for each attack kind, the half-life (of "
                 + ", ".join(str(h) for h in LOAKO_HALF_LIVES) + " batches) and the stds of best F1 on the "
                 "validation runs and the attacks of the other kinds, judged on the test runs and the "
                 "attacks of the kind left out (which chose nothing):")
        L.append("")
        L.append("| attack left out | half-life chosen | stds chosen | runs | detected | flagged early | "
                 "benign test runs flagged |")
        L.append("| --- | ---: | ---: | ---: | ---: | ---: | ---: |")
        for a, f in lo["folds"].items():
            L.append(f"| {a} | {f['half_life']} | {f['stds']} | {f['runs']} | {f['tp']} | {f['early']} | {f['fp']} |")
        L.append(f"| all | | | {p_['runs']} | {p_['tp']} | {p_['early']} | |")
    if r.get("sweep"):
        L.append("")
        L.append("Sensitivity: one parameter at a time from the defaults (first row), the half-life "
                 "in batches (0: none), the novelty floor, the mean as the thresholds' base, and process names left out of the labels (`--no-task-names`); each point chose its stds on "
                 "its validation runs the same way; the figures are on the test runs and attacks, and chose nothing:")
        L.append("")
        L.append("| hops | sketch | half-life | novelty floor | task names | threshold | stds chosen | precision | recall | F1 | "
                 "benign flagged | early |")
        L.append("| ---: | ---: | ---: | ---: | --- | --- | ---: | ---: | ---: | ---: | ---: | ---: |")
        for m in r["sweep"]:
            L.append(f"| {m['hops']} | {m['sketch']} | {m['half_life']} | {m['floor']} | "
                     f"{'on' if m.get('names', 1) else 'off'} | "
                     f"{m.get('threshold', 'max')} | {m['stds']} | "
                     f"{fmt(m['precision'])} | {fmt(m['recall'])} | {fmt(m['f1'])} | {m['fp']} | {m['early']} |")
    replace_section("eval", "docs", L)


def replace_section(name, command, lines):
    """rewrites DOC between the markers of section name (written by
    `eval.py command`) with lines"""
    with open(DOC) as f:
        text = f.read()
    begin = f"<!-- {name}:begin (generated by bench/detect/eval.py {command}) -->\n"
    end = f"<!-- {name}:end -->"
    if begin not in text or end not in text:
        sys.exit(f"eval.py: {DOC} lacks the {name} markers")
    head, rest = text.split(begin, 1)
    _, tail = rest.split(end, 1)
    with open(DOC, "w") as f:
        f.write(head + begin + "\n".join(lines) + "\n" + end + tail)


def compare(trace_path, lsm_path):
    """the comparison of backends (eval-backends.sh): the same plan's
    figures on each, side by side, into docs/detection.md"""
    r = {}
    for b, path in (("trace", trace_path), ("lsm", lsm_path)):
        with open(path) as f:
            r[b] = json.load(f)
        if r[b]["backend"] != b:
            sys.exit(f"eval.py: {path} holds {r[b]['backend']} results, not {b}")
    t, l = r["trace"]["test"], r["lsm"]["test"]
    sp = r["trace"]["splits"]
    if sp != r["lsm"]["splits"] or [x["name"] for x in r["trace"]["runs"]] != [x["name"] for x in r["lsm"]["runs"]]:
        sys.exit("eval.py: the two results are not of the same plan: rerun bench/detect/eval-backends.sh")
    L = []
    L.append(f"Generated {r['lsm']['generated']} by `bench/detect/eval.py compare` from "
             f"`{os.path.relpath(trace_path, REPO)}` and `{os.path.relpath(lsm_path, REPO)}` (made by "
             f"`bench/detect/eval-backends.sh`); the same plan on both: {sp['train']} training, "
             f"{sp['validation']} validation and {sp['test']} test benign runs of "
             f"{', '.join(sorted({x['kind'] for x in r['trace']['runs']}))}, {sp['attack']} attack runs; "
             f"`--batch {r['trace']['batch']}` and the detector's defaults; each backend chose its own stds "
             f"on its own validation runs.")
    L.append("")
    L.append("| | trace, natively | LSM, in the VM |")
    L.append("| --- | ---: | ---: |")

    def row(label, f):
        L.append(f"| {label} | {f(r['trace'], t)} | {f(r['lsm'], l)} |")
    row("stds chosen", lambda x, m: f"{x['chosen_stds']}")
    row("precision", lambda x, m: fmt(m["precision"]))
    row("recall", lambda x, m: f"{fmt(m['recall'])} ({m['tp']} of {m['attack_runs']})")
    row("F1", lambda x, m: fmt(m["f1"]))
    row("benign test runs flagged", lambda x, m: f"{m['fp']} of {m['benign_runs']}")
    row("attack runs flagged early", lambda x, m: f"{m['early']}")
    row("benign test runtime, s", lambda x, m: fmt(m["benign_hours"] * 3600, 0))
    row("false positives per hour of benign runtime", lambda x, m: fmt(m["fp_per_hour"], 0))
    row("collection, s (all runs)", lambda x, m: f"{sum(y['seconds'] for y in x['runs']):.0f}")
    L.append("")
    L.append("| attack | runs | detected, trace | detected, LSM | latency median ms, trace | "
             "latency median ms, LSM |")
    L.append("| --- | ---: | ---: | ---: | ---: | ---: |")
    for a in sorted(set(t["per_attack"]) | set(l["per_attack"])):
        ta, la = t["per_attack"].get(a, {}), l["per_attack"].get(a, {})
        L.append(f"| {a} | {ta.get('runs', la.get('runs'))} | {ta.get('detected', 0)} | {la.get('detected', 0)} | "
                 f"{ms(ta.get('latency_median_s'))} | {ms(la.get('latency_median_s'))} |")
    L.append("")
    L.append("| benign kind | median edges, trace | median edges, LSM | flagged, trace | flagged, LSM |")
    L.append("| --- | ---: | ---: | ---: | ---: |")
    for k in sorted(t["per_kind"]):
        tk, lk = t["per_kind"][k], l["per_kind"].get(k, {})
        L.append(f"| {k} | {tk['edges_median']} | {lk.get('edges_median')} | "
                 f"{tk['false_positives']} of {tk['runs']} | {lk.get('false_positives')} of {lk.get('runs')} |")
    differ = sorted(n for n in t["runs"] if t["runs"][n]["outcome"] != l["runs"].get(n, {}).get("outcome"))
    L.append("")
    L.append("Runs judged differently: " + (", ".join(
        f"{n} (trace {t['runs'][n]['outcome']}, LSM {l['runs'][n]['outcome']})" for n in differ) or "none") + ".")
    L.append("")
    L.append("| tests | precision, trace | recall, trace | precision, LSM | recall, LSM |")
    L.append("| --- | ---: | ---: | ---: | ---: |")
    for ta, la in zip(r["trace"]["ablation"], r["lsm"]["ablation"]):
        L.append(f"| {', '.join(ta['tests'])} | {fmt(ta['precision'])} | {fmt(ta['recall'])} | "
                 f"{fmt(la['precision'])} | {fmt(la['recall'])} |")
    replace_section("backends", "compare", L)


def check(dirname, path):
    """the smoke test (tests/native/scenarios/55-detect-eval.sh): the result
    judges every held-out run once, consistently with its own counts; each
    training capture fits its kind's model; a test run whose reads became
    executable maps and writes hard links is abnormal against its kind's
    model. Prints TAP-like lines; the number of
    failures."""
    with open(os.path.join(dirname, "runs.json")) as f:
        runs = json.load(f)["runs"]
    with open(path) as f:
        r = json.load(f)
    t = r["test"]
    fails = 0

    def say(ok, text):
        nonlocal fails
        fails += not ok
        print(f"{'ok' if ok else 'not ok'} - {text}")

    held = [x for x in runs if x["split"] in ("test", "attack")]
    outcomes = {n: j["outcome"] for n, j in t["runs"].items()}
    say(sorted(outcomes) == sorted(x["name"] for x in held) and
        all(outcomes[x["name"]] in (("tp", "fn", "early") if x["attack"] else ("fp", "tn")) for x in held),
        f"every held-out run judged once: {outcomes}")
    tp = sum(o == "tp" for o in outcomes.values())
    say(tp == t["tp"] and sum(o == "fp" for o in outcomes.values()) == t["fp"] and
        all((j["latency_s"] is not None and j["latency_s"] >= 0) == (j["outcome"] == "tp") for j in t["runs"].values()),
        f"counts and latencies agree with the outcomes (tp {t['tp']}, fp {t['fp']})")
    say(all(x.get("attack_time") for x in runs if x["attack"]), "every attack started (ATTACK_BEGIN recorded)")
    tmp = tempfile.mkdtemp(prefix="sabpf-eval-check.")
    kinds = sorted({x["kind"] for x in runs})
    params = dict(r["params"])
    for k in kinds:
        train(dirname, [x for x in runs if x["kind"] == k and x["split"] == "train"], params, f"{tmp}/{k}.det")
    for x in runs:
        if x["split"] == "train":
            s = watch(dirname, x, f"{tmp}/{x['kind']}.det", r["chosen_stds"])
            # by construction a training run is its own nearest graph, holds
            # only known labels and follows its own evolution (each sketch
            # within its cluster's max distance, and the fit keeps every
            # step it can be at): no test can fire on it
            m = {t: s["tests"][t]["margin"] for t in TESTS}
            say(all(s["tests"][t]["first"] is None for t in TESTS),
                f"training run {x['name']} fits its model: no test fires (margins "
                + ", ".join(f"{t} {m[t]}" for t in TESTS) + ")")
    for x in runs:
        if x["split"] == "test":
            # the same processes doing something else: reads (16) turned into
            # executable maps (20), writes (17) into hard links (24), as
            # tests/detect/check.sh does
            mut = dict(x, capture=os.path.join(tmp, x["name"] + ".mut.raw"))
            src = os.path.join(dirname, x["capture"])
            for a, b in (("16", "20"), ("17", "24")):
                subprocess.run([sys.executable, os.path.join(REPO, "tests", "detect", "mutate_capture.py"),
                                src, mut["capture"], a, b], check=True, stdout=subprocess.DEVNULL)
                src = mut["capture"] + ".1"
                os.replace(mut["capture"], src)
            os.replace(src, mut["capture"])
            s = watch(dirname, mut, f"{tmp}/{x['kind']}.det", r["chosen_stds"])
            say(bool(s["alerts"]), f"test run {x['name']} with reads made executable maps and writes "
                f"hard links is abnormal ({s['worst_margin']})")
    subprocess.run(["rm", "-rf", tmp])
    return fails


def main():
    args = sys.argv[1:]
    if not args:
        sys.exit(__doc__)
    cmd = args.pop(0)
    opt = {"--dir": None, "--out": RESULT, "--backend": None}
    flags = set()
    pos = []
    while args:
        a = args.pop(0)
        if a in opt and args:
            opt[a] = args.pop(0)
        elif a in ("--smoke", "--sweep"):
            flags.add(a)
        elif cmd in ("docs", "check") and not a.startswith("-"):
            opt["--out"] = a
        elif cmd == "compare" and not a.startswith("-"):
            pos.append(a)
        else:
            sys.exit(f"eval.py: unknown argument '{a}'\n{__doc__}")
    if cmd == "collect" and opt["--dir"]:
        collect(opt["--dir"], "--smoke" in flags)
    elif cmd == "score" and opt["--dir"]:
        score(opt["--dir"], opt["--out"], "--sweep" in flags)
    elif cmd == "docs":
        docs(opt["--out"])
    elif cmd == "soak" and opt["--dir"]:
        soak(opt["--dir"], opt["--out"])
    elif cmd == "plan":
        write_plan(opt["--out"])
    elif cmd == "import" and opt["--dir"] and opt["--backend"] in ("trace", "lsm"):
        import_runs(opt["--dir"], opt["--backend"])
    elif cmd == "compare" and len(pos) == 2:
        compare(pos[0], pos[1])
    elif cmd == "check" and opt["--dir"]:
        sys.exit(1 if check(opt["--dir"], opt["--out"]) else 0)
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main()
