"""The documentation builds, warnings as errors, running every example."""

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).parents[1]


def test_docs_build_without_warnings_and_examples_run(tmp_path):
    # sphinx-gallery executes each examples/plot_*.py and aborts on an error;
    # -W turns every warning (numpydoc validation included) into a failure.
    result = subprocess.run(
        [sys.executable, "-m", "sphinx", "-W", "--keep-going", "-q", "-b", "html",
         "-d", str(tmp_path / "doctrees"), str(ROOT / "docs"), str(tmp_path / "html")],
        capture_output=True, text=True, timeout=900,
        env={"MPLBACKEND": "agg", **__import__("os").environ},
    )  # fmt: skip
    assert result.returncode == 0, result.stdout[-5000:] + result.stderr[-5000:]
    html = tmp_path / "html"
    examples = sorted(p.stem for p in (ROOT / "examples").glob("plot_*.py"))
    for name in examples:
        assert (html / "auto_examples" / f"{name}.html").exists(), name
    for page in ("index", "getting_started", "user_guide", "scaling_out", "api",
                 "whats_new"):  # fmt: skip
        assert (html / f"{page}.html").exists(), page
    # Every class page documents every public method, inherited ones
    # included, and lists the examples that use the class.
    for name in ("MLPRegularizedClassifier", "MLPRegularizedClassifierCV"):
        page = (html / "generated" / f"skreg.{name}.html").read_text()
        for method in ("fit", "predict", "score", "get_params", "set_params",
                       "set_fit_request"):  # fmt: skip
            assert f'id="skreg.{name}.{method}"' in page, (name, method)
        assert "Examples using" in page, name
