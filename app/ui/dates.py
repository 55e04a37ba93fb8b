"""The date pickers of the pages: any date from 1990 to 2100, and no date the user did not
choose (no default of today)."""

from __future__ import annotations

from datetime import date
from typing import Any

import streamlit as st

EARLIEST, LATEST = date(1990, 1, 1), date(2100, 12, 31)
CHOOSE = f"a date from {EARLIEST} to {LATEST} (a date outside that range is not taken)"


def pick_date(label: str, *, key: str, where: Any = st) -> date | None:
    """A picker that starts empty and offers :data:`EARLIEST` to :data:`LATEST`.

    Streamlit replaces a date outside the picker's range with the picker's default: with no
    default, such a date arrives as None, which the page refuses with :data:`CHOOSE`, rather
    than as a date nobody chose.
    """
    chosen = where.date_input(
        label,
        value=None,
        min_value=EARLIEST,
        max_value=LATEST,
        format="YYYY-MM-DD",
        help=f"From {EARLIEST} to {LATEST}.",
        key=key,
    )
    return chosen if isinstance(chosen, date) else None
