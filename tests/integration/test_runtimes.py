# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
"""test_runtimes.py: checks of the "runtimes" scenario
(tests/vm/scenarios/72-runtimes.sh): real runtimes under the LSM backend, one
agent selecting containers by identity (--select containerd.namespace=...)
and serving `sabpf oci-hook`.

- runc, a container started before the agent: discovered, its exec
  recorded with the identity of its cgroup and bundle (runtime, id,
  containerd namespace), the id one `runc list` reports;
- runc, a container started after it with the createRuntime hook: in scope
  before its entrypoint (its records begin in runc's init, before the exec
  of `cat /etc/hostname`, which is recorded);
- containerd through ctr (when the VM had it: expect.json "containerd"),
  the same two cases, ids as `ctr containers ls` reports them;
- absent: the runc container whose cgroup is of no runtime, the containerd
  container in a namespace not selected (negative controls), and the checks
  themselves fail on a wrong id or namespace."""

import json
import re

import pytest

SCENARIO = "runtimes"


@pytest.fixture
def out(artifacts):
    return artifacts(SCENARIO)


@pytest.fixture
def expect(out):
    return json.loads((out / "expect.json").read_text())


@pytest.fixture
def records(out):
    return [json.loads(line) for line in (out / "audit.jsonl").read_text().splitlines() if line.strip()]


def cases(expect, kind):
    """The expected containers of one kind ("early" or "hooked"): runc's,
    and containerd's when the scenario ran it."""
    names = [f"runc_{kind}"] + ([f"ctr_{kind}"] if expect["containerd"] else [])
    return {n: expect[n] for n in names}


def of(records, want):
    """The records of the container with identity want (every field equal,
    and no name or image: a bundle of no CRI has none)."""
    mine = [r for r in records if r.get("identity", {}).get("id") == want["id"]]
    assert mine, f"no record of container {want['id']}"
    for r in mine:
        assert r["identity"] == want, (r["identity"], want)
        assert r["container"] == "containerd:" + want["id"][:12], r["container"]
    return mine


def check_discovered(records, want):
    mine = of(records, want)
    args = [r["object"] for r in mine if r["action"] == "arg"]
    assert "cat /etc/hostname" in args, args
    assert any(r["action"] == "read" and r["object"].endswith("/etc/hostname") for r in mine)


def check_first_exec(records, want):
    """In scope before the entrypoint: before the first record of the
    entrypoint's program (its exec of `cat /etc/hostname`, recorded with its
    argument and its read) come records of the same process as runc's init
    (runc:[2:INIT], which the hook's createRuntime answer put in scope), and
    no other program's exec than runc's own (`runc init`, recorded when the
    agent's cgroup scan saw the cgroup before runc re-executed itself from
    its memfd copy; a race the hook does not decide, so it is not required)."""
    mine = of(records, want)
    arg = [r for r in mine if r["action"] == "arg" and r["object"] == "cat /etc/hostname"]
    assert arg, [r["object"] for r in mine if r["action"] == "arg"]
    first = next(i for i, r in enumerate(mine) if r["pid"] == arg[0]["pid"] and r["comm"] == "cat")
    assert mine[first]["action"] in ("exec", "exec_task"), mine[first]
    init = [r["comm"] for r in mine[:first] if r["pid"] == arg[0]["pid"]]
    assert init and all(c.startswith("runc:[") for c in init), init
    before = [r["object"] for r in mine[:first] if r["action"] == "arg"]
    assert all(a == "runc init" for a in before), before
    assert any(r["action"] == "read" and r["object"].endswith("/etc/hostname") for r in mine[first:])


def reported(out, expect, name):
    """The ids the runtime itself listed for this case."""
    if name.startswith("runc"):
        return (out / "runc-list.txt").read_text().split()
    ns = expect[name]["containerd_namespace"]
    return (out / f"ctr-ls-{ns}.txt").read_text().split()


def test_containers_started_before_the_agent_are_discovered(out, expect, records):
    for name, want in cases(expect, "early").items():
        assert want["id"] in reported(out, expect, name), name
        check_discovered(records, want)


def test_containers_started_after_it_are_recorded_from_their_first_exec(out, expect, records):
    hook_log = (out / "hook.log").read_text()
    for name, want in cases(expect, "hooked").items():
        if name.startswith("ctr"):
            assert want["id"] in reported(out, expect, name)
        assert re.search(rf"container {want['id']}: (already )?followed: containerd:{want['id'][:12]}\b",
                         hook_log), hook_log
        check_first_exec(records, want)


def test_unselected_containers_are_absent(expect, records):
    absent = [expect["runc_unselected"]] + ([expect["ctr_unselected"]] if expect["containerd"] else [])
    for cid in absent:
        assert not [r for r in records if cid in json.dumps(r)], cid


@pytest.mark.parametrize("field,wrong", [
    ("id", "0" * 64),
    ("containerd_namespace", "default"),
    ("runtime", "docker"),
])
def test_the_checks_fail_on_a_wrong_identity(expect, records, field, wrong):
    # negative control: each check with one wrong expected field
    for kind, check in (("early", check_discovered), ("hooked", check_first_exec)):
        for want in cases(expect, kind).values():
            with pytest.raises(AssertionError):
                check(records, dict(want, **{field: wrong}))


def test_the_first_exec_check_fails_when_coverage_starts_at_the_exec(expect, records):
    # negative control: the records of runc's init before the entrypoint
    # taken out (coverage starting only at the exec): the check fails
    for want in cases(expect, "hooked").values():
        pid = next(r["pid"] for r in records if r.get("identity", {}).get("id") == want["id"]
                   and r["action"] == "arg" and r["object"] == "cat /etc/hostname")
        first = next(i for i, r in enumerate(records) if r.get("identity", {}).get("id") == want["id"]
                     and r["pid"] == pid and r["comm"] == "cat")
        late = [r for i, r in enumerate(records) if i >= first or r.get("identity", {}).get("id") != want["id"]]
        with pytest.raises(AssertionError):
            check_first_exec(late, want)


def test_the_first_exec_check_fails_on_another_program_before_the_entrypoint(expect, records):
    # negative control: an exec of another program (a shell) put in scope
    # before the entrypoint: the check fails
    for want in cases(expect, "hooked").values():
        i = next(i for i, r in enumerate(records) if r.get("identity", {}).get("id") == want["id"])
        shell = dict(records[i], action="arg", object="sh -c id")
        with pytest.raises(AssertionError):
            check_first_exec(records[:i] + [shell] + records[i:], want)
