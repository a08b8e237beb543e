"""The benchmark scripts run from a fresh install and write their JSON.

Tiny sizes (--quick) and one repeat: this checks the scripts, not the speed;
timings are the benchmarks' business, never the tests'.
"""

import json
import subprocess
import sys
from pathlib import Path

import pytest

BENCHMARKS = Path(__file__).parents[1] / "benchmarks"


def _run(script, tmp_path, *args):
    """The JSON ``script`` writes when run with --quick and ``args``."""
    out = tmp_path / "result.json"
    subprocess.run(
        [sys.executable, script, "--quick", *args, "--json", str(out)],
        cwd=BENCHMARKS, check=True, capture_output=True, timeout=600,
    )  # fmt: skip
    return json.loads(out.read_text())


@pytest.mark.benchmark
@pytest.mark.parametrize(
    "name",
    [
        "fit",
        "predict",
        "memory",
        "scaling",
        "compact",
        "frontier",
        "cv",
        "selection",
        "defaults",
    ],  # fmt: skip
)
def test_benchmark_script_runs(name, tmp_path):
    result = _run(f"bench_{name}.py", tmp_path, "--repeats", "1")
    assert result["benchmark"] == name
    assert result["rows"]
    if name == "frontier":
        # Quality, not speed: skreg before and after its final phase.
        assert all(row["after_nnz"] <= row["before_nnz"] * 2 for row in result["rows"])
        assert any(row["polish_steps"] > 0 for row in result["rows"])
        return
    if name == "defaults":
        # Quality, not speed. Without the final phase skreg takes
        # scikit-learn's steps from its weights: the scores nearly agree.
        for row in result["rows"]:
            assert abs(row["polish=0"] - row["sklearn"]) < 0.05, row
        return
    if name == "selection":
        assert all(0 <= row["f1"] <= 1 for row in result["rows"])
        return
    if name == "cv":
        # Both searches chose among the same alphas and scored alike.
        assert all(row["speedup"] > 0 for row in result["rows"])
        assert all(float(row["cv_alpha"]) > 0 for row in result["rows"])
        assert all(row["1se_nnz"] <= row["cv_nnz"] for row in result["rows"])
        return
    # Every other script compares against scikit-learn in the same run.
    assert all(row["speedup"] > 0 for row in result["rows"])
    if name in ("fit", "predict"):
        # Each row's probes against the run's fastest one.
        assert all(0 < row["machine"] <= 1 for row in result["rows"])


@pytest.mark.benchmark
def test_machine_probe_runs(tmp_path):
    result = _run("probe_machine.py", tmp_path)
    assert result["benchmark"] == "probe_machine"
    assert result["samples"] >= 1
    # Each probe against its own fastest sample: 1 at best, never below.
    assert [row["probe"] for row in result["rows"]][0] == "machine_probe"
    assert all(row["median"] >= 1 for row in result["rows"])
