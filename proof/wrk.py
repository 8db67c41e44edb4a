"""wrk's figures, and throughput ratios that one busy moment cannot make up.

A ratio of two req/s figures (a page against the bare Django view, a cached page against a
static file) is only as steady as the two runs it divides. On a shared two-core machine one
busy moment during a single bare-view run once made a pathway step look 1.46 times faster
than the bare view. So every target is measured several times, interleaved (round 1: bare,
home, step, ...; round 2: bare, home, step, ...; ...), each target's figure is the median of
its runs, and a ratio is the median of the numerator over the median of the denominator. The
spread is reported with it: each target's lowest and highest run, and the lowest and highest
ratio of two runs of the same round.

Used by proof/performance.py and bench/web.py.
"""

from __future__ import annotations

import re
import statistics
from collections.abc import Callable, Sequence

UNITS_MS = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60000.0, "h": 3600000.0}


class WrkError(Exception):
    """wrk's output was not what it prints after a run."""


def parse_wrk(output: str) -> dict[str, float]:
    """req/s, p50 and p99 in ms, non-2xx/3xx answers and socket errors of `wrk --latency`."""

    def latency(percent: str) -> float:
        match = re.search(rf"^\s*{percent}%\s+([\d.]+)(us|ms|s|m|h)\s*$", output, re.M)
        if not match:
            raise WrkError(f"no {percent}% latency in wrk output:\n{output}")
        return float(match.group(1)) * UNITS_MS[match.group(2)]

    rps = re.search(r"^Requests/sec:\s+([\d.]+)", output, re.M)
    if not rps:
        raise WrkError(f"no Requests/sec in wrk output:\n{output}")
    non_2xx = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", output)
    errors = re.search(
        r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", output
    )
    return {
        "requests_per_second": float(rps.group(1)),
        "p50_ms": latency("50"),
        "p99_ms": latency("99"),
        "non_2xx": int(non_2xx.group(1)) if non_2xx else 0,
        "socket_errors": sum(int(n) for n in errors.groups()) if errors else 0,
    }


def interleaved(keys: Sequence[str], rounds: int,
                measure: Callable[[str, int], dict]) -> dict[str, list[dict]]:
    """measure(key, round) for every key in turn, `rounds` times over; the runs per key, in
    round order (so runs[a][i] and runs[b][i] were measured close together)."""
    runs: dict[str, list[dict]] = {key: [] for key in keys}
    for number in range(rounds):
        for key in keys:
            runs[key].append(measure(key, number))
    return runs


def median_run(runs: list[dict]) -> dict:
    """A target's figures over its runs: the run with the median req/s (its latencies go with
    it), plus the median, lowest and highest req/s, the relative spread and every run's req/s,
    and the errors of all runs together."""
    rates = [run["requests_per_second"] for run in runs]
    ordered = sorted(runs, key=lambda run: run["requests_per_second"])
    middle = ordered[(len(ordered) - 1) // 2]
    median = statistics.median(rates)
    return {
        **middle,
        "requests_per_second": median,
        "runs": len(runs),
        "rps_runs": rates,
        "rps_min": min(rates),
        "rps_max": max(rates),
        "spread": (max(rates) - min(rates)) / median if median else 0.0,
        "non_2xx": sum(run["non_2xx"] for run in runs),
        "socket_errors": sum(run["socket_errors"] for run in runs),
    }


def ratio(top: list[dict], bottom: list[dict]) -> dict:
    """median req/s of `top` over the median of `bottom`, with the lowest and highest ratio of
    two runs of the same round (the spread one busy moment would cause)."""
    top_rates = [run["requests_per_second"] for run in top]
    bottom_rates = [run["requests_per_second"] for run in bottom]
    per_round = [t / b for t, b in zip(top_rates, bottom_rates, strict=False) if b]
    denominator = statistics.median(bottom_rates)
    return {
        "value": statistics.median(top_rates) / denominator if denominator else 0.0,
        "per_round": per_round,
        "low": min(per_round, default=0.0),
        "high": max(per_round, default=0.0),
    }


def describe(figures: dict) -> str:
    """"1,234 req/s (median of 3; runs 1,200-1,260, spread 5 %)"."""
    if figures.get("runs", 1) <= 1:
        return f"{figures['requests_per_second']:,.0f} req/s"
    return (f"{figures['requests_per_second']:,.0f} req/s (median of {figures['runs']}; runs "
            f"{figures['rps_min']:,.0f}-{figures['rps_max']:,.0f}, spread "
            f"{figures['spread'] * 100:.0f} %)")
