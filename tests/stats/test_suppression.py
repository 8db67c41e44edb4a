"""Suppression: no published count from 1 to 9, and no hidden count can be worked out.

Property tests over random tables. The checks here are written independently of
stats/suppression.py: exact rational linear algebra over every relation a reader can see.
"""

from datetime import date, timedelta
from fractions import Fraction

from hypothesis import given, settings
from hypothesis import strategies as st

from stats.suppression import THRESHOLD, protect, week_protect

# Counts as a quiet service has them: many zeros and small numbers, some large ones.
counts = st.one_of(st.integers(0, 3), st.integers(0, 12), st.integers(0, 60), st.integers(0, 400))


def derivable(values, relations, hidden) -> set:
    """Hidden keys whose value the shown counts and the relations fix exactly.

    Each relation "total = sum(members)" is an equation in the hidden keys, shown counts
    moving to the right-hand side. A hidden key is fixed when its unit vector is a rational
    combination of the equations: Gaussian elimination on the augmented system, then each key
    is tested by adding "x = 0" and "x = 1": a fixed key has exactly one of them consistent.
    """
    keys = sorted(hidden, key=repr)
    column = {key: i for i, key in enumerate(keys)}
    rows = []
    for total, members in relations:
        row = [Fraction(0)] * (len(keys) + 1)
        for key, sign in [(total, -1)] + [(m, 1) for m in members]:
            if key in hidden:
                row[column[key]] += sign
            else:
                row[-1] -= sign * values[key]
        if any(row[:-1]):
            rows.append(row)
    basis = _rref(rows, len(keys))
    fixed = set()
    for key in keys:
        target = [Fraction(0)] * len(keys)
        target[column[key]] = Fraction(1)
        if _in_row_space(basis, target):
            fixed.add(key)
    return fixed


def _rref(rows, width):
    rows = [list(row) for row in rows]
    basis = []
    pivot_row = 0
    for col in range(width):
        found = next((r for r in range(pivot_row, len(rows)) if rows[r][col] != 0), None)
        if found is None:
            continue
        rows[pivot_row], rows[found] = rows[found], rows[pivot_row]
        lead = rows[pivot_row][col]
        rows[pivot_row] = [value / lead for value in rows[pivot_row]]
        for r in range(len(rows)):
            if r != pivot_row and rows[r][col] != 0:
                factor = rows[r][col]
                rows[r] = [a - factor * b for a, b in zip(rows[r], rows[pivot_row], strict=True)]
        basis.append((col, rows[pivot_row]))
        pivot_row += 1
    return basis


def _in_row_space(basis, target):
    remainder = list(target)
    for col, row in basis:
        if remainder[col] != 0:
            factor = remainder[col]
            remainder = [a - factor * b for a, b in zip(remainder, row[:-1], strict=True)]
    return not any(remainder)


def check(values, relations, hidden):
    shown = {key: value for key, value in values.items() if key not in hidden}
    assert not [key for key, value in shown.items() if 1 <= value < THRESHOLD], "small count shown"
    for total, members in relations:
        entries = [total, *members]
        hidden_here = [key for key in entries if key in hidden]
        # A group with exactly one hidden entry gives it away as the difference.
        assert len(hidden_here) != 1, f"{hidden_here} derivable from {total}"
        if total not in hidden and len(hidden_here) >= 2:
            rest = values[total] - sum(values[m] for m in members if m not in hidden)
            assert rest != len(hidden_here), f"{hidden_here} can only all be 1"
    assert derivable(values, relations, hidden) == set()


@settings(max_examples=300, deadline=None)
@given(st.lists(counts, min_size=1, max_size=8))
def test_one_group_with_its_total_never_shows_or_gives_away_a_small_count(cells):
    values = {("cell", i): count for i, count in enumerate(cells)}
    values["total"] = sum(cells)
    relations = [("total", [("cell", i) for i in range(len(cells))])]
    hidden = protect(values, relations)
    check(values, relations, hidden)
    # Hidden cells are not shown as anything: only counts that are safe appear.
    assert all(values[key] == 0 or values[key] >= THRESHOLD or key in hidden for key in values)


DAYS = [date(2025, 1, 6) + timedelta(days=offset) for offset in range(7)]
LANGUAGES = ("en", "fi", "sv")
URGENT = ("yes", "no")


@st.composite
def weeks(draw):
    rows = []
    for day in DAYS:
        for language in LANGUAGES:
            for urgent in URGENT:
                if draw(st.booleans()):
                    rows.append((day, {"language": language, "urgent": urgent}, draw(counts)))
    return rows


def relations_of(rows):
    """Every number the week publishes and every sum a reader can form from them."""
    values = {}
    for period in [*DAYS, "week"]:
        values[("total", period)] = 0
        for language in LANGUAGES:
            values[("cell", period, "language", language)] = 0
        for urgent in URGENT:
            values[("cell", period, "urgent", urgent)] = 0
    for day, dims, count in rows:
        for period in (day, "week"):
            values[("total", period)] += count
            values[("cell", period, "language", dims["language"])] += count
            values[("cell", period, "urgent", dims["urgent"])] += count
    relations = [(("total", "week"), [("total", day) for day in DAYS])]
    for name, options in (("language", LANGUAGES), ("urgent", URGENT)):
        for period in [*DAYS, "week"]:
            relations.append((("total", period), [("cell", period, name, v) for v in options]))
        for value in options:
            relations.append(
                (("cell", "week", name, value), [("cell", day, name, value) for day in DAYS])
            )
    return values, relations


def shown_of(published):
    shown = {}
    for period, table in [*published.days.items(), ("week", published.week)]:
        shown[("total", period)] = table.total
        for name, cells in table.by.items():
            for value, count in cells.items():
                shown[("cell", period, name, value)] = count
    return shown


@settings(max_examples=150, deadline=None)
@given(weeks())
def test_a_published_week_never_shows_or_gives_away_a_small_count_across_days_and_breakdowns(
    rows,
):
    published = week_protect(
        days=DAYS, rows=rows, dimensions=[("language", LANGUAGES), ("urgent", URGENT)]
    )
    values, relations = relations_of(rows)
    shown = shown_of(published)
    assert shown.keys() == values.keys()
    hidden = {key for key, count in shown.items() if count is None}
    for key, count in shown.items():
        if count is not None:
            assert count == values[key], "a shown count must be the true count"
    check(values, relations, hidden)


def test_a_single_small_cell_takes_the_next_smallest_with_it():
    values = {"total": 153, "en": 100, "fi": 3, "sv": 50}
    assert protect(values, [("total", ["en", "fi", "sv"])]) == {"fi", "sv"}


def test_a_small_total_is_hidden_and_zeros_are_shown():
    values = {"total": 4, "en": 0, "fi": 4, "sv": 0}
    assert protect(values, [("total", ["en", "fi", "sv"])]) == {"total", "fi"}


def test_two_hidden_ones_that_could_only_be_one_each_take_a_third():
    values = {"total": 32, "en": 1, "fi": 1, "sv": 30}
    assert protect(values, [("total", ["en", "fi", "sv"])]) == {"en", "fi", "sv"}


def test_a_day_hidden_in_its_breakdown_cannot_be_worked_out_from_its_week():
    # Monday's Finnish count is small; the week and the other days would give it away.
    rows = [(day, {"language": "fi"}, 20) for day in DAYS[1:]] + [(DAYS[0], {"language": "fi"}, 2)]
    rows += [(day, {"language": "en"}, 50) for day in DAYS]
    published = week_protect(days=DAYS, rows=rows, dimensions=[("language", ("en", "fi"))])
    monday = published.days[DAYS[0]]
    assert monday.by["language"]["fi"] is None
    hidden_days = [day for day in DAYS if published.days[day].by["language"]["fi"] is None]
    assert len(hidden_days) >= 2 or published.week.by["language"]["fi"] is None
