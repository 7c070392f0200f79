"""Every check a result form allows, on the numbers as read, and what the checks confirm.

The rules (each found only when its numbers are on the form):
- the candidates sum to the valid votes (DPR/DPRD: party and candidate votes, or the party
  totals, sum to them), and per party: party votes + candidate votes = party total;
- valid + invalid = ballots used, and ballots used = voters who used their vote (section I);
- voters who used their vote ≤ DPT + DPTb + DPK, line by line and in total;
- L + P = JML on every line of section I, and each list's lines sum to its total;
- ballot sheets: received = returned + unused + used, and used = voters who used their vote;
- no count above the most voters a TPS has.

A number's ``status`` first comes from its readings: two readings that agree confirm it, two
that disagree dispute it. The arithmetic then confirms the numbers of every equation that
holds, but only on a form where no check fails: two misreadings that cancel out in one sum
would show up in another. A disputed number is never settled here: ``votes`` carries the
one reading the sums fit, when exactly one does, and the number stays disputed.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, replace

from ingest.models import TALLY_ROW_KINDS, Check, Issue, Tally, TallyRow
from ingest.tally_doubt import beyond_one_misreading
from ingest.tally_issues import describe

MAX_VOTERS = 300  # voters a 2024 TPS may have; pass the configured value as ``max_voters``
LOW_CONFIDENCE = 0.6  # a lone reading less sure than this is "unsure"
# ... and for digits read from per-digit boxes, less sure than this: on the tuning forms
# (bench/tally_bench.py --calibration, seeds 1000-1049) 1 box reading in 14 was wrong between
# 0.6 and 0.85, 1 in 900 above; a printed reading above 0.6 was never wrong. A wrong "sure"
# number makes a failed check look like the form's error (consistent false).
LOW_CONFIDENCE_BOXES = 0.85
SHEETS_SPARE = 1.025  # ballot sheets come with 2 % spares: the most a TPS may receive
TOTALS = ("valid", "invalid", "ballots_used")


def status(number: TallyRow) -> TallyRow:
    """The number's status and value from its readings alone (before any arithmetic)."""
    digits = number.digits if number.digits and number.digits.value is not None else None
    words = number.words if number.words and number.words.value is not None else None
    if digits is not None and words is not None:
        if digits.value == words.value:
            sure = max(digits.confidence, words.confidence)
            return replace(number, votes=digits.value, confidence=sure, status="confirmed")
        low = min(digits.confidence, words.confidence)
        return replace(number, votes=None, confidence=low, status="disputed")
    reading = digits if digits is not None else number.words
    if reading is None or reading.value is None:
        return replace(number, votes=None, confidence=0.0, status="unread")
    least = LOW_CONFIDENCE_BOXES if reading.source == "boxes" else LOW_CONFIDENCE
    state = "read" if reading.confidence >= least else "unsure"
    return replace(number, votes=reading.value, confidence=reading.confidence, status=state)


@dataclass(frozen=True)
class _Rule:
    code: str
    terms: tuple[tuple[str, int], ...]  # (key, coefficient): sum of coefficient * value
    relation: str  # "eq": the sum is 0; "le": the sum is at most 0
    params: dict  # names of the numbers, by role in the sentence: {"valid": key, ...}
    extra: dict  # fixed parameters of the sentence (a party's label)


def evaluate(numbers: list[TallyRow], max_voters: int = MAX_VOTERS) -> Tally:
    """The checked Tally of ``numbers`` (statuses from ``status``, keys set)."""
    by_key = {n.key: n for n in numbers}
    checks: list[Check] = []
    fits: dict[str, set[int]] = {}
    equations = []
    for rule in _rules(numbers):
        check, fitting = _apply(rule, by_key)
        checks.append(check)
        if rule.relation == "eq":
            equations.append((rule.terms, check))
        for key, values in fitting.items():
            fits[key] = fits.get(key, values) & values
    checks += _maxima(numbers, max_voters)
    form_error = beyond_one_misreading(
        numbers, checks, equations, lambda changed: _fails(changed, max_voters)
    )
    clean = all(c.holds is not False for c in checks)
    confirmed: set[str] = set()
    if clean:
        for check in checks:
            if check.holds and check.code != "over_max" and check.params.get("_equation"):
                confirmed.update(check.numbers)
    final = []
    for number in numbers:
        if number.status in ("read", "unsure") and number.key in confirmed:
            number = replace(number, status="confirmed")
        elif number.status == "disputed":
            fit = fits.get(number.key, set())
            number = replace(number, votes=next(iter(fit)) if len(fit) == 1 else None)
        final.append(number)
    checks = [
        replace(c, params={k: v for k, v in c.params.items() if k != "_equation"}) for c in checks
    ]
    return _tally(final, checks, fits, form_error)


def _fails(numbers: list[TallyRow], max_voters: int) -> bool:
    by_key = {n.key: n for n in numbers}
    checks = [_apply(rule, by_key)[0] for rule in _rules(numbers)]
    return any(c.holds is False for c in checks + _maxima(numbers, max_voters))


def consistent(checks: list[Check]) -> bool | None:
    if any(c.holds is False and c.sure for c in checks):
        return False
    if any(c.holds is False for c in checks):
        return None  # it fails, but on a number read unsurely: ours or the form's error
    return True if any(c.holds for c in checks) else None


def needs_review(tally: Tally) -> bool:
    """The auditor flag: anything but a consistent form whose every number was read surely."""
    if tally.consistent is not True:
        return True
    return any(n.status in ("unread", "unsure", "disputed") for n in tally.numbers) or any(
        i.code in ("no_rows", "no_table", "duplicate", "words_unread") for i in tally.issues
    )


def _tally(
    numbers: list[TallyRow], checks: list[Check], fits: dict[str, set[int]], form_error: bool
) -> Tally:
    issues = [_failure(c, {n.key: n for n in numbers}) for c in checks if c.holds is False]
    for number in numbers:
        issues += _number_issues(number, fits)
    rows = tuple(n for n in numbers if n.kind in TALLY_ROW_KINDS)
    totals = {key: next((n for n in numbers if n.key == key), None) for key in TOTALS}
    if not rows:
        issues.insert(0, Issue("no_rows", {}))
    return Tally(
        rows=rows,
        valid=totals["valid"].votes if totals["valid"] else None,
        invalid=totals["invalid"].votes if totals["invalid"] else None,
        ballots_used=totals["ballots_used"].votes if totals["ballots_used"] else None,
        confidences={k: (n.confidence if n else 0.0) for k, n in totals.items()},
        consistent=False if form_error else consistent(checks),
        problems=tuple(describe(i, "en") for i in issues),
        numbers=tuple(numbers),
        checks=tuple(checks),
        issues=tuple(issues),
    )


def _number_issues(number: TallyRow, fits: dict[str, set[int]]) -> list[Issue]:
    base = {"key": number.key, "label": number.label}
    digits, words = number.digits, number.words
    if number.status == "unread":
        if words is None or not words.text:
            return [Issue("unread", base, (number.key,))]
        return [Issue("words_unread", base | {"text": words.text}, (number.key,))]
    if number.status == "disputed" and digits is not None and words is not None:
        fitting = sorted(fits.get(number.key, ()))
        params: dict[str, object] = base | {
            "digits": digits.value,
            "words": words.value,
            "text": words.text,
            "fits": fitting[0] if len(fitting) == 1 else None,
        }
        return [Issue("disputed", params, (number.key,))]
    found = []
    if number.words and number.words.value is None and number.words.text:
        found.append(Issue("words_unread", base | {"text": number.words.text}, (number.key,)))
    if number.status == "unsure":
        params = base | {"value": number.votes, "confidence": round(number.confidence, 2)}
        found.append(Issue("low_confidence", params, (number.key,)))
    return found


def _failure(check: Check, by_key: dict) -> Issue:
    params = {k: v for k, v in check.params.items() if not k.startswith("_")}
    if check.code == "over_max":
        return Issue("over_max", params, check.numbers)
    if check.sure:
        return Issue(check.code, params, check.numbers)
    unsure = [(k, by_key[k].label) for k in check.numbers if by_key[k].status == "unsure"]
    wrapped = {"check": check.code, "check_params": params, "unsure": unsure}
    return Issue("undecided", wrapped, check.numbers)


def _apply(rule: _Rule, by_key: dict) -> tuple[Check, dict[str, set[int]]]:
    """The check on the numbers read; for disputed numbers, which readings would fit."""
    keys = [key for key, _ in rule.terms]
    numbers = [by_key[k] for k in keys]
    options = []
    for n in numbers:
        if n.status == "disputed":
            options.append(sorted({n.digits.value, n.words.value}))
        else:
            options.append([n.votes])
    params = {"_equation": rule.relation == "eq", **rule.extra}
    if any(n.status == "unread" for n in numbers):
        return Check(rule.code, None, tuple(keys), params), {}
    fitting: dict[str, set[int]] = {
        k: set() for k, n in zip(keys, numbers, strict=True) if n.status == "disputed"
    }
    if fitting:
        for combo in itertools.product(*options):
            if _holds(rule, combo):
                for key, value in zip(keys, combo, strict=True):
                    if key in fitting:
                        fitting[key].add(value)
        return Check(rule.code, None, tuple(keys), params), fitting
    values = [n.votes for n in numbers]
    params |= _named(rule, values, keys)
    sure = all(n.status in ("confirmed", "read") for n in numbers)
    return Check(rule.code, _holds(rule, values), tuple(keys), params, sure), {}


def _holds(rule: _Rule, values) -> bool:
    total = sum(c * v for (_, c), v in zip(rule.terms, values, strict=True))
    return total == 0 if rule.relation == "eq" else total <= 0


def _named(rule: _Rule, values: list[int], keys: list[str]) -> dict:
    """The figures the failure sentence names: each role's value, sums of the parts."""
    at = dict(zip(keys, values, strict=True))
    out = {}
    for name, ref in rule.params.items():
        if isinstance(ref, list):
            out[name] = sum(at[k] for k in ref)
        else:
            out[name] = at[ref]
    return out


def _maxima(numbers: list[TallyRow], max_voters: int) -> list[Check]:
    """No count above the most a TPS has: ``max_voters`` on its list (DPT), ballot sheets
    with their spares. The voters' total is not held to it: the DPTb and DPK come on top of
    the DPT (a full TPS of 300 with 4 moved in has 304 voters); its lines are each held to
    it, and they must sum to the total."""
    out = []
    for n in numbers:
        if n.votes is None or n.status in ("unread", "disputed"):
            continue
        if n.kind == "voters" and n.role == "total":
            continue
        most = int(max_voters * SHEETS_SPARE) + 1 if n.kind == "sheets" else max_voters
        if n.votes > most:
            params = {"key": n.key, "label": n.label, "value": n.votes, "max": most}
            sure = n.status in ("confirmed", "read")
            out.append(Check("over_max", False, (n.key,), params, sure))
    return out


def _rules(numbers: list[TallyRow]) -> list[_Rule]:
    keys = {n.key for n in numbers}
    rows = [n for n in numbers if n.kind in TALLY_ROW_KINDS]
    rules = _vote_rules(rows, keys)
    if {"valid", "invalid", "ballots_used"} <= keys:
        rules.append(
            _Rule(
                "ballots_sum",
                (("valid", 1), ("invalid", 1), ("ballots_used", -1)),
                "eq",
                {
                    "valid": "valid",
                    "invalid": "invalid",
                    "sum": ["valid", "invalid"],
                    "ballots_used": "ballots_used",
                },
                {},
            )
        )
    users = "users.total.JML"
    if "ballots_used" in keys and users in keys:
        rules.append(
            _Rule(
                "users_ballots",
                (("ballots_used", 1), (users, -1)),
                "eq",
                {"ballots_used": "ballots_used", "users": users},
                {},
            )
        )
    rules += _voter_rules(keys)
    rules += _sheet_rules(keys)
    return rules


def _vote_rules(rows: list[TallyRow], keys: set[str]) -> list[_Rule]:
    rules = []
    if not any(r.kind != "candidate" for r in rows):
        if rows and "valid" in keys:
            terms = tuple((r.key, 1) for r in rows) + (("valid", -1),)
            params = {"sum": [r.key for r in rows], "valid": "valid"}
            rules.append(_Rule("candidates_sum", terms, "eq", params, {}))
        return rules
    blocks: list[list[TallyRow]] = []
    block: list[TallyRow] = []
    for row in rows:
        if row.kind == "party" and block:
            blocks.append(block)
            block = []
        block.append(row)
        if row.kind == "party_total":
            blocks.append(block)
            block = []
    if block:
        blocks.append(block)
    for block in blocks:
        party = next((r for r in block if r.kind == "party"), None)
        total = next((r for r in block if r.kind == "party_total"), None)
        candidates = [r for r in block if r.kind == "candidate"]
        if party is None or total is None:
            continue
        terms = ((party.key, 1), *((c.key, 1) for c in candidates), (total.key, -1))
        params = {
            "party_votes": party.key,
            "candidates": [c.key for c in candidates],
            "sum": [party.key, *(c.key for c in candidates)],
            "total": total.key,
        }
        rules.append(_Rule("party_sum", terms, "eq", params, {"party": party.label}))
    if "valid" in keys:
        totals = [r for r in rows if r.kind == "party_total"]
        complete = all(any(r.kind == "party_total" for r in b) for b in blocks)
        parts = totals if totals and complete else [r for r in rows if r.kind != "party_total"]
        terms = tuple((r.key, 1) for r in parts) + (("valid", -1),)
        params = {"sum": [r.key for r in parts], "valid": "valid"}
        rules.append(_Rule("parties_sum", terms, "eq", params, {}))
    return rules


def _voter_rules(keys: set[str]) -> list[_Rule]:
    rules = []
    lines = {k.rsplit(".", 1)[0] for k in keys if k.startswith(("voters.", "users.", "disabled."))}
    for line in sorted(lines):
        L, P, JML = (f"{line}.{c}" for c in ("L", "P", "JML"))  # noqa: N806
        if {L, P, JML} <= keys:
            params = {"L": L, "P": P, "sum": [L, P], "JML": JML}
            rules.append(
                _Rule(
                    "lp_sum", ((L, 1), (P, 1), (JML, -1)), "eq", params, {"key": line, "label": ""}
                )
            )
    for part in ("voters", "users"):
        for column in ("L", "P", "JML"):
            rows = [f"{part}.{row}.{column}" for row in ("dpt", "dptb", "dpk")]
            total = f"{part}.total.{column}"
            if total in keys and set(rows) <= keys:
                terms = (*((r, 1) for r in rows), (total, -1))
                params = {
                    "dpt": rows[0],
                    "dptb": rows[1],
                    "dpk": rows[2],
                    "sum": rows,
                    "total": total,
                }
                rules.append(
                    _Rule("voter_rows_sum", terms, "eq", params, {"part": part, "column": column})
                )
    for row in ("dpt", "dptb", "dpk"):
        users, voters = f"users.{row}.JML", f"voters.{row}.JML"
        if {users, voters} <= keys:
            rules.append(
                _Rule(
                    "users_over_row",
                    ((users, 1), (voters, -1)),
                    "le",
                    {"users": users, "voters": voters},
                    {"row_key": f"users.{row}"},
                )
            )
    users = "users.total.JML"
    listed = [f"voters.{row}.JML" for row in ("dpt", "dptb", "dpk")]
    on_lists = ["voters.total.JML"] if "voters.total.JML" in keys else listed
    if users in keys and set(on_lists) <= keys:
        terms = ((users, 1), *((v, -1) for v in on_lists))
        rules.append(
            _Rule("users_over_voters", terms, "le", {"users": users, "voters": on_lists}, {})
        )
    disabled = ("disabled.users.JML", "disabled.voters.JML")
    if set(disabled) <= keys:
        rules.append(
            _Rule(
                "users_over_row",
                ((disabled[0], 1), (disabled[1], -1)),
                "le",
                {"users": disabled[0], "voters": disabled[1]},
                {"row_key": "disabled.users"},
            )
        )
    return rules


def _sheet_rules(keys: set[str]) -> list[_Rule]:
    rules = []
    parts = [f"sheets.{k}" for k in ("returned", "unused", "used")]
    received = "sheets.received"
    if received in keys and set(parts) <= keys:
        terms = (*((p, 1) for p in parts), (received, -1))
        params = {
            "returned": parts[0],
            "unused": parts[1],
            "used": parts[2],
            "sum": parts,
            "received": received,
        }
        rules.append(_Rule("sheets_sum", terms, "eq", params, {}))
    users = "users.total.JML" if "users.total.JML" in keys else "ballots_used"
    if "sheets.used" in keys and users in keys:
        rules.append(
            _Rule(
                "sheets_users",
                (("sheets.used", 1), (users, -1)),
                "eq",
                {"used": "sheets.used", "users": users},
                {},
            )
        )
    return rules
