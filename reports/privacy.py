"""Small-cell suppression for figures that leave the platform (XLSX, CSV, the API).

Reports show counts, never names. In what leaves the platform, a cell resting on 1 to 4 people
(learners or enrollments: `Figure.people`) is shown as "<5" instead of its value, whatever the
unit: a count, a percentage whose denominator is that small, or the hours of so few
completions. A zero rests on nobody and is shown; a percentage of nobody has no value ("–").
Catalog figures (offerings, seats, courses, programs) count no people and are never withheld.

The dashboard inside the platform shows exact figures to the staff allowed to read them.
"""

from __future__ import annotations

from decimal import Decimal

from .measures import Figure, Unit

SMALL_CELL = 5
SUPPRESSED = "<5"
NO_VALUE = "–"


def is_small(figure: Figure) -> bool:
    return figure.people is not None and 0 < figure.people < SMALL_CELL


def has_no_value(figure: Figure, unit: str) -> bool:
    """A percentage with an empty denominator."""
    return unit == Unit.PERCENT and figure.denominator is not None and figure.denominator == 0


def public_value(figure: Figure, unit: str) -> Decimal | str:
    """What an export shows: the value, "<5" or "–"."""
    if is_small(figure):
        return SUPPRESSED
    if has_no_value(figure, unit):
        return NO_VALUE
    return figure.value


def public_count(count: int | Decimal | None) -> int | Decimal | str | None:
    """A bare count of people (such as "not stated" beside a share): "<5" when 1 to 4."""
    if count is not None and 0 < count < SMALL_CELL:
        return SUPPRESSED
    return count
