# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
"""test_boot.py: host-side checks of the "boot" scenario
(tests/vm/scenarios/00-boot.sh): the guest really ran the expected kernel
with the BPF LSM active, BTF present, cgroup v2 mounted, and the agent's
doctor agreed."""

import re


def test_kernel_version_matches_the_series(artifacts, kernel_label):
    version = (artifacts("boot") / "proc_version").read_text()
    release = (artifacts("boot") / "uname_r").read_text().strip()
    assert version.startswith("Linux version "), version
    assert release in version
    if kernel_label in ("6.1", "6.12"):
        # Debian's cloud kernel of the series the run asked for.
        assert re.match(re.escape(kernel_label) + r"[.+-]", release), release
        assert release.endswith("-cloud-amd64"), release


def test_bpf_is_an_active_lsm(artifacts):
    lsms = (artifacts("boot") / "lsm").read_text().strip().split(",")
    assert "bpf" in lsms, lsms


def test_cgroup2_and_bpffs_are_mounted(artifacts):
    mounts = [line.split() for line in (artifacts("boot") / "mounts").read_text().splitlines()]
    fstypes = {m[2] for m in mounts if len(m) >= 3}
    assert "cgroup2" in fstypes
    assert "bpf" in fstypes
    assert "securityfs" in fstypes
    cg2 = (artifacts("boot") / "cgroup2_mount").read_text().strip()
    assert cg2 in {m[1] for m in mounts if m[2] == "cgroup2"}


def test_boot_reported_each_check(scenario_output):
    """The scenario ran all five of its checks (whatever their outcome)."""
    results = [line for line in scenario_output("boot") if re.match(r"^(not )?ok - ", line)]
    topics = ["LSM", "BTF", "cgroup2", "bpffs", "doctor"]
    for topic in topics:
        assert any(topic in line for line in results), (topic, results)


def test_sabpf_doctor_passed(artifacts):
    rc_file = artifacts("boot") / "doctor.rc"
    assert rc_file.is_file(), "the scenario never ran `sabpf doctor` (agent missing?)"
    report = (artifacts("boot") / "doctor.txt").read_text(errors="replace")
    assert rc_file.read_text().strip() == "0", report
