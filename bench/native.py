#!/usr/bin/python3
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
"""native.py: the native benchmark of sabpf's trace backend, side by side
with auditd, on this host (no VM). `make bench` and `bench/run.sh --native`
run it; bench/native_report.py turns its data into docs/performance.md's
native tables.

    bench/native.py [--quick] [--rounds N] [--seconds S] [--parts LIST]
                    [--out FILE]

Parts (all by default, in this order; --parts picks some):
  micro  the lmbench rows of build/bench/microbench, one process per row,
         under four configurations interleaved round by round (the order
         rotates): none (no agent), auditd (auditd recording the same
         syscalls, host-wide, as auditd does), trace-other (sabpf's trace
         backend auditing another cgroup: the cost for containers that are
         not audited), trace-self (auditing the workload's own cgroup)
  macro  untar a source tarball, compile sabpf's user-space sources,
         postmark, redis-benchmark against redis-server, wrk against nginx,
         under the same four configurations
  drain  a paced flood (build/bench/flood) in an audited cgroup at rising
         rates: records drained, records lost (the agent's --stats
         counters) and the agent's CPU time per record
  scale  agent memory (VmRSS, and bytes_memlock of its maps from `bpftool
         map show`) and per-syscall cost with 1, 10, 100, 1000 audited
         cgroups
  progs  where the time goes: kernel.bpf_stats_enabled turned on for the
         part (and put back), run_cnt and run_time_ns of each of the
         agent's programs over a few rows, run in an unaudited and in the
         audited cgroup (tail-called family programs count in their
         dispatcher, trace_sys_exit)

Every measurement carries the conditions it ran under: 1-minute loadavg
before and after, CPU steal, and the CPU time others used meanwhile (the
host's busy time minus this benchmark's own cgroup and kauditd); a
measurement during which others kept more than 0.5 CPU busy, or steal
exceeded 5%, is marked "disturbed". BPF tracing programs loaded by others
(another agent on the host slows every system call) are counted too.

Workloads run in cgroup v2 directories under <cgroup2>/sabpf-bench.<pid>/
(work: the workload; other: a sleeping process, the other container; ctl:
this script and the clients), removed at the end. auditd runs from a
private configuration (log on tmpfs); the kernel's audit rules and enabled
flag are saved first and restored after, and auditd is stopped.

Writes one JSON document (default bench/results/native.json; --quick:
build/bench-native/quick.json). Exit status: 0 when every measurement ran,
1 if any failed (the document is still written, with the failures), 2 on
bad usage or when this host cannot run the benchmark (not root, no cgroup
v2, no agent binary).
"""

import argparse
import datetime
import json
import os
import platform
import re
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SABPF = os.path.join(REPO, "build", "sabpf")
MICROBENCH = os.path.join(REPO, "build", "bench", "microbench")
FLOOD = os.path.join(REPO, "build", "bench", "flood")
CONFIGS = ("none", "auditd", "trace-other", "trace-self")
PARTS = ("micro", "macro", "drain", "scale", "progs")
MICRO_ROWS = ("null", "stat", "fstat", "open/close", "read", "write", "fork+exit", "fork+exec",
              "create-0k", "delete-0k", "create-10k", "delete-10k", "pipe", "af_unix")
MACROS = ("untar", "build", "postmark", "redis", "nginx")
SCALE_COUNTS = (1, 10, 100, 1000)
SCALE_ROWS = ("null", "stat", "open/close", "read", "write")
DISTURBED_OTHERS_CPU = 0.5
DISTURBED_STEAL = 0.05
# The process class of the trace backend comes from scheduler tracepoints;
# auditd needs the system calls behind it.
PROC_SYSCALLS = ("execve", "execveat", "clone", "clone3", "fork", "vfork", "exit_group")
# The kernel's names that auditd's table (ausyscall) spells otherwise.
AUDIT_NAMES = {"pread64": "pread", "pwrite64": "pwrite"}
HZ = os.sysconf("SC_CLK_TCK")


class BenchError(Exception):
    """A measurement or a configuration that failed; the message says which."""


def log(msg):
    print(f"bench: {msg}", file=sys.stderr, flush=True)


# ---- the conditions of a measurement ---------------------------------------------


def cpu_jiffies():
    """(busy, steal, total) jiffies of all CPUs from /proc/stat."""
    with open("/proc/stat") as f:
        fields = [int(x) for x in f.readline().split()[1:]]
    user, nice, system, idle, iowait, irq, softirq, steal = (fields + [0] * 8)[:8]
    busy = user + nice + system + irq + softirq
    return busy, steal, busy + idle + iowait + steal


def loadavg():
    with open("/proc/loadavg") as f:
        return float(f.read().split()[0])


def task_cpu_seconds(pid):
    """utime + stime of one task (/proc/PID/stat), 0 if it is gone."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / HZ
    except (OSError, IndexError, ValueError):
        return 0.0


def cgroup_cpu_seconds(path):
    """usage_usec of a cgroup v2 directory (its cpu.stat), in seconds."""
    with open(os.path.join(path, "cpu.stat")) as f:
        for line in f:
            if line.startswith("usage_usec"):
                return int(line.split()[1]) / 1e6
    return 0.0


def kauditd_pids():
    pids = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/comm") as f:
                    if f.read().strip() == "kauditd":
                        pids.append(int(entry))
            except OSError:
                pass
    return pids


def foreign_tracing_programs():
    """How many BPF programs of tracing kinds are loaded (call it when no
    agent of ours runs): another agent on the host slows every syscall."""
    try:
        out = subprocess.run(["bpftool", "prog", "show", "-j"], capture_output=True, text=True,
                             timeout=30).stdout
        progs = json.loads(out or "[]")
    except (OSError, ValueError, subprocess.TimeoutExpired):
        return None
    return sum(1 for p in progs if p.get("type") in ("tracing", "raw_tracepoint", "tracepoint",
                                                     "kprobe", "perf_event"))


class Conditions:
    """Samples the host before and after one measurement."""

    def __init__(self, bench):
        self.bench = bench

    def __enter__(self):
        self.t0 = time.monotonic()
        self.load0 = loadavg()
        self.jiffies0 = cpu_jiffies()
        self.own0 = self.bench.own_cpu_seconds()
        return self

    def __exit__(self, *exc):
        self.wall = time.monotonic() - self.t0
        busy1, steal1, total1 = cpu_jiffies()
        busy0, steal0, total0 = self.jiffies0
        own = self.bench.own_cpu_seconds() - self.own0
        others = max(0.0, ((busy1 - busy0) / HZ - own) / self.wall) if self.wall > 0 else 0.0
        steal = (steal1 - steal0) / (total1 - total0) if total1 > total0 else 0.0
        self.record = {
            "seconds": round(self.wall, 3),
            "loadavg_before": self.load0,
            "loadavg_after": loadavg(),
            "steal": round(steal, 4),
            "others_cpu": round(others, 3),
            "own_cpu": round(own / self.wall, 3) if self.wall > 0 else 0.0,
        }
        self.record["disturbed"] = others > DISTURBED_OTHERS_CPU or steal > DISTURBED_STEAL
        return False


# ---- cgroups ---------------------------------------------------------------------------


def cgroup2_root():
    with open("/proc/mounts") as f:
        for line in f:
            parts = line.split()
            if len(parts) > 2 and parts[2] == "cgroup2":
                return parts[1]
    return None


def own_cgroup2():
    with open("/proc/self/cgroup") as f:
        for line in f:
            if line.startswith("0::"):
                return line[3:].strip()
    return "/"


def move_self(cgroup_dir):
    """preexec_fn: the child moves itself into cgroup_dir before exec."""

    def move():
        with open(os.path.join(cgroup_dir, "cgroup.procs"), "w") as f:
            f.write("0")

    return move


# ---- the benchmark -----------------------------------------------------------------------


class Bench:
    def __init__(self, args):
        self.args = args
        self.root = cgroup2_root()
        self.top = os.path.join(self.root, f"sabpf-bench.{os.getpid()}")
        self.work = os.path.join(self.top, "work")
        self.other = os.path.join(self.top, "other")
        self.ctl = os.path.join(self.top, "ctl")
        self.agent_cg = os.path.join(self.top, "agent")
        self.scratch = tempfile.mkdtemp(prefix="sabpf-bench.", dir=args.scratch)
        self.kauditd = kauditd_pids()
        self.extra_pids = []  # daemons outside our cgroup (auditd forks away)
        self.agent = None
        self.auditd = None
        self.sleeper = None
        self.saved_audit = None
        self.audit_rule = None
        self.results = []
        self.failures = []

    # CPU time of everything this benchmark runs: its cgroup, kauditd, auditd.
    def own_cpu_seconds(self):
        try:
            total = cgroup_cpu_seconds(self.top)
        except OSError:
            total = 0.0
        for pid in self.kauditd + self.extra_pids:
            total += task_cpu_seconds(pid)
        return total

    def setup(self):
        self.original_cgroup = own_cgroup2()
        for d in (self.top, self.work, self.other, self.ctl, self.agent_cg):
            os.makedirs(d, exist_ok=True)
        with open(os.path.join(self.ctl, "cgroup.procs"), "w") as f:
            f.write(str(os.getpid()))
        self.sleeper = subprocess.Popen(["sleep", "100000"], preexec_fn=move_self(self.other))

    def teardown(self):
        self.stop_agent(quiet=True)
        self.stop_auditd()
        if self.sleeper:
            self.sleeper.kill()
            self.sleeper.wait()
        try:
            with open(os.path.join(self.root, self.original_cgroup.lstrip("/"), "cgroup.procs"),
                      "w") as f:
                f.write(str(os.getpid()))
        except OSError as e:
            log(f"cannot move back to {self.original_cgroup}: {e}")
        for dirpath, dirnames, _ in sorted(os.walk(self.top), key=lambda w: -len(w[0])):
            try:
                os.rmdir(dirpath)
            except OSError:
                pass
        shutil.rmtree(self.scratch, ignore_errors=True)

    def fail(self, what, why):
        log(f"FAILED {what}: {why}")
        self.failures.append({"what": what, "why": str(why)})

    # ---- configurations ------------------------------------------------------------

    def start_agent(self, cgroups, ring=None):
        """sabpf audit --backend trace on cgroups; returns once it audits all."""
        stats = os.path.join(self.scratch, "agent-stats.json")
        errlog = os.path.join(self.scratch, "agent.err")
        for path in (stats, errlog):
            if os.path.exists(path):
                os.unlink(path)
        cmd = [SABPF, "audit", "--backend", "trace", "-o",
               "raw:" + os.path.join(self.scratch, "agent.raw"), "--stats", stats]
        if ring:
            cmd += ["--ring-size", ring]
        for cg in cgroups:
            cmd += ["--cgroup", cg]
        with open(errlog, "w") as err:
            self.agent = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=err,
                                          preexec_fn=move_self(self.agent_cg))
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            if self.agent.poll() is not None:
                raise BenchError(f"sabpf audit exited {self.agent.returncode}: "
                                 f"{open(errlog).read()[-500:]}")
            with open(errlog) as f:
                text = f.read()
                if text.count("sabpf: auditing ") >= len(cgroups):
                    return sum(int(n) for n in re.findall(r"(\d+) cgroups? in scope", text))
            time.sleep(0.05)
        raise BenchError("sabpf audit did not say it was auditing within 120 s")

    def stop_agent(self, quiet=False):
        """SIGINT, wait; returns the agent's --stats counters."""
        if not self.agent:
            return None
        self.agent.send_signal(signal.SIGINT)
        try:
            rc = self.agent.wait(timeout=60)
        except subprocess.TimeoutExpired:
            self.agent.kill()
            rc = self.agent.wait()
        self.agent = None
        raw = os.path.join(self.scratch, "agent.raw")
        size = os.path.getsize(raw) if os.path.exists(raw) else 0
        for path in (raw, raw + ".tmp"):
            if os.path.exists(path):
                os.unlink(path)
        try:
            with open(os.path.join(self.scratch, "agent-stats.json")) as f:
                stats = json.load(f)
        except (OSError, ValueError):
            stats = None
        if rc != 0 and not quiet:
            raise BenchError(f"sabpf audit exited {rc}: "
                             f"{open(os.path.join(self.scratch, 'agent.err')).read()[-500:]}")
        if stats is None:
            return None
        return {k: stats.get(k) for k in ("records", "nodes", "edges", "lost", "lost_ring",
                                          "kernel_lost", "seq_missing")} | {"raw_bytes": size}

    def audit_syscalls(self):
        """The system calls the trace backend records (its table in
        src/trace.c, the one source of truth), plus the process calls it
        takes from scheduler tracepoints, in auditd's spelling. A call
        newer than auditd's table (fchmodat2, setxattrat, ...) goes in by
        its number, which auditctl takes as well: the rule never records
        less than the trace backend."""
        with open(os.path.join(REPO, "src", "trace.c")) as f:
            table = re.findall(r'\{(\d+), "([a-z0-9_]+)", "trace_', f.read())
        if not table:
            raise BenchError("no syscall table found in src/trace.c (trace_syscalls[])")
        known = []
        for nr, name in [(None, n) for n in PROC_SYSCALLS] + table:
            name = AUDIT_NAMES.get(name, name)
            r = subprocess.run(["ausyscall", "x86_64", name, "--exact"], capture_output=True)
            if r.returncode != 0:
                if nr is None:
                    raise BenchError(f"auditd does not know the system call '{name}': add "
                                     "its auditd name to AUDIT_NAMES in bench/native.py")
                name = nr
            if name not in known:
                known.append(name)
        return known

    def start_auditd(self):
        if not shutil.which("auditd") or not shutil.which("auditctl"):
            raise BenchError("auditd/auditctl missing: scripts/install-deps.sh installs auditd")
        if self.saved_audit is None:
            status = subprocess.run(["auditctl", "-s"], capture_output=True, text=True).stdout
            rules = subprocess.run(["auditctl", "-l"], capture_output=True, text=True).stdout
            enabled = re.search(r"^enabled (\d)", status, re.M)
            backlog = re.search(r"^backlog_limit (\d+)", status, re.M)
            pid = re.search(r"^pid (\d+)", status, re.M)
            if pid and pid.group(1) != "0":
                raise BenchError(f"an audit daemon (pid {pid.group(1)}) already runs: "
                                 "stop it for the benchmark")
            self.saved_audit = {"enabled": enabled.group(1) if enabled else "0",
                                "backlog_limit": backlog.group(1) if backlog else "64",
                                "rules": [] if rules.strip() == "No rules" else rules.splitlines()}
        conf_dir = os.path.join(self.scratch, "auditd")
        os.makedirs(conf_dir, exist_ok=True)
        logfile = os.path.join(conf_dir, "audit.log")
        with open(os.path.join(conf_dir, "auditd.conf"), "w") as f:
            f.write(f"log_file = {logfile}\nlog_format = ENRICHED\nflush = INCREMENTAL_ASYNC\n"
                    "freq = 50\nmax_log_file = 4096\nmax_log_file_action = ROTATE\n"
                    "num_logs = 2\nspace_left = 2\nspace_left_action = IGNORE\n"
                    "admin_space_left = 1\nadmin_space_left_action = IGNORE\n"
                    "disk_full_action = IGNORE\ndisk_error_action = IGNORE\n"
                    "q_depth = 2000\noverflow_action = SYSLOG\nwrite_logs = yes\n")
        self.auditd = subprocess.Popen(["auditd", "-n", "-c", conf_dir],
                                       stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                                       preexec_fn=move_self(self.ctl))
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            status = subprocess.run(["auditctl", "-s"], capture_output=True, text=True).stdout
            if re.search(rf"^pid {self.auditd.pid}$", status, re.M):
                break
            if self.auditd.poll() is not None:
                raise BenchError(f"auditd exited {self.auditd.returncode}: "
                                 f"{self.auditd.stderr.read().decode()[-500:]}")
            time.sleep(0.1)
        else:
            raise BenchError("auditd did not register with the kernel within 30 s")
        # the backlog Debian's /etc/audit/rules.d/audit.rules sets (the
        # kernel's default of 64 makes callers wait for auditd)
        subprocess.run(["auditctl", "-b", "8192"], capture_output=True, check=True)
        cmd = ["auditctl", "-a", "always,exit", "-F", "arch=b64"]
        for name in self.audit_syscalls():
            cmd += ["-S", name]
        cmd += ["-k", "sabpf-bench"]
        self.audit_rule = " ".join(cmd[1:])
        r = subprocess.run(cmd, capture_output=True, text=True)
        if r.returncode != 0:
            raise BenchError(f"auditctl rejected the rule: {r.stderr.strip()}")
        subprocess.run(["auditctl", "-e", "1"], capture_output=True, check=True)

    def stop_auditd(self):
        """Deletes our rules, restores the saved rules and enabled flag,
        stops auditd; returns the size of its log."""
        # auditd enables auditing when it starts and leaves it on: stop it
        # first, then put back the rules and the flag seen before
        daemon, self.auditd = self.auditd, None
        if daemon:
            daemon.send_signal(signal.SIGTERM)
            try:
                daemon.wait(timeout=30)
            except subprocess.TimeoutExpired:
                daemon.kill()
                daemon.wait()
        if self.saved_audit is not None:
            subprocess.run(["auditctl", "-D"], capture_output=True)
            for rule in self.saved_audit["rules"]:
                subprocess.run(["auditctl"] + rule.split(), capture_output=True)
            subprocess.run(["auditctl", "-b", self.saved_audit["backlog_limit"]],
                           capture_output=True)
            subprocess.run(["auditctl", "-e", self.saved_audit["enabled"]], capture_output=True)
        if not daemon:
            return None
        logfile = os.path.join(self.scratch, "auditd", "audit.log")
        size = sum(os.path.getsize(os.path.join(os.path.dirname(logfile), f))
                   for f in os.listdir(os.path.dirname(logfile)) if f.startswith("audit.log"))
        shutil.rmtree(os.path.dirname(logfile), ignore_errors=True)
        return {"log_bytes": size}

    def enter(self, config):
        if config == "auditd":
            self.start_auditd()
        elif config == "trace-other":
            self.start_agent([self.other])
        elif config == "trace-self":
            self.start_agent([self.work])

    def leave(self, config):
        if config == "auditd":
            return self.stop_auditd()
        if config.startswith("trace"):
            return self.stop_agent()
        return None

    # ---- measurements ----------------------------------------------------------------

    def run(self, cmd, cgroup=None, timeout=600, **kw):
        r = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout,
                           preexec_fn=move_self(cgroup or self.work), **kw)
        if r.returncode != 0:
            raise BenchError(f"{' '.join(cmd[:3])}... exited {r.returncode}: "
                             f"{(r.stderr or r.stdout).strip()[-400:]}")
        return r.stdout

    def measure(self, part, config, round_, name, fn):
        """Runs fn() under Conditions; appends {part, config, round, name,
        ...fn's fields, conditions}. A failure is recorded, not raised."""
        try:
            with Conditions(self) as c:
                fields = fn()
        except (BenchError, OSError, subprocess.SubprocessError) as e:
            self.fail(f"{part} {config} round {round_} {name}", e)
            return None
        entry = {"part": part, "config": config, "round": round_, "name": name}
        entry.update(fields)
        entry["conditions"] = c.record
        self.results.append(entry)
        return entry

    def micro_row(self, row, seconds, cgroup=None):
        out = self.run([MICROBENCH, "--json", "--seconds", str(seconds), "--dir", self.scratch,
                        "--cpu", "0", "--rows", row], cgroup=cgroup)
        rec = json.loads(out.strip().splitlines()[-1])
        return {"us": rec["us"], "stddev_us": rec["stddev_us"], "min_us": rec["min_us"],
                "iterations": rec["iterations"], "repetitions": rec["repetitions"]}

    def prepare_macro(self):
        """The inputs of the macro workloads, made once: a source tarball
        (headers of the C and C++ libraries and of Linux), a postmark
        script, an nginx prefix."""
        self.tarball = os.path.join(self.scratch, "src.tar.gz")
        dirs = [d for d in ("linux", "c++", "x86_64-linux-gnu")
                if os.path.isdir(os.path.join("/usr/include", d))]
        subprocess.run(["tar", "-czf", self.tarball, "-C", "/usr/include"] + dirs, check=True)
        self.tarball_info = {"bytes": os.path.getsize(self.tarball),
                             "files": int(subprocess.run(
                                 ["sh", "-c", f"tar -tzf {self.tarball} | wc -l"],
                                 capture_output=True, text=True).stdout)}
        self.build_sources = sorted(os.path.join(REPO, "src", f)
                                    for f in os.listdir(os.path.join(REPO, "src"))
                                    if f.endswith(".c"))
        if self.args.quick:
            self.build_sources = self.build_sources[:4]
        q = self.args.quick
        self.postmark_conf = os.path.join(self.scratch, "postmark.conf")
        with open(self.postmark_conf, "w") as f:
            f.write(f"set location {self.scratch}/pm\nset number {300 if q else 2000}\n"
                    f"set transactions {1000 if q else 5000}\nset size 500 10000\n"
                    "set read 4096\nset write 4096\nset report terse\nrun\nquit\n")
        self.nginx_prefix = os.path.join(self.scratch, "nginx")
        os.makedirs(os.path.join(self.nginx_prefix, "html"), exist_ok=True)
        with open(os.path.join(self.nginx_prefix, "html", "index.html"), "w") as f:
            f.write("x" * 1024)
        self.nginx_port = 18000 + os.getpid() % 1000
        with open(os.path.join(self.nginx_prefix, "nginx.conf"), "w") as f:
            p = self.nginx_prefix
            f.write(f"daemon off;\nmaster_process off;\nworker_processes 1;\n"
                    f"pid {p}/nginx.pid;\nerror_log {p}/error.log;\n"
                    "events { worker_connections 512; }\n"
                    f"http {{ access_log off; client_body_temp_path {p}/body; "
                    f"proxy_temp_path {p}/proxy; fastcgi_temp_path {p}/fcgi; "
                    f"uwsgi_temp_path {p}/uwsgi; scgi_temp_path {p}/scgi;\n"
                    f"  server {{ listen 127.0.0.1:{self.nginx_port}; root {p}/html; }} }}\n")

    def macro_untar(self):
        dest = os.path.join(self.scratch, "untar")
        os.makedirs(dest)
        try:
            t0 = time.monotonic()
            self.run(["tar", "-xzf", self.tarball, "-C", dest])
            return {"value": time.monotonic() - t0, "unit": "s"}
        finally:
            shutil.rmtree(dest, ignore_errors=True)

    def macro_build(self):
        dest = os.path.join(self.scratch, "build")
        os.makedirs(dest)
        try:
            # the project's user-space sources, as its Makefile compiles them
            # (without the BPF objects: their skeletons come from build/)
            script = ("for f in \"$@\"; do echo \"$f\"; done | xargs -P2 -I{} sh -c "
                      "'gcc -std=gnu11 -O2 -D_GNU_SOURCE -Iinclude -Isrc -Ibuild "
                      f"-c {{}} -o {dest}/$(basename {{}} .c).o'")
            t0 = time.monotonic()
            self.run(["sh", "-c", script, "sh"] + self.build_sources, cwd=REPO)
            return {"value": time.monotonic() - t0, "unit": "s",
                    "objects": len(os.listdir(dest))}
        finally:
            shutil.rmtree(dest, ignore_errors=True)

    def macro_postmark(self):
        os.makedirs(os.path.join(self.scratch, "pm"), exist_ok=True)
        try:
            t0 = time.monotonic()
            self.run(["sh", "-c", f"postmark < {self.postmark_conf}"])
            return {"value": time.monotonic() - t0, "unit": "s"}
        finally:
            shutil.rmtree(os.path.join(self.scratch, "pm"), ignore_errors=True)

    def macro_redis(self):
        sock = os.path.join(self.scratch, "redis.sock")
        server = subprocess.Popen(["redis-server", "--port", "0", "--unixsocket", sock,
                                   "--save", "", "--appendonly", "no", "--dir", self.scratch],
                                  stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                                  preexec_fn=move_self(self.work))
        try:
            for _ in range(100):
                if os.path.exists(sock):
                    break
                time.sleep(0.05)
            # fixed counts (redis-benchmark has no duration): under auditd
            # a request costs about 10 times more
            n = 5000 if self.args.quick else 10000
            out = self.run(["redis-benchmark", "-s", sock, "-n", str(n), "-c", "10", "-t",
                            "set,get", "--csv"], cgroup=self.ctl)
            rates = [float(m) for m in re.findall(r'^"(?:SET|GET)","([0-9.]+)"', out, re.M)]
            if len(rates) != 2:
                raise BenchError(f"redis-benchmark printed no SET/GET rates: {out[-300:]}")
            return {"value": statistics.mean(rates), "unit": "req/s", "set_get": rates}
        finally:
            server.terminate()
            server.wait()

    def macro_nginx(self):
        p = self.nginx_prefix
        server = subprocess.Popen(["nginx", "-p", p, "-c", f"{p}/nginx.conf", "-e",
                                   f"{p}/error.log"], stdout=subprocess.DEVNULL,
                                  stderr=subprocess.PIPE, preexec_fn=move_self(self.work))
        try:
            url = f"http://127.0.0.1:{self.nginx_port}/index.html"
            for _ in range(100):
                r = subprocess.run(["wrk", "-t1", "-c1", "-d1s", url], capture_output=True)
                if r.returncode == 0 and b"Requests/sec" in r.stdout:
                    break
                if server.poll() is not None:
                    raise BenchError(f"nginx exited: {server.stderr.read().decode()[-300:]}")
                time.sleep(0.1)
            secs = 2 if self.args.quick else 4
            out = self.run(["wrk", "-t1", "-c8", f"-d{secs}s", url], cgroup=self.ctl)
            m = re.search(r"Requests/sec:\s*([0-9.]+)", out)
            errors = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
            if not m or errors:
                raise BenchError(f"wrk: no rate or errors: {out[-300:]}")
            return {"value": float(m.group(1)), "unit": "req/s"}
        finally:
            server.terminate()
            server.wait()

    # ---- parts ------------------------------------------------------------------------

    def order(self, round_):
        k = (round_ - 1) % len(CONFIGS)
        return CONFIGS[k:] + CONFIGS[:k]

    def configured_rounds(self, part, body, rounds):
        for round_ in range(1, rounds + 1):
            for config in self.order(round_):
                foreign = foreign_tracing_programs()
                log(f"{part} round {round_}: {config}")
                try:
                    self.enter(config)
                except (BenchError, OSError, subprocess.SubprocessError) as e:
                    self.fail(f"{part} {config} round {round_}: setup", e)
                    self.leave_quietly(config)
                    continue
                first = len(self.results)
                body(config, round_)
                try:
                    counters = self.leave(config)
                except (BenchError, OSError) as e:
                    self.fail(f"{part} {config} round {round_}: agent", e)
                    counters = None
                for entry in self.results[first:]:
                    entry["foreign_tracing_programs"] = foreign
                self.results.append({"part": part + "-agent", "config": config,
                                     "round": round_, "counters": counters,
                                     "foreign_tracing_programs": foreign})

    def leave_quietly(self, config):
        try:
            self.leave(config)
        except (BenchError, OSError):
            pass

    def part_micro(self):
        rows = self.args.rows.split(",") if self.args.rows else list(MICRO_ROWS)

        def body(config, round_):
            for row in rows:
                self.measure("micro", config, round_, row,
                             lambda row=row: self.micro_row(row, self.args.seconds))

        self.configured_rounds("micro", body, self.args.rounds)

    def part_macro(self):
        self.prepare_macro()
        self.results.append({"part": "macro-inputs", "tarball": self.tarball_info,
                             "build_sources": len(self.build_sources),
                             "postmark": open(self.postmark_conf).read().splitlines()})
        wanted = [m for m in MACROS if m not in ("redis", "nginx") or
                  (shutil.which(f"{m}-server" if m == "redis" else m))]

        def body(config, round_):
            for name in wanted:
                self.measure("macro", config, round_, name, getattr(self, f"macro_{name}"))

        self.configured_rounds("macro", body, self.args.macro_rounds)

    def part_drain(self):
        rates = (50000, 100000, 200000, 0) if self.args.quick else \
            (50000, 100000, 200000, 400000, 800000, 0)
        seconds = 1 if self.args.quick else 2
        files = ("/etc/hostname", "/etc/passwd")
        # the default ring, and two small ones where loss starts sooner
        for ring in ("16M", "64K", "16K"):
            for rate in rates:
                log(f"drain ring {ring} rate {rate or 'max'}")
                try:
                    self.start_agent([self.work], ring=ring)
                except BenchError as e:
                    self.fail(f"drain ring {ring} rate {rate}: agent", e)
                    continue
                cpu0 = cgroup_cpu_seconds(self.agent_cg)
                entry = self.measure("drain", "trace-self", 1, f"{ring}/{rate}", lambda: json.loads(
                    self.run([FLOOD, "--rate", str(rate), "--seconds", str(seconds)] +
                             list(files))))
                time.sleep(0.3)  # the agent drains what is left in the ring
                cpu = cgroup_cpu_seconds(self.agent_cg) - cpu0
                try:
                    counters = self.stop_agent()
                except BenchError as e:
                    self.fail(f"drain ring {ring} rate {rate}: agent", e)
                    counters = None
                if entry:
                    entry.update({"ring": ring, "agent_cpu_s": round(cpu, 6),
                                  "counters": counters})

    def agent_memory(self):
        """VmRSS of the agent, and bytes_memlock of the maps it holds (map
        ids from /proc/PID/fdinfo, sizes from `bpftool map show`)."""
        pid = self.agent.pid
        rss = 0
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    rss = int(line.split()[1]) * 1024
        ids = set()
        for fd in os.listdir(f"/proc/{pid}/fdinfo"):
            try:
                with open(f"/proc/{pid}/fdinfo/{fd}") as f:
                    m = re.search(r"^map_id:\s*(\d+)", f.read(), re.M)
                    if m:
                        ids.add(int(m.group(1)))
            except OSError:
                pass
        maps = json.loads(subprocess.run(["bpftool", "map", "show", "-j"], capture_output=True,
                                         text=True, check=True).stdout)
        mine = [m for m in maps if m.get("id") in ids]
        return {"rss_bytes": rss, "map_bytes": sum(m.get("bytes_memlock", 0) for m in mine),
                "maps": {m.get("name"): m.get("bytes_memlock", 0) for m in mine}}

    def part_scale(self):
        """N cgroups in scope: the workload's, and (N > 1) a second audited
        cgroup holding N-2 child cgroups, which the agent puts in scope
        with their parent (one scope_map entry each, as for a container's
        own sub-cgroups). One agent takes at most 64 --cgroup options and
        256 containers in all, hence the children."""
        counts = (1, 10, 100) if self.args.quick else SCALE_COUNTS
        seconds = min(self.args.seconds, 0.3)
        base = os.path.join(self.top, "scale")
        os.makedirs(base, exist_ok=True)
        extra = [os.path.join(base, f"c{i}") for i in range(max(counts) - 2)]
        for d in extra:
            os.makedirs(d, exist_ok=True)
        for row in SCALE_ROWS:
            self.measure("scale", "none", 1, f"0/{row}",
                         lambda row=row: self.micro_row(row, seconds))
        for n in counts:
            log(f"scale: {n} cgroups in scope")
            # children beyond n-2 leave the tree before the agent walks it
            for d in extra[max(n - 2, 0):]:
                if os.path.isdir(d):
                    os.rmdir(d)
            for d in extra[:max(n - 2, 0)]:
                os.makedirs(d, exist_ok=True)
            try:
                in_scope = self.start_agent([self.work] + ([base] if n > 1 else []))
                mem = self.agent_memory()
            except (BenchError, OSError, subprocess.SubprocessError) as e:
                self.fail(f"scale {n}: agent", e)
                self.stop_agent(quiet=True)
                continue
            self.results.append({"part": "scale-memory", "config": "trace-self", "cgroups": n,
                                 "in_scope": in_scope} | mem)
            for row in SCALE_ROWS:
                self.measure("scale", "trace-self", 1, f"{n}/{row}",
                             lambda row=row: self.micro_row(row, seconds))
            try:
                self.stop_agent()
            except BenchError as e:
                self.fail(f"scale {n}: agent", e)


    def prog_stats(self, ids):
        progs = json.loads(subprocess.run(["bpftool", "prog", "show", "-j"], capture_output=True,
                                          text=True, check=True).stdout)
        return {p["name"]: (p.get("run_cnt", 0), p.get("run_time_ns", 0))
                for p in progs if p.get("id") in ids}

    def part_progs(self):
        with open("/proc/sys/kernel/bpf_stats_enabled") as f:
            old = f.read().strip()
        seconds = min(self.args.seconds, 0.3)
        try:
            self.start_agent([self.work])
        except BenchError as e:
            self.fail("progs: agent", e)
            return
        ids = set()
        for fd in os.listdir(f"/proc/{self.agent.pid}/fdinfo"):
            try:
                with open(f"/proc/{self.agent.pid}/fdinfo/{fd}") as f:
                    m = re.search(r"^prog_id:\s*(\d+)", f.read(), re.M)
                    if m:
                        ids.add(int(m.group(1)))
            except OSError:
                pass
        try:
            with open("/proc/sys/kernel/bpf_stats_enabled", "w") as f:
                f.write("1")
            for where, cg in (("unaudited", self.other), ("audited", self.work)):
                for row in ("null", "stat", "open/close", "read", "write"):
                    before = self.prog_stats(ids)
                    entry = self.measure("progs", "trace-self" if where == "audited" else
                                         "trace-other", 1, f"{where}/{row}",
                                         lambda row=row, cg=cg: self.micro_row(row, seconds, cg))
                    after = self.prog_stats(ids)
                    if entry:
                        entry["programs"] = {
                            name: {"runs": c - before.get(name, (0, 0))[0],
                                   "ns": t - before.get(name, (0, 0))[1]}
                            for name, (c, t) in after.items() if c > before.get(name, (0, 0))[0]}
        finally:
            with open("/proc/sys/kernel/bpf_stats_enabled", "w") as f:
                f.write(old)
            try:
                self.stop_agent()
            except BenchError as e:
                self.fail("progs: agent", e)


def host_info():
    def first(path, key):
        try:
            with open(path) as f:
                for line in f:
                    if line.startswith(key):
                        return line.split(":", 1)[1].strip()
        except OSError:
            return None

    def version(cmd):
        try:
            return subprocess.run(cmd, capture_output=True, text=True).stdout.strip().splitlines()[0]
        except (OSError, IndexError):
            return None

    return {"kernel": platform.release(), "cpu": first("/proc/cpuinfo", "model name"),
            "cpus": os.cpu_count(), "auditd": version(["auditctl", "-v"]),
            "sabpf_commit": version(["git", "-C", REPO, "rev-parse", "--short", "HEAD"])}


def main(argv):
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0],
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--quick", action="store_true", help="a smoke run in a few minutes")
    p.add_argument("--rounds", type=int, help="rounds of the four configurations (3; quick 1)")
    p.add_argument("--seconds", type=float, help="time budget per micro row (0.4; quick 0.1)")
    p.add_argument("--parts", default=",".join(PARTS), help=f"some of {','.join(PARTS)}")
    p.add_argument("--rows", default="", help="micro rows (default: all)")
    p.add_argument("--out", help="result file (bench/results/native.json; quick: build/bench-"
                   "native/quick.json)")
    p.add_argument("--scratch", default="/dev/shm", help="parent of the scratch directory "
                   "(default /dev/shm, a tmpfs: the file rows measure the kernel, not a disk)")
    args = p.parse_args(argv)
    args.rounds = args.rounds or (1 if args.quick else 3)
    # the macro workloads take 10-20 times longer than a micro round
    args.macro_rounds = min(args.rounds, 2)
    args.seconds = args.seconds or (0.1 if args.quick else 0.4)
    args.out = args.out or os.path.join(
        REPO, "build/bench-native/quick.json" if args.quick else "bench/results/native.json")
    parts = [x for x in args.parts.split(",") if x]
    bad = [x for x in parts if x not in PARTS]
    if bad or args.rounds < 1 or args.seconds <= 0:
        p.error(f"--parts: unknown {bad}; expected some of {','.join(PARTS)}" if bad else
                "--rounds and --seconds must be positive")
    if args.rows:
        badrows = [r for r in args.rows.split(",") if r not in MICRO_ROWS]
        if badrows:
            p.error(f"--rows: unknown {badrows}; expected some of {','.join(MICRO_ROWS)}")
    if os.geteuid() != 0:
        log("must run as root (BPF programs, cgroups, auditd)")
        return 2
    if not cgroup2_root():
        log("no cgroup v2 mounted: the workloads run in cgroup v2 directories")
        return 2
    for binary, how in ((SABPF, "make"), (MICROBENCH, "make -C bench"), (FLOOD, "make -C bench")):
        if not os.access(binary, os.X_OK):
            log(f"{binary} missing: build it with {how}")
            return 2

    # SIGTERM as ^C: the teardown (audit state, bpf_stats, cgroups) still runs
    signal.signal(signal.SIGTERM, signal.default_int_handler)
    bench = Bench(args)
    host = host_info()  # the commit measured: taken before, not after
    started = datetime.datetime.now(datetime.timezone.utc)
    t0 = time.monotonic()
    try:
        bench.setup()
        for part in parts:
            getattr(bench, f"part_{part}")()
    except KeyboardInterrupt:
        bench.fail("run", "interrupted")
    finally:
        bench.teardown()
    doc = {
        "format": "sabpf-bench-native/1",
        "started": started.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "seconds": round(time.monotonic() - t0, 1),
        "command": "bench/native.py " + " ".join(argv),
        "host": host,
        "settings": {"rounds": args.rounds, "macro_rounds": args.macro_rounds,
                     "seconds_per_row": args.seconds, "parts": parts,
                     "quick": args.quick, "scratch": args.scratch,
                     "disturbed_if": {"others_cpu_over": DISTURBED_OTHERS_CPU,
                                      "steal_over": DISTURBED_STEAL}},
        "auditd_rule": bench.audit_rule,
        "results": bench.results,
        "failures": bench.failures,
    }
    os.makedirs(os.path.dirname(os.path.abspath(args.out)), exist_ok=True)
    with open(args.out + ".tmp", "w") as f:
        json.dump(doc, f, indent=1)
        f.write("\n")
    os.replace(args.out + ".tmp", args.out)
    log(f"wrote {args.out} ({len(bench.results)} results, {len(bench.failures)} failures, "
        f"{doc['seconds']} s)")
    return 1 if bench.failures else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
