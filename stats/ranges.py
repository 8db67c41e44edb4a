"""The date range of the dashboard, the open-data page and the feed: ?from=YYYY-MM-DD&to=..."""

import re
from dataclasses import dataclass
from datetime import date, timedelta

from django.utils.translation import gettext as _

from .selectors import MAX_DAYS


class RangeError(ValueError):
    """A range a reader asked for that cannot be shown; the message says why, translated."""


@dataclass(frozen=True)
class DateRange:
    start: date
    end: date

    def as_query(self) -> str:
        return f"from={self.start.isoformat()}&to={self.end.isoformat()}"


ISO_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


def _parse(text: str, message: str) -> date:
    try:
        if not ISO_DATE.fullmatch(text):
            raise ValueError(text)
        return date.fromisoformat(text)
    except ValueError:
        raise RangeError(message) from None


def date_range_parse(params, *, default_end: date, default_days: int) -> DateRange:
    """The range in `params` (from, to), each defaulting from the other or from default_end.

    Raises RangeError for a date that is not YYYY-MM-DD, a start after the end, or more than
    MAX_DAYS days.
    """
    start_text = params.get("from", "").strip()
    end_text = params.get("to", "").strip()
    start = end = None
    if start_text:
        start = _parse(start_text, _(
            "The start date must be a real date written as YYYY-MM-DD, for example 2025-01-31."
        ))
    if end_text:
        end = _parse(end_text, _(
            "The end date must be a real date written as YYYY-MM-DD, for example 2025-01-31."
        ))
    try:
        if end is None:
            end = start + timedelta(days=default_days - 1) if start else default_end
        if start is None:
            start = end - timedelta(days=default_days - 1)
    except OverflowError:
        raise RangeError(_("Choose dates between the years 1 and 9999.")) from None
    if start > end:
        raise RangeError(_("The start date must be on or before the end date."))
    if (end - start).days + 1 > MAX_DAYS:
        raise RangeError(
            _("Choose a range of at most %(days)s days.") % {"days": MAX_DAYS}
        )
    return DateRange(start=start, end=end)
