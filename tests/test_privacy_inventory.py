"""docs/privacy.md keeps the design's data inventory, row for row."""

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
DESIGN = ROOT.parent / "shared" / "DESIGN.md"


def inventory_rows(text: str) -> list[str]:
    lines = text.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith("## Data inventory"))
    rows = []
    for line in lines[start + 1:]:
        if line.startswith("|"):
            rows.append(" ".join(line.split()))
        elif rows:
            break
    return rows


def test_the_privacy_doc_has_an_inventory_with_the_never_stored_row():
    rows = inventory_rows((ROOT / "docs" / "privacy.md").read_text())
    assert any(row.startswith("| IP addresses, user agents, referrers") and "nowhere" in row
               for row in rows)


@pytest.mark.skipif(not DESIGN.exists(), reason="the design file is not beside the project")
def test_the_privacy_doc_equals_the_designs_inventory():
    ours = inventory_rows((ROOT / "docs" / "privacy.md").read_text())
    theirs = inventory_rows(DESIGN.read_text())
    assert ours == theirs
