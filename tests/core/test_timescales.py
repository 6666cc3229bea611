"""Plan timescales in words become due dates: the last day the words mean (issue 17)."""

from __future__ import annotations

from datetime import date

import pytest

from cspdesk.domain.timescales import due_date_from_timescale


@pytest.mark.parametrize(("words", "due"), [
    # As the Swale and Maidstone plans write them.
    ("By Mar 20", date(2020, 3, 31)),
    ("March 2020", date(2020, 3, 31)),
    ("End April 19", date(2019, 4, 30)),
    ("Sept 19", date(2019, 9, 30)),
    ("Q3 2019/20", date(2019, 12, 31)),  # financial quarters: Q3 is October to December
    ("Q4 2019/20", date(2020, 3, 31)),
    ("2019-2022", date(2022, 12, 31)),
    ("2019/20", date(2020, 3, 31)),  # a financial year ends in March
    ("2020-21", date(2021, 3, 31)),
    ("FY 2020/21", date(2021, 3, 31)),
    ("Q2 2020", date(2020, 6, 30)),  # no financial year given: a calendar quarter
    ("31/03/2020", date(2020, 3, 31)),
    ("31.3.20", date(2020, 3, 31)),
    ("2020-03-31", date(2020, 3, 31)),
    ("31st March 2021", date(2021, 3, 31)),
    ("Mar-21", date(2021, 3, 31)),
    ("Dec '19", date(2019, 12, 31)),
    ("end of September 2019", date(2019, 9, 30)),
    ("Summer 2020", date(2020, 8, 31)),
    ("Winter 2020", date(2021, 2, 28)),
    ("2020", date(2020, 12, 31)),
    # One timescale per milestone in one cell: the latest.
    ("Scoping by Dec 2019\nLaunch Mar 2020\nReview Sept 20", date(2020, 9, 30)),
    ("Jun 2019 - Jan 2020", date(2020, 1, 31)),
])
def test_words_that_name_a_time_give_its_last_day(words: str, due: date) -> None:
    assert due_date_from_timescale(words) == due


@pytest.mark.parametrize("words", ["Ongoing", "Quarterly", "As required", "Monthly", "", None, "Year 1",
                                   "Ongoing (reviewed quarterly)", "31/02/2020", "TBC"])
def test_words_that_name_no_time_give_no_date(words: str | None) -> None:
    assert due_date_from_timescale(words) is None
