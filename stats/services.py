"""Aggregate counters. `record` is called on the hot path by content and referrals.

The statistics issue fills this in (allow-listed metrics, a Redis HINCRBY per call, daily
roll-up). Until then a call records nothing, and it must never raise into a request.
"""


def record(metric: str, **dims: str) -> None:
    """Count one event of `metric` with the given dimensions. Never raises."""
    return None
