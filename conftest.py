import os

# scikit-learn's check_array_api_input (run for every estimator) needs SciPy's
# array API mode, which SciPy reads once, at import: set it before anything
# imports scipy so that check runs instead of skipping.
os.environ.setdefault("SCIPY_ARRAY_API", "1")


def pytest_terminal_summary(terminalreporter):
    """Each expected failure's reason once, with the tests it covers.

    ``-ra`` would print the same long reason for every parametrized test.
    """
    reasons = {}
    for report in terminalreporter.stats.get("xfailed", []):
        reasons.setdefault(report.wasxfail, []).append(report.nodeid)
    if not reasons:
        return
    terminalreporter.section("expected failures")
    for reason, nodeids in reasons.items():
        terminalreporter.write_line(f"{len(nodeids)} xfailed: {reason}")
        for nodeid in nodeids:
            terminalreporter.write_line(f"  {nodeid}")
