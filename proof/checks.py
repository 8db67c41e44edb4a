"""What every part of the proof hands back: checks with a figure, a goal and a verdict."""

from __future__ import annotations

import subprocess
from dataclasses import asdict, dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


@dataclass
class Check:
    part: str  # "privacy", "security", "reliability" or "performance"
    name: str  # what was measured, e.g. "cookies set by public pages"
    figure: str  # what was found, e.g. "0" or "A+ (130)"
    goal: str  # e.g. "0" or "A+"
    passed: bool | None  # None: a figure reported without a goal
    details: list[str] = field(default_factory=list)  # shown under the table in the report

    @property
    def verdict(self) -> str:
        return {True: "PASS", False: "FAIL", None: "info"}[self.passed]

    def as_dict(self) -> dict:
        return {**asdict(self), "verdict": self.verdict}


def failed(part: str, name: str, goal: str, exc: BaseException) -> Check:
    """A check whose measuring itself broke: a failure, with the reason."""
    return Check(part, name, "not measured", goal, False,
                 [f"{type(exc).__name__}: {exc}"[:2000]])


def commit() -> str:
    """The checked-out commit, marked when the work tree has uncommitted changes."""
    try:
        head = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT,
                              capture_output=True, text=True, timeout=10, check=False)
        dirty = subprocess.run(["git", "status", "--porcelain"], cwd=ROOT,
                               capture_output=True, text=True, timeout=10, check=False)
        return head.stdout.strip() + (" (with uncommitted changes)" if dirty.stdout.strip()
                                      else "")
    except OSError:
        return "unknown"
