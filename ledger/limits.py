"""The ranges kam computes in (FORMAT §13): whatever validates can be reported.

Dates in files lie between ``FIRST_DAY`` and ``LAST_DAY``; the Chinese calendar (农历) and the
public-holiday tables are known for those years. An as-of date and the horizon of ``--within``
keep a year inside them, for the next birthday or anniversary after the horizon.
"""

from __future__ import annotations

import datetime as dt

FIRST_DAY = dt.date(1900, 1, 1)
LAST_DAY = dt.date(2099, 12, 31)
FIRST_AS_OF = dt.date(1901, 1, 1)
#: the last day a schedule may reach (``--as-of`` plus ``--within``)
LAST_HORIZON = dt.date(2098, 12, 31)
#: the last as-of date: the default ``--within`` of 30 days still fits
LAST_AS_OF = dt.date(2098, 11, 30)


def in_file_range(day: dt.date) -> bool:
    """A date a file may hold."""
    return FIRST_DAY <= day <= LAST_DAY


def as_of_problem(as_of: dt.date, within: int = 0) -> str | None:
    """Why kam cannot compute as of this date and this many days ahead; None when it can."""
    if not FIRST_AS_OF <= as_of <= LAST_AS_OF:
        return (
            f"{as_of} is outside the dates kam computes for ({FIRST_AS_OF} to {LAST_AS_OF}); "
            "give --as-of a date in that range"
        )
    if (LAST_HORIZON - as_of).days < within:
        return (
            f"--within {within} reaches past {LAST_HORIZON}, the last day kam computes for; "
            f"use at most --within {(LAST_HORIZON - as_of).days}"
        )
    return None
