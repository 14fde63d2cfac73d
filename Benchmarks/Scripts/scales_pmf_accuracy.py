#!/usr/bin/env python3
"""Percentile accuracy of the original Python scales' PmfStat sample (pip `scales==1.0.9`) on
the data the Swift accuracy test uses (Tests/ScalesTests/PmfAccuracyTests.swift), so the two
can be compared honestly.

    python3 -m venv /tmp/scales-venv && /tmp/scales-venv/bin/pip install scales==1.0.9
    /tmp/scales-venv/bin/python Benchmarks/Scripts/scales_pmf_accuracy.py [--trials 10]

The three distributions are generated exactly as in Tests/ScalesTests/SeededSamples.swift
(SplitMix64 seeded 20240601, Box-Muller normals): 1,000,000 lognormal (median 50 ms, sigma 1),
uniform [0, 1) and bimodal (90% ~2 ms, 10% ~200 ms) values. The exact percentile is the
nearest-rank value of the sorted data, as in the Swift test.

Two figures per distribution:
- "reservoir": scales' ExponentiallyDecayingReservoir (1028 samples, alpha 0.015) fed every
  value at one instant, asked for its percentiles at the end. Its answer depends on Python's
  `random`, so it is run with several seeds; the median and worst relative error are printed.
- "PmfStat as shown": the figures a scales PmfStat shows after the same values are added in a
  loop; scales recomputes them at most every 20 s of wall time, so when the loop is shorter
  they describe the first two values only.
"""
import argparse
import math
import random
import statistics
import time

from greplin import scales
from greplin.scales.samplestats import ExponentiallyDecayingReservoir

MASK = (1 << 64) - 1
QUANTILES = [0.5, 0.9, 0.99, 0.999]


class SplitMix64:
    def __init__(self, seed):
        self.state = seed

    def next(self):
        self.state = (self.state + 0x9E3779B97F4A7C15) & MASK
        z = self.state
        z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & MASK
        z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & MASK
        return z ^ (z >> 31)

    def unit(self):
        return (self.next() >> 11) * 2.0 ** -53

    def normal(self):
        u = 1 - self.unit()
        v = self.unit()
        return math.sqrt(-2 * math.log(u)) * math.cos(2 * math.pi * v)


def samples(kind, count=1_000_000, seed=20_240_601):
    g = SplitMix64(seed)
    out = []
    for _ in range(count):
        if kind == 'lognormal':
            out.append(math.exp(math.log(0.05) + g.normal()))
        elif kind == 'uniform':
            out.append(g.unit())
        else:
            center = 0.002 if g.unit() < 0.9 else 0.2
            out.append(center * math.exp(0.25 * g.normal()))
    return out


def nearest_rank(q, ordered):
    rank = math.ceil(q * len(ordered))
    return ordered[max(0, min(len(ordered) - 1, rank - 1))]


class FixedClock:
    def time(self):
        return 1_000_000.0


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument('--trials', type=int, default=10)
    parser.add_argument('--only', choices=('lognormal', 'uniform', 'bimodal'), action='append',
                        help='measure only these distributions (repeatable)')
    args = parser.parse_args()
    for kind in args.only or ('lognormal', 'uniform', 'bimodal'):
        values = samples(kind)
        ordered = sorted(values)
        exact = [nearest_rank(q, ordered) for q in QUANTILES]
        errors = {q: [] for q in QUANTILES}
        for trial in range(args.trials):
            random.seed(trial)
            reservoir = ExponentiallyDecayingReservoir(clock=FixedClock())
            for v in values:
                reservoir.update(v)
            for q, estimate, truth in zip(QUANTILES, reservoir.percentiles(QUANTILES), exact):
                errors[q].append(abs(estimate - truth) / truth)
        print(f'{kind}: exact ' + ', '.join(f'p{q * 100:g}={e:.6g}' for q, e in zip(QUANTILES, exact)))
        for q in QUANTILES:
            e = errors[q]
            print(f'  reservoir p{q * 100:g}: median error {statistics.median(e) * 100:.2f}%, '
                  f'worst {max(e) * 100:.2f}% over {len(e)} seeds', flush=True)

        # What a scales PmfStat shows after the same loop.
        holder = scales.collection('/accuracy-%s' % kind, scales.PmfStat('latency'))
        start = time.time()
        for v in values:
            holder.latency = v
        elapsed = time.time() - start
        shown = holder.latency
        names = {0.5: 'median', 0.99: '99percentile', 0.999: '999percentile'}
        parts = []
        for q, truth in zip(QUANTILES, exact):
            if q in names:
                got = shown[names[q]]
                parts.append(f'{names[q]}={got:.6g} ({abs(got - truth) / truth * 100:.1f}% off)')
        print(f'  PmfStat as shown after a {elapsed:.1f} s loop: ' + ', '.join(parts), flush=True)


if __name__ == '__main__':
    main()
