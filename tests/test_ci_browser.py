"""In CI a missing browser fails the run: a suite that skipped every browser test would pass without UI coverage."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]


def run_one_browser_test(ci: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "CI": ci, "TIMELINE_CHROMIUM": "/nonexistent/chromium"}
    return subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "-q",
            "-p",
            "no:cacheprovider",
            "tests/browser/test_selection.py",
            "-x",
            "-k",
            "test_",
        ],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )


@pytest.mark.parametrize(("ci", "outcome"), [("true", "error"), ("", "skipped")])
def test_a_missing_chromium_fails_in_ci_and_skips_elsewhere(ci, outcome):
    result = run_one_browser_test(ci)
    assert "no Chromium at /nonexistent/chromium" in result.stdout
    if outcome == "error":
        assert result.returncode != 0
        assert "CI must run the browser tests" in result.stdout
    else:
        assert result.returncode == 0
        assert "skipped" in result.stdout
