"""Failed checks on numbers read unsurely: our misreading, or the form's own error for sure.

GIVEN numbers as the reader hands them over, some read unsurely, WHEN the form is checked,
THEN it is inconsistent only when one printed error explains every failure and no single
misreading of ours could.
"""

from __future__ import annotations

from ingest.tally_checks import evaluate
from tests.unit.test_tally_checks import failed, form, number


def test_given_valid_off_both_sums_with_unsure_counts_when_checked_then_inconsistent():
    # the valid votes printed 269 break both sums; the two numbers read unsurely would both
    # have to be ours to blame, one printed number explains it all
    numbers = form(r1=141, r2=129, valid=269, invalid=12, ballots_used=282)
    numbers[0] = number("row1", "candidate", 141, conf=0.4)
    numbers[3] = number("invalid", "invalid", 12, conf=0.4)
    result = evaluate(numbers)
    assert result.consistent is False
    assert {i.params["check"] for i in failed(result, "undecided")} == {
        "candidates_sum",
        "ballots_sum",
    }, "each failure still names its unsure numbers"
    assert not any(n.status == "confirmed" for n in result.numbers)


def test_given_one_unsure_count_that_explains_every_failure_when_checked_then_undecided():
    # row1 read 141 unsurely, printed 140: reading it so makes every check hold
    numbers = form(r1=141, r2=129, valid=269, invalid=13, ballots_used=282)
    numbers[0] = number("row1", "candidate", 141, conf=0.4)
    result = evaluate(numbers)
    assert result.consistent is None, "our misreading or the form's: not yet known"


def test_given_two_unrelated_failures_on_unsure_counts_when_checked_then_undecided():
    # two lines of section I off, each on its own unsure number: no one printed number
    # explains both, and two misreadings of ours would
    numbers = form(r1=100, valid=100, voters_dpt=(70, 80, 151), voters_dptb=(1, 2, 4))
    numbers[4] = number("voters.dpt.JML", "voters", 151, conf=0.4, role="dpt", column="JML")
    numbers[7] = number("voters.dptb.JML", "voters", 4, conf=0.4, role="dptb", column="JML")
    assert evaluate(numbers).consistent is None


def test_given_failures_on_sure_numbers_when_checked_then_inconsistent_as_before():
    assert evaluate(form(r1=100, r2=50, valid=151, invalid=2, ballots_used=153)).consistent is False
