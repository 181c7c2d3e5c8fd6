# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
"""conftest.py: shared fixtures for the host-side checks of the integration
scenarios' artifacts.

tests/vm/run.sh runs the scenarios (in the VM or natively) and then pytest
with SABPF_ARTIFACTS=<dir holding one sub-directory per scenario>, plus
<scenario>.tap (its output) and <scenario>.rc (its exit code) beside them.
The fixture `artifacts` is a function: artifacts("boot") returns the Path
of scenario "boot"'s artifact directory (the scenario file
tests/vm/scenarios/NN-boot.sh wrote it as $OUT). Nothing is skipped: no
SABPF_ARTIFACTS, or a missing directory, fails the test that asked for it.
"""

import os
from pathlib import Path

import pytest


def _artifact_root() -> Path:
    root = os.environ.get("SABPF_ARTIFACTS")
    if not root:
        pytest.fail(
            "SABPF_ARTIFACTS is not set: run these checks through tests/vm/run.sh, "
            "or point it at build/vm/<kernel>/out of an earlier run"
        )
    path = Path(root)
    if not path.is_dir():
        pytest.fail(f"SABPF_ARTIFACTS={root} is not a directory: did the scenarios run?")
    return path


@pytest.fixture
def artifacts():
    """Returns a function mapping a scenario name to its artifact directory."""

    def scenario_dir(scenario: str) -> Path:
        path = _artifact_root() / scenario
        if not path.is_dir():
            pytest.fail(
                f"no artifacts for scenario '{scenario}' in {path.parent}: "
                f"tests/vm/scenarios/NN-{scenario}.sh did not run or crashed before writing $OUT"
            )
        return path

    return scenario_dir


@pytest.fixture
def scenario_output():
    """Returns a function giving a scenario's console lines (its .tap file)."""

    def lines(scenario: str) -> list:
        path = _artifact_root() / f"{scenario}.tap"
        if not path.is_file():
            pytest.fail(f"no output of scenario '{scenario}' at {path}")
        return path.read_text(errors="replace").splitlines()

    return lines


@pytest.fixture
def kernel_label() -> str:
    """The kernel series the artifacts came from ("6.1", "6.12") or "native"."""
    return os.environ.get("SABPF_KERNEL", "unknown")
