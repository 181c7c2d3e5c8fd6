# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
"""conftest.py: fixtures of the native checks of the trace backend
(tests/native/run.sh runs the scenarios of tests/native/scenarios, then
pytest here with SABPF_ARTIFACTS=<dir holding one sub-directory per
scenario>). Reuses tests/integration/provgraph.py to read the captures.
Nothing is skipped: a missing artifact fails the test that asked for it."""

import os
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "integration"))


@pytest.fixture(scope="session")
def artifacts():
    def scenario_dir(scenario: str) -> Path:
        root = os.environ.get("SABPF_ARTIFACTS")
        if not root:
            pytest.fail("SABPF_ARTIFACTS is not set: run these checks through tests/native/run.sh")
        path = Path(root) / scenario
        if not path.is_dir():
            pytest.fail(f"no artifacts for scenario '{scenario}' in {root}")
        return path

    return scenario_dir
