"""Dates as people type them, read once for ``date:`` in the query language and for ``from``/``to``.

A value is a whole period ``[start, end)`` in UTC: a year (``2018``), a month (``2018-03``), a day
(``2018-03-15``), or an instant (``2018-03-15T10:00:00+03:00``; no zone means UTC), one millisecond wide
(Elasticsearch's resolution). Arabic-Indic and Persian digits are read as ASCII ones. A range's lower end
is its period's start and its upper end its period's end, so ``..2018-03`` (and ``to=2018-03``) runs
through the last millisecond of March.

Anything else is refused rather than passed on: Elasticsearch reads a run of digits (``20180315``,
``1521072000``) as epoch milliseconds and has no week or ordinal dates, so a value it would read
differently from the user never reaches it; callers send it :func:`iso_ms` of the bounds, with an explicit
``strict_date_optional_time`` format.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta

from worker.extract.normalize import ascii_digits, fold

__all__ = [
    "DATE_FORMS", "ES_DATE_FORMAT", "FROM_HELP", "TO_HELP", "DateSyntaxError", "Period", "iso_ms", "parse_period",
    "period_of", "reversed_range",
]

Period = tuple[datetime, datetime]  # [start, end) in UTC
DATE_FORMS = ("YYYY, YYYY-MM, YYYY-MM-DD, or an ISO 8601 date-time YYYY-MM-DDTHH:MM[:SS[.fff]] with an "
              "optional zone (Z, +03:00; none is UTC), in Western or Arabic-Indic digits")
ES_DATE_FORMAT = "strict_date_optional_time"
_SHORT_FORMS = "YYYY, YYYY-MM, YYYY-MM-DD or an ISO date-time (2018-03-15T10:00:00+03:00; no zone is UTC)"
FROM_HELP = f"{_SHORT_FORMS}: from the start of that year, month, day or instant (inclusive)"
TO_HELP = f"{_SHORT_FORMS}: through the end of that year, month, day or instant (inclusive)"

_MAX_DT = datetime(9999, 12, 31, 23, 59, 59, 999000, tzinfo=UTC)
_PERIOD_RE = re.compile(r"([0-9]{4})(?:-([0-9]{1,2})(?:-([0-9]{1,2}))?)?")
# extended format only: the basic one (20180315T1000) is refused like 20180315, week and ordinal dates too
_INSTANT_RE = re.compile(
    r"[0-9]{4}-[0-9]{2}-[0-9]{2}[T ][0-9]{2}(?::[0-9]{2}(?::[0-9]{2}(?:[.,][0-9]+)?)?)?"
    r"(?:Z|[+-][0-9]{2}(?::?[0-9]{2})?)?"
)


class DateSyntaxError(ValueError):
    """A value that is none of :data:`DATE_FORMS`; the message names the value and the accepted forms."""

    def __init__(self, text: str) -> None:
        self.text = text
        super().__init__(f"not a date: {text!r} (use {DATE_FORMS})")


def parse_period(text: str) -> Period | None:
    """``[start, end)`` of a year, month, day or instant, in UTC; None for ``*`` (an open end).

    Raises :class:`DateSyntaxError` for anything else.
    """
    # fold: NFKC (full-width digits), Arabic-Indic digits, and no bidi marks (a value pasted from Arabic text)
    t = ascii_digits(fold(text)).strip().upper()
    if t == "*":
        return None
    try:
        m = _PERIOD_RE.fullmatch(t)
        if m:
            y, mo, d = int(m.group(1)), m.group(2), m.group(3)
            if y < 1:
                raise ValueError("year 0")
            if mo is None:
                return datetime(y, 1, 1, tzinfo=UTC), _add_years(y)
            if d is None:
                start = datetime(y, int(mo), 1, tzinfo=UTC)
                return start, _next_month(start)
            start = datetime(y, int(mo), int(d), tzinfo=UTC)
            return start, _plus(start, timedelta(days=1))
        if _INSTANT_RE.fullmatch(t):
            return _instant(datetime.fromisoformat(t.replace("Z", "+00:00")))
    except (ValueError, OverflowError):
        pass
    raise DateSyntaxError(text)


def period_of(value: str | date | datetime) -> Period | None:
    """:func:`parse_period` for text; a Python ``datetime`` is an instant (naive is UTC), a ``date`` a day."""
    if isinstance(value, datetime):
        return _instant(value)
    if isinstance(value, date):
        start = datetime(value.year, value.month, value.day, tzinfo=UTC)
        return start, _plus(start, timedelta(days=1))
    return parse_period(value)


def reversed_range(lo: Period | None, hi: Period | None) -> bool:
    """A range written from ``lo`` to ``hi`` that ends before it starts (``2018-03-31..2018-03-01``).

    Read inclusively: ``hi``'s period ends at or before ``lo``'s starts. ``{2018-03-01 TO 2018-03-01}`` is
    not reversed, only empty because its ends are excluded.
    """
    return lo is not None and hi is not None and hi[1] <= lo[0]


def iso_ms(value: datetime) -> str:
    """UTC ISO 8601 with milliseconds, four-digit year: what ``strict_date_optional_time`` reads."""
    v = value.astimezone(UTC)
    # not strftime: its %Y writes year 1 as "1", which strict_date_optional_time rejects (4 digits needed)
    return (f"{v.year:04d}-{v.month:02d}-{v.day:02d}T{v.hour:02d}:{v.minute:02d}:{v.second:02d}."
            f"{v.microsecond // 1000:03d}Z")


def _instant(dt: datetime) -> Period:
    dt = (dt if dt.tzinfo else dt.replace(tzinfo=UTC)).astimezone(UTC)
    dt = dt.replace(microsecond=dt.microsecond // 1000 * 1000)
    return dt, _plus(dt, timedelta(milliseconds=1))


def _plus(dt: datetime, delta: timedelta) -> datetime:
    try:
        return dt + delta
    except OverflowError:
        return _MAX_DT


def _add_years(y: int) -> datetime:
    return datetime(y + 1, 1, 1, tzinfo=UTC) if y < 9999 else _MAX_DT


def _next_month(start: datetime) -> datetime:
    if start.month == 12:
        return _add_years(start.year)
    return start.replace(month=start.month + 1)
