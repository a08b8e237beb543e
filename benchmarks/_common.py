"""Shared helpers: interleaved timing, ratios, the machine's matmul peak, output."""

import argparse
import json
import platform
import statistics
import time
import warnings
from functools import cache
from pathlib import Path

import numpy as np
from sklearn.exceptions import ConvergenceWarning

RESULTS = Path(__file__).parent / "results"


def parser(description):
    p = argparse.ArgumentParser(description=description)
    p.add_argument("--repeats", type=int, default=5, help="A/B pairs per configuration")
    p.add_argument(
        "--quick", action="store_true", help="tiny sizes, to check the script runs"
    )
    p.add_argument("--json", type=Path, default=None, help="where to write results")
    return p


def timed(fn):
    """Seconds taken by ``fn()`` (ConvergenceWarnings silenced) and its result."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        start = time.perf_counter()
        out = fn()
        return time.perf_counter() - start, out


def interleaved(fn_a, fn_b, repeats):
    """Run A B A B ...; return both time lists and the median of B/A ratios.

    Alternating spreads the machine's load changes over both sides; the ratio
    of each pair compares runs made moments apart.
    """
    times_a, times_b = [], []
    for _ in range(repeats):
        times_a.append(timed(fn_a)[0])
        times_b.append(timed(fn_b)[0])
    ratios = [b / a for a, b in zip(times_a, times_b, strict=True)]
    return times_a, times_b, statistics.median(ratios)


@cache  # drawn once, not before every pair
def _probe_operands():
    rng = np.random.default_rng(0)
    a, b = rng.standard_normal((200, 256)), rng.standard_normal((256, 128))
    return a, b, np.empty((200, 128))


def machine_probe(repeats=20):
    """Seconds for ``repeats`` float64 products of the benchmarks' shape
    (200 x 256 @ 256 x 128, about 3 ms in all on a quiet 2-core machine):
    how fast the machine multiplies matrices right now."""
    a, b, out = _probe_operands()
    start = time.perf_counter()
    for _ in range(repeats):
        np.matmul(a, b, out=out)
    return time.perf_counter() - start


def interleaved_rounds(pairs, repeats, warmup=False):
    """:func:`interleaved` for many pairs at once: ``repeats`` rounds, each
    timing one A/B pair of every entry of ``pairs`` (key -> (fn_a, fn_b)).
    With ``warmup``, each function runs once untimed before its timed call,
    so that no time depends on what the entry before it left behind.

    Returns key -> (times_a, times_b, median of B/A ratios, machine). The
    machine these run on has slow phases lasting minutes, when another
    tenant's memory traffic slows every pass that streams arrays through
    memory (see the README). Pairs run back to back would all fall in one phase;
    spread over the rounds, each entry's pairs sample the whole run, and the
    median sets aside a pair from a short slow phase. ``machine`` says how
    quiet the entry's pairs ran: a :func:`machine_probe` before each pair,
    the run's fastest probe over the median of the entry's (1: as quiet as
    the run's quietest moment; lower: a busier machine).
    """
    times = {key: ([], [], []) for key in pairs}
    for round_ in range(repeats):
        for key, (fn_a, fn_b) in pairs.items():
            times[key][2].append(machine_probe())
            for fn, seen in ((fn_a, times[key][0]), (fn_b, times[key][1])):
                if warmup:
                    timed(fn)  # its warnings silenced as the timed call's
                seen.append(timed(fn)[0])
        print(f"round {round_ + 1} of {repeats} done", flush=True)
    fastest = min(p for _, _, probes in times.values() for p in probes)
    return {
        key: (
            a,
            b,
            statistics.median(y / x for x, y in zip(a, b, strict=True)),
            fastest / statistics.median(probes),
        )  # fmt: skip
        for key, (a, b, probes) in times.items()
    }


def matmul_peak_gflops(dtype, n=2000, repeats=5):
    """Best GFLOP/s of a large square matrix product: this machine's BLAS peak."""
    rng = np.random.default_rng(0)
    a = rng.standard_normal((n, n)).astype(dtype)
    b = rng.standard_normal((n, n)).astype(dtype)
    out = np.empty((n, n), dtype=dtype)
    np.matmul(a, b, out=out)
    best = min(timed(lambda: np.matmul(a, b, out=out))[0] for _ in range(repeats))
    return 2 * n**3 / best / 1e9


def mlp_flops_per_sample(layer_units):
    """FLOPs of one training step per sample: forward, weight gradients, deltas.

    2 FLOPs per multiply-add; the input layer needs no delta.
    """
    macs = [a * b for a, b in zip(layer_units[:-1], layer_units[1:], strict=True)]
    return 2 * (2 * sum(macs) + sum(macs[1:]))


def print_table(rows, columns):
    widths = [max(len(c), *(len(str(r[c])) for r in rows)) for c in columns]
    print("  ".join(c.ljust(w) for c, w in zip(columns, widths, strict=True)))
    print("  ".join("-" * w for w in widths))
    for r in rows:
        cells = [str(r[c]).ljust(w) for c, w in zip(columns, widths, strict=True)]
        print("  ".join(cells))


def write_json(path, name, rows, **meta):
    path = path or RESULTS / f"{name}.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    import sklearn

    import skreg

    payload = {
        "benchmark": name,
        "machine": platform.processor() or platform.machine(),
        "python": platform.python_version(),
        "numpy": np.__version__,
        "sklearn": sklearn.__version__,
        "skreg": skreg.__version__,
        **meta,
        "rows": rows,
    }
    path.write_text(json.dumps(payload, indent=2))
    print(f"\nwrote {path}")
