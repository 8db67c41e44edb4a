"""Small-count suppression for everything the public sees.

A published table is a set of entries (a key and a count) and relations between them of the
form "total = sum of members": a day's total is the sum of its cells in each breakdown, a
week's cell is the sum of its seven days. Suppression hides:

1. primary: every entry from 1 to THRESHOLD - 1 (zero is shown: it is the common case and
   reveals nobody);
2. secondary, until nothing changes:
   - in a relation with exactly one hidden entry, the smallest shown non-zero entry too, so
     that it cannot be worked out as total minus the others;
   - in a relation whose hidden entries could only all be 1 (a reader knows a hidden count is
     at least 1, as zeros are shown), one more;
   - for any hidden entry that the relations together still pin to one value (checked by
     linear algebra over all relations at once: a hidden cell of one day could otherwise be
     worked out from its week and the other days), one more entry of one of its relations.

Hidden entries of both kinds look the same to the reader (`None`), so nobody can tell which
hidden number is small. Only the keys and counts given are considered: the caller publishes
each table as one unit (a metric and an ISO week), whatever range a reader asks for, so two
requests never show two different suppressions of the same numbers.
"""

from collections.abc import Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date

THRESHOLD = 10
# Arithmetic modulo a large prime decides which hidden entries the relations pin down.
_PRIME = (1 << 61) - 1

Relation = tuple[Hashable, Sequence[Hashable]]


def is_small(count: int, threshold: int = THRESHOLD) -> bool:
    return 0 < count < threshold


def protect(
    values: Mapping[Hashable, int],
    relations: Sequence[Relation],
    *,
    threshold: int = THRESHOLD,
) -> set[Hashable]:
    """The keys to hide so that no count from 1 to threshold - 1 is shown or can be derived."""
    order = {key: position for position, key in enumerate(values)}
    hidden = {key for key, count in values.items() if is_small(count, threshold)}
    relations = [(total, tuple(members)) for total, members in relations]
    containing: dict[Hashable, list[int]] = {}
    for number, (total, members) in enumerate(relations):
        for key in (total, *members):
            containing.setdefault(key, []).append(number)

    def candidate(relation: Relation) -> Hashable | None:
        total, members = relation
        shown = [key for key in members if key not in hidden and values[key] > 0]
        if not shown and total not in hidden and values[total] > 0:
            shown = [total]
        if not shown:
            return None
        return min(shown, key=lambda key: (values[key], order[key]))

    while True:
        changed = False
        for relation in relations:
            if _exposed(relation, values, hidden):
                extra = candidate(relation)
                if extra is not None:
                    hidden.add(extra)
                    changed = True
        if changed:
            continue
        pinned = _pinned(relations, hidden)
        if not pinned:
            return hidden
        key = min(pinned, key=order.__getitem__)
        for number in containing.get(key, ()):
            extra = candidate(relations[number])
            if extra is not None:
                hidden.add(extra)
                break
        else:  # every neighbour is hidden or zero: hide the smallest count still shown
            shown = [k for k, count in values.items() if k not in hidden and count > 0]
            if not shown:
                return hidden
            hidden.add(min(shown, key=lambda k: (values[k], order[k])))


def _exposed(relation: Relation, values: Mapping, hidden: set) -> bool:
    total, members = relation
    entries = (total, *members)
    hidden_entries = [key for key in entries if key in hidden]
    if len(hidden_entries) == 1:
        return True
    if total in hidden or len(hidden_entries) < 2:
        return False
    # Shown total minus shown members is what the hidden members add up to; if that equals
    # how many there are, each of them must be 1.
    rest = values[total] - sum(values[key] for key in members if key not in hidden)
    return rest == len(hidden_entries)


def _pinned(relations: Sequence[Relation], hidden: set) -> list[Hashable]:
    """Hidden keys whose value the relations fix, whatever the other hidden values are.

    Each relation is a linear equation in the hidden entries; a hidden entry is fixed exactly
    when its unit vector lies in the row space of those equations, i.e. when the reduced row
    echelon form has a row with that single entry.
    """
    columns: dict[Hashable, int] = {}
    basis: dict[int, dict[int, int]] = {}  # pivot column -> row, kept fully reduced
    for total, members in relations:
        row: dict[int, int] = {}
        for key, sign in ((total, -1), *((member, 1) for member in members)):
            if key in hidden:
                column = columns.setdefault(key, len(columns))
                row[column] = (row.get(column, 0) + sign) % _PRIME
        row = {column: coef for column, coef in row.items() if coef}
        for pivot in [column for column in row if column in basis]:
            factor = row.get(pivot, 0)
            if factor:
                _subtract(row, basis[pivot], factor)
        if not row:
            continue
        pivot = min(row)
        inverse = pow(row[pivot], _PRIME - 2, _PRIME)
        row = {column: coef * inverse % _PRIME for column, coef in row.items()}
        for other in basis.values():
            factor = other.get(pivot, 0)
            if factor:
                _subtract(other, row, factor)
        basis[pivot] = row
    keys = {column: key for key, column in columns.items()}
    return [keys[pivot] for pivot, row in basis.items() if len(row) == 1]


def _subtract(row: dict[int, int], other: dict[int, int], factor: int) -> None:
    for column, coef in other.items():
        value = (row.get(column, 0) - factor * coef) % _PRIME
        if value:
            row[column] = value
        else:
            row.pop(column, None)


# --------------------------------------------------------------------------------------------
# One published unit: a metric over one ISO week, its seven days and the week itself, with a
# total and one-dimensional breakdowns for each.


@dataclass
class Period:
    """What is published for a day or a week: None where a count is hidden."""

    total: int | None
    by: dict[str, dict[str, int | None]] = field(default_factory=dict)

    def as_dict(self) -> dict:
        return {"total": self.total, "by": self.by}


@dataclass
class Week:
    monday: date
    days: dict[date, Period]
    week: Period


def week_protect(
    *,
    days: Sequence[date],
    rows: Iterable[tuple[date, Mapping[str, str], int]],
    dimensions: Sequence[tuple[str, Sequence[str]]],
    threshold: int = THRESHOLD,
) -> Week:
    """Suppress one metric's week: `rows` are (day, dimensions, count) raw daily counts,
    `dimensions` the breakdowns with the values always listed (others appear when counted)."""
    days = list(days)
    totals = dict.fromkeys(days, 0)
    cells: dict[tuple, int] = {}
    seen = {name: list(listed) for name, listed in dimensions}
    for day, dims, count in rows:
        totals[day] += count
        for name, _listed in dimensions:
            value = dims[name]
            if value not in seen[name]:
                seen[name].append(value)
            cells[(day, name, value)] = cells.get((day, name, value), 0) + count
    listed_count = {name: len(listed) for name, listed in dimensions}
    for name, values_seen in seen.items():
        listed, extra = values_seen[: listed_count[name]], values_seen[listed_count[name]:]
        seen[name] = listed + sorted(extra, key=_natural)

    values: dict[Hashable, int] = {}
    relations: list[Relation] = []
    periods = [*days, "week"]
    for day in days:
        values[("total", day)] = totals[day]
    values[("total", "week")] = sum(totals.values())
    relations.append((("total", "week"), [("total", day) for day in days]))
    for name, names_values in seen.items():
        for value in names_values:
            week_value = 0
            for day in days:
                count = cells.get((day, name, value), 0)
                values[("cell", day, name, value)] = count
                week_value += count
            values[("cell", "week", name, value)] = week_value
            relations.append(
                (("cell", "week", name, value), [("cell", day, name, value) for day in days])
            )
        for period in periods:
            relations.append(
                (("total", period), [("cell", period, name, value) for value in names_values])
            )

    hidden = protect(values, relations, threshold=threshold)

    def shown(key) -> int | None:
        return None if key in hidden else values[key]

    published = {}
    for period in periods:
        published[period] = Period(
            total=shown(("total", period)),
            by={
                name: {value: shown(("cell", period, name, value)) for value in names_values}
                for name, names_values in seen.items()
            },
        )
    week = published.pop("week")
    return Week(monday=days[0], days=published, week=week)


def _natural(value: str) -> tuple:
    return (0, int(value), "") if value.isdigit() else (1, 0, value)
