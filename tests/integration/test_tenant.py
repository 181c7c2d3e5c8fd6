# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
"""test_tenant.py: checks of the "tenant" scenario (tests/vm/scenarios/90-tenant.sh):
a tenant's own lsm_cgroup object, loaded with `sabpf load`, acts in its
container only and outlives the command; objects that are not confined are
refused with nothing attached; `sabpf list` and `sabpf detach` manage it."""

import json

import pytest

SCENARIO = "tenant"


@pytest.fixture
def out(artifacts):
    return artifacts(SCENARIO)


def lines(out, name):
    return (out / name).read_text().splitlines()


def test_the_tenant_program_acts_in_its_container_only(out):
    assert lines(out, "loaded.txt") == [
        "socket packet: errno=1 EPERM",  # tenant-a, where noraw is attached
        "socket inet: ok",               # what noraw allows, in tenant-a
        "socket packet: ok",             # tenant-b
        "socket packet: ok",             # the host
    ]


def test_list_shows_it_and_the_hook_it_holds(out):
    assert lines(out, "list-loaded.txt") and lines(out, "list-loaded.txt")[0].endswith(
        ": noraw: noraw_socket_create")
    assert json.loads((out / "hooks-loaded.json").read_text())["hooks_in_use"] == 1


@pytest.mark.parametrize("bad,message", [
    ("bad_global", "program 'sees_everyone' is in section 'lsm/file_open': only lsm_cgroup/ programs"),
    ("bad_pinned", "map 'shared_counter' is pinned"),
    ("bad_helper", "program 'signals' calls bpf_send_signal"),
])
def test_unconfined_objects_are_refused(out, bad, message):
    text = (out / f"load-{bad}.txt").read_text()
    assert message in text and text.rstrip().endswith("rc=1")


def test_refusals_attach_nothing(out):
    assert lines(out, "list-after-bad.txt") == lines(out, "list-loaded.txt")
    assert (out / "hooks-after-bad.json").read_text() == (out / "hooks-loaded.json").read_text()
    assert "already loaded" in (out / "load-twice.txt").read_text()


def test_detach_removes_it(out):
    assert lines(out, "list-detached.txt") == ["no tenant program loaded"]
    assert json.loads((out / "hooks-detached.json").read_text())["hooks_in_use"] == 0
    assert all(line.endswith(": ok") for line in lines(out, "detached.txt"))
    again = (out / "detach-again.txt").read_text()
    assert "no tenant object named 'noraw'" in again and again.rstrip().endswith("rc=1")
