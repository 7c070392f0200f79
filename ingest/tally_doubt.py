"""Whether failed checks could be our misreading, or are the form's own error for sure.

A check that fails on a number read unsurely is first "undecided": the reading may be
ours to blame. But one misreading explains a set of failures only if that number is in
every failed check, and if reading it otherwise makes every check hold at once. When no
unsure number can do that, while one number read surely, printed otherwise, would (the
valid votes one off both the candidates' sum and ballots used - invalid), one error on
the form explains it all and ours would take two: the form is inconsistent
(``consistent: false``), and still goes to review with each failure named. Failures that
no one number explains (two parties' sums off, each with an unsure count) stay undecided:
handwritten boxes read unsurely are often wrong two at a time.

Nothing is confirmed here: numbers are confirmed only on a form where every check holds.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import replace

from ingest.models import Check, TallyRow

Terms = tuple[tuple[str, int], ...]  # an equation: sum of coefficient * value is 0


def beyond_one_misreading(
    numbers: Sequence[TallyRow],
    checks: Sequence[Check],
    equations: Sequence[tuple[Terms, Check]],
    fails: Callable[[list[TallyRow]], bool],
) -> bool:
    """True when checks fail, none on sure numbers alone, no single unsure number read
    otherwise makes them all hold, and a single number read surely, printed otherwise,
    would. ``equations`` are the failed equations with their terms; ``fails`` checks the
    whole form again on changed numbers (True: a check fails)."""
    failed = [c for c in checks if c.holds is False]
    if not failed or any(c.sure for c in failed):
        return False
    by_key = {n.key: n for n in numbers}
    common = sorted(set.intersection(*(set(c.numbers) for c in failed)))

    def fixes(key: str) -> bool:
        value = _solved(key, by_key, equations)
        if value is None or value < 0:
            return False
        return not fails([replace(n, votes=value) if n.key == key else n for n in numbers])

    ours = [k for k in common if by_key[k].status == "unsure"]
    if any(_solved(k, by_key, equations) is None for k in ours):
        return False  # only inequalities name it: some other reading may fit, keep doubt
    if any(fixes(k) for k in ours):
        return False
    return any(fixes(k) for k in common if by_key[k].status in ("read", "confirmed"))


def _solved(key: str, by_key: dict[str, TallyRow], equations) -> int | None:
    """The value ``key`` would need for the first failed equation naming it to hold (-1: no
    whole number does), or None when no failed equation names it."""
    for terms, check in equations:
        coefficients = dict(terms)
        if key not in coefficients or check.holds is not False:
            continue
        total = sum(c * (by_key[k].votes or 0) for k, c in terms)
        if total % coefficients[key]:
            return -1
        return (by_key[key].votes or 0) - total // coefficients[key]
    return None
