from datetime import date, datetime

import pytest
import time_machine

from transparency import actions
from transparency.calendar import SHANGHAI, add_working_days, add_working_hours, is_working_day


def at(*args):
    return datetime(*args, tzinfo=SHANGHAI)


def test_spring_festival_2026_is_skipped_and_adjusted_saturday_counts():
    assert is_working_day(date(2026, 2, 14))  # Saturday, adjusted working day
    assert not is_working_day(date(2026, 2, 16))  # Spring Festival holiday (a Monday)
    # Friday 10:00 + 2 working days: Sat 14 Feb (working) then the holiday until Mon 23 Feb.
    assert add_working_days(at(2026, 2, 13, 10), 2) == at(2026, 2, 24, 10)


def test_national_day_2026_and_adjusted_saturday_10_october():
    assert is_working_day(date(2026, 10, 10))  # Saturday, adjusted working day
    # Wed 30 Sep 16:00 + 4 working hours: 1 h that day, the holiday 1–7 Oct, weekend 3–4 Oct,
    # Thu 8 Oct 09:00 + 3 h.
    assert add_working_hours(at(2026, 9, 30, 16), 4) == at(2026, 10, 8, 12)


def test_hours_spill_over_the_end_of_the_day_and_weekend():
    assert add_working_hours(at(2026, 3, 6, 15), 3) == at(2026, 3, 9, 10)  # Fri → Mon
    assert add_working_hours(at(2026, 3, 7, 11), 1) == at(2026, 3, 9, 10)  # started on Saturday
    assert add_working_hours(at(2026, 3, 9, 7), 1) == at(2026, 3, 9, 10)  # before opening
    assert add_working_hours(at(2026, 3, 9, 9), 8) == at(2026, 3, 9, 17)  # exactly one day


def test_years_the_package_does_not_know_fall_back_to_monday_to_friday():
    assert is_working_day(date(2027, 1, 4))  # a Monday
    assert not is_working_day(date(2027, 1, 9))  # a Saturday
    assert add_working_days(at(2027, 1, 8, 10), 1) == at(2027, 1, 11, 10)


def test_naive_start_is_refused():
    with pytest.raises(ValueError):
        add_working_hours(datetime(2026, 3, 9, 10), 1)  # noqa: DTZ001


def test_expected_completion_of_a_case_across_spring_festival(
    customer, branch, relationship_manager
):
    with time_machine.travel(at(2026, 2, 13, 10), tick=False):
        case, _code = actions.open_case(
            customer.customer,
            business_type="consumer_loan",
            branch=branch,
            actor=relationship_manager,
        )
    # submitted 4 h → Fri 14:00; initial review 2 d → Sat 14 Feb 14:00 then Tue 24 Feb 14:00;
    # second review, final approval, disbursement 1 d each → Fri 27 Feb 14:00.
    assert case.current_step.due_at == at(2026, 2, 13, 14)
    assert case.expected_completion_at == at(2026, 2, 27, 14)


def test_expected_completion_is_recomputed_when_a_step_finishes_late(
    open_case, relationship_manager
):
    case, _code = open_case
    with time_machine.travel(at(2026, 3, 2, 9), tick=False):
        case, _code = actions.open_case(
            case.customer,
            business_type="consumer_loan",
            branch=case.branch,
            actor=relationship_manager,
        )
    assert case.expected_completion_at == at(2026, 3, 9, 13)
    # Submitted (4 h) finishes a full day late, on Tue 3 Mar 13:00.
    with time_machine.travel(at(2026, 3, 3, 13), tick=False):
        case = actions.advance_case(case, actor=relationship_manager)
    assert case.current_step.due_at == at(2026, 3, 5, 13)
    assert case.expected_completion_at == at(2026, 3, 10, 13)
