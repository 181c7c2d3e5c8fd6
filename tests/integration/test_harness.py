# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
"""test_harness.py: checks of the integration harness itself. Runs
tests/vm/guest-run.sh on the host (under busybox sh, the guest's shell) with
small made-up scenarios, and checks the lines it adds for scenarios that fail
without saying so, its time limit, --only and --skip (and run.sh's choice
of host-side checks by the same lists), the environment it gives a
scenario, and the base64 artifact stream it prints when there is no disk.
Needs no BPF and no VM."""

import base64
import hashlib
import io
import re
import time
import subprocess
import tarfile
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
GUEST_RUN = REPO / "tests/vm/guest-run.sh"
# The guest's shell, and the host's (native runs).
SHELLS = {"busybox-sh": ["/bin/busybox", "sh"], "host-sh": ["/bin/sh"]}


def write_scenario(directory: Path, filename: str, body: str) -> None:
    (directory / filename).write_text("#!/bin/sh\n" + body)


def run_guest(shell, scenarios: Path, out: Path, *extra: str, env_extra=None):
    cmd = shell + [
        str(GUEST_RUN), "--scenarios", str(scenarios), "--out", str(out),
        "--sabpf", "/bin/true", *extra,
    ]
    env = {"PATH": "/usr/sbin:/usr/bin:/sbin:/bin"}
    env.update(env_extra or {})
    return subprocess.run(cmd, capture_output=True, text=True, timeout=60, env=env)


@pytest.fixture(params=sorted(SHELLS))
def dirs(request, tmp_path):
    """(scenario dir, out dir, runner): runner(*args) runs guest-run.sh on them."""
    scenarios = tmp_path / "scenarios"
    scenarios.mkdir()
    out = tmp_path / "out"

    def runner(*extra, env_extra=None):
        return run_guest(SHELLS[request.param], scenarios, out, *extra, env_extra=env_extra)

    return scenarios, out, runner


def test_passing_scenario_gets_its_environment(dirs):
    scenarios, out, run = dirs
    write_scenario(scenarios, "00-first.sh",
                   'echo "$SCENARIO $SABPF" > "$OUT/env"\necho "ok - wrote env"\n')
    result = run()
    assert result.returncode == 0, result.stdout + result.stderr
    assert "ok - wrote env" in result.stdout.splitlines()
    assert (out / "first" / "env").read_text().strip() == "first /bin/true"
    assert (out / "first.rc").read_text().strip() == "0"
    assert "# guest-run: 1 scenarios, 1 ok, 0 not ok" in result.stdout


def test_silent_nonzero_exit_is_reported(dirs):
    scenarios, out, run = dirs
    write_scenario(scenarios, "10-crash.sh", 'echo "ok - started"\nexit 3\n')
    result = run()
    assert result.returncode != 0
    assert "not ok - crash exited 3" in result.stdout.splitlines()
    assert (out / "crash.rc").read_text().strip() == "3"


def test_leftover_processes_are_killed(dirs):
    scenarios, out, run = dirs
    write_scenario(scenarios, "40-leaver.sh", 'sleep 40 &\necho $! > "$OUT/pid"\necho "ok - left one"\n')
    start = time.monotonic()
    result = run()
    assert time.monotonic() - start < 10, "the runner waited for a leftover process"
    assert result.returncode == 0, result.stdout
    pid = (out / "leaver" / "pid").read_text().strip()
    assert not Path(f"/proc/{pid}").exists() or "Z" in Path(f"/proc/{pid}/stat").read_text().split()[2]


def test_own_not_ok_gets_no_extra_line(dirs):
    scenarios, out, run = dirs
    write_scenario(scenarios, "10-honest.sh", 'echo "not ok - it broke"\nexit 1\n')
    result = run()
    lines = result.stdout.splitlines()
    assert "not ok - it broke" in lines
    assert not any(line.startswith("not ok - honest exited") for line in lines)


def test_scenario_without_results_fails(dirs):
    scenarios, out, run = dirs
    write_scenario(scenarios, "20-mute.sh", "true\n")
    result = run()
    assert result.returncode != 0
    assert "not ok - mute printed no result" in result.stdout.splitlines()


def test_time_limit_from_the_scenario_header(dirs):
    scenarios, out, run = dirs
    # The background sleep holds the output pipe: it must die with the scenario.
    write_scenario(scenarios, "30-slow.sh", "# timeout: 1\nsleep 30 &\nsleep 20\necho 'ok - never'\n")
    start = time.monotonic()
    result = run()
    assert time.monotonic() - start < 10, "the runner waited for the scenario's children"
    assert result.returncode != 0
    assert "not ok - slow timed out after 1s" in result.stdout.splitlines()
    assert "ok - never" not in result.stdout


def test_only_selects_by_name(dirs):
    scenarios, out, run = dirs
    write_scenario(scenarios, "00-alpha.sh", 'echo "ok - alpha ran"\n')
    write_scenario(scenarios, "01-beta.sh", 'echo "ok - beta ran"\n')
    result = run("--only", "bet")
    assert "ok - beta ran" in result.stdout
    assert "alpha ran" not in result.stdout
    nothing = run("--only", "gamma")
    assert nothing.returncode != 0
    assert "not ok - no scenario in" in nothing.stdout


def test_only_and_skip_take_lists_and_split_the_scenarios(dirs):
    scenarios, out, run = dirs
    names = ["alpha", "beta", "beta2", "gamma", "delta"]
    for i, name in enumerate(names):
        write_scenario(scenarios, f"{i:02d}-{name}.sh", f'echo "ok - {name} ran"\n')

    def ran(result):
        assert result.returncode == 0, result.stdout + result.stderr
        return {line.split()[2] for line in result.stdout.splitlines() if line.startswith("ok - ")}

    shard = "bet,g*a"  # a word (any name containing it) and a glob
    first, rest = ran(run("--only", shard)), ran(run("--skip", shard))
    assert first == {"beta", "beta2", "gamma"}
    assert rest == {"alpha", "delta"}
    # the same from the environment (the VM's kernel command line)
    assert ran(run(env_extra={"SABPF_SKIP": shard})) == rest
    nothing = run("--only", "alpha", "--skip", "al")
    assert nothing.returncode != 0
    assert "not ok - no scenario in" in nothing.stdout and "outside 'al'" in nothing.stdout


def test_run_sh_selects_host_side_checks_like_the_scenarios():
    """run.sh's pytest_files picks test files by the scenario they name in
    SCENARIO = "..." (else by file name), with the matcher of guest-run.sh:
    each check file lands on the side of its scenario, and --only/--skip of
    one list divide them, none twice, none lost."""
    script = REPO / "tests/vm/run.sh"
    body = script.read_text()
    funcs = re.search(r"^matches\(\) \{.*?^\}\n.*?^pytest_files\(\) \{.*?^\}\n", body, re.S | re.M)
    assert funcs, "matches() and pytest_files() not found in run.sh"

    def files(only="", skip=""):
        cmd = f'cd {REPO} && only="{only}" skip="{skip}"\n{funcs.group(0)}\npytest_files'
        proc = subprocess.run(["bash", "-c", cmd], capture_output=True, text=True, check=True)
        return set(proc.stdout.split())

    everything = files()
    assert "tests/integration/test_views.py" in everything
    shard = "loss,policy"
    a, b = files(only=shard), files(skip=shard)
    assert a | b == everything and not a & b
    assert "tests/integration/test_loss.py" in a and "tests/integration/test_policy.py" in a
    assert "tests/integration/test_harness.py" in b
    # test_views.py reads scenario run's artifacts: it goes where run goes
    assert "tests/integration/test_views.py" in files(only="run")
    assert "tests/integration/test_views.py" not in files(skip="run")


def test_run_sh_copies_the_programs_of_the_selected_scenarios():
    """run.sh's vm_binaries lists the host programs that the selected
    scenarios name on "# vm-binaries:" lines (72-runtimes: runc), and those
    of "# vm-binaries-NAME:" lines only with --with NAME, a name matched
    whole (initramfs.sh --with copies them)."""
    body = (REPO / "tests/vm/run.sh").read_text()
    funcs = re.search(r"^matches\(\) \{.*?^\}\n.*?^vm_binaries\(\) \{.*?^\}\n", body, re.S | re.M)
    assert funcs, "matches() and vm_binaries() not found in run.sh"

    def programs(only="", skip="", withs=""):
        cmd = f'cd {REPO} && only="{only}" skip="{skip}" withs="{withs}"\n{funcs.group(0)}\nvm_binaries'
        proc = subprocess.run(["bash", "-c", cmd], capture_output=True, text=True, check=True)
        return set(proc.stdout.split())

    containerd = {"/usr/bin/containerd", "/usr/bin/containerd-shim-runc-v2", "/usr/bin/ctr"}
    assert programs(only="runtimes") == {"/usr/sbin/runc"}
    assert programs(only="runtimes", withs="containerd") == {"/usr/sbin/runc"} | containerd
    assert programs(only="runtimes", withs="other,containerd") == {"/usr/sbin/runc"} | containerd
    assert programs(only="runtimes", withs="container") == {"/usr/sbin/runc"}
    assert "/usr/sbin/runc" not in programs(skip="runtimes", withs="containerd")
    assert programs(only="loss,policy", withs="containerd") == set()


def test_artifacts_stream_over_the_console_without_a_disk(dirs):
    scenarios, out, run = dirs
    write_scenario(scenarios, "00-data.sh",
                   'printf "payload-42" > "$OUT/blob"\necho "ok - wrote blob"\n')
    result = run("--stream",
                       env_extra={"SABPF_ARTIFACT_DEV": "/nonexistent"})
    assert result.returncode == 0, result.stdout + result.stderr
    lines = result.stdout.splitlines()
    begin = lines.index("===== SABPF-ARTIFACTS BEGIN (tar.gz, base64) =====")
    end = next(i for i, line in enumerate(lines) if line.startswith("===== SABPF-ARTIFACTS END "))
    match = re.search(r"sha256=([0-9a-f]{64}) bytes=(\d+)", lines[end])
    data = base64.b64decode("".join(lines[begin + 1:end]))
    assert len(data) == int(match.group(2))
    assert hashlib.sha256(data).hexdigest() == match.group(1)
    with tarfile.open(fileobj=io.BytesIO(data), mode="r:gz") as tar:
        blob = tar.extractfile("./data/blob").read()
    assert blob == b"payload-42"


def test_run_sh_rejects_bad_arguments():
    for args, message in ((["--kernel", "5.4"], "unknown kernel '5.4'"),
                          (["--cgroup", "v1"], "unknown --cgroup 'v1'"),
                          (["--script", "/nonexistent"], "no such file"),
                          (["--bogus"], "unknown argument '--bogus'")):
        result = subprocess.run([str(REPO / "tests/vm/run.sh"), *args],
                                capture_output=True, text=True, timeout=30)
        assert result.returncode == 2, (args, result.stdout, result.stderr)
        assert message in result.stderr, (args, result.stderr)
