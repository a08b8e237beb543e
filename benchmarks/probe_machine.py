"""What slows down when the shared machine does: the benchmarks' probe next to
memory, cache and matrix-product probes, sampled over a stretch of time.

Each sample times :func:`_common.machine_probe`, an add over 32 MB arrays
(memory bandwidth), an add over 256 KB arrays (in the core's cache), and a
1000 x 1000 float64 matrix product at two threads and at one. For each, the
table gives its slowdown against its own fastest sample (median, 90th
percentile) and its median slowdown over the samples where the machine probe
ran at least 1.3x slower: a lost core shows as the two-thread product near 2x
with the one-thread product unchanged, memory traffic as the 32 MB add slowing
with the probe.

    python benchmarks/probe_machine.py [--seconds S]
"""

import time

import numpy as np
from _common import machine_probe, parser, print_table, write_json
from threadpoolctl import threadpool_limits


def _mean_seconds(fn, n):
    start = time.perf_counter()
    for _ in range(n):
        fn()
    return (time.perf_counter() - start) / n


def _probes():
    rng = np.random.default_rng(0)
    big = [rng.standard_normal(4_000_000) for _ in range(3)]
    small = [rng.standard_normal(32_000) for _ in range(3)]
    A, B = rng.standard_normal((1000, 1000)), rng.standard_normal((1000, 1000))
    C = np.empty_like(A)

    def matmul_one_thread():
        with threadpool_limits(1):
            np.matmul(A, B, out=C)

    return {
        "machine_probe": (machine_probe, 1),
        "add 32 MB": (lambda: np.add(big[0], big[1], out=big[2]), 5),
        "add 256 KB": (lambda: np.add(small[0], small[1], out=small[2]), 2000),
        "matmul 2 threads": (lambda: np.matmul(A, B, out=C), 5),
        "matmul 1 thread": (matmul_one_thread, 3),
    }


def main():
    p = parser(__doc__.splitlines()[0])
    p.add_argument("--seconds", type=float, default=300.0)
    args = p.parse_args()
    seconds = 2.0 if args.quick else args.seconds
    probes = _probes()
    samples = []
    end = time.perf_counter() + seconds
    while time.perf_counter() < end:
        samples.append([_mean_seconds(fn, n) for fn, n in probes.values()])
    fastest = np.min(samples, axis=0)
    slowdown = np.array(samples) / fastest
    slow = slowdown[:, 0] >= 1.3
    rows = [
        dict(
            probe=name,
            fastest_s=f"{fastest[j]:.3g}",
            median=round(float(np.median(slowdown[:, j])), 2),
            p90=round(float(np.quantile(slowdown[:, j], 0.9)), 2),
            when_probe_slow=(
                round(float(np.median(slowdown[slow, j])), 2) if slow.any() else None
            ),
        )
        for j, name in enumerate(probes)
    ]
    print(
        f"{len(samples)} samples over {seconds:.0f} s, {int(slow.sum())} with the "
        "machine probe >= 1.3x slower; slowdowns against each probe's fastest:"
    )
    print_table(rows, list(rows[0]))
    write_json(args.json, "probe_machine", rows, seconds=seconds, samples=len(samples))


if __name__ == "__main__":
    main()
