"""The statements the recap's reads are made of, shared by the repository's methods that
read alone and the ones that read several things in one round trip (db/recap.py)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy import Select, and_, bindparam, case, false, func, select, text, true

from archive_app.db.models import FLAGGED, DifferenceRow, RecapFormRow
from vocabulary import regions

BOUND = "bound"  # as a region: the range given when the statement runs (``region_params``)


def in_region(column: Any, region: str) -> Any:
    """``column`` holds a code inside ``region`` (an index range, not LIKE); ``BOUND``: inside
    the range of the parameters ``lo`` and ``hi`` (a statement built once, run for any
    region)."""
    if not region:
        return column.isnot(None)
    if region == BOUND:
        return and_(column >= bindparam("lo"), column < bindparam("hi"))
    return and_(column >= region, column < regions.upper_bound(region))


def region_params(region: str) -> dict[str, str]:
    """The parameters of ``in_region(column, BOUND)`` for a region (none for the nation)."""
    return {"lo": region, "hi": regions.upper_bound(region)} if region else {}


def forms_query(
    election: Any,
    year: Any,
    region: str,
    level: str,
    limit: Any,
    listed: bool | None,
    with_findings: bool,
    unplaced: bool,
) -> Select:
    """``SqlRecapRepository.forms``'s read (its docstring says what each argument does)."""
    query = select(RecapFormRow).where(
        RecapFormRow.election == election,
        RecapFormRow.year == year,
        RecapFormRow.level == level,
    )
    if unplaced:
        query = query.where(RecapFormRow.place == "")
    else:
        query = query.where(RecapFormRow.place != "", in_region(RecapFormRow.place, region))
    if listed is not None:  # "= false" as the partial index says it, not "IS false"
        query = query.where(RecapFormRow.listed == (true() if listed else false()))
    if with_findings:
        query = query.where(text(FLAGGED))
    return query.order_by(RecapFormRow.place, RecapFormRow.created_at).limit(limit)


def differences_query(
    election: Any, year: Any, region: str, explained: bool, kinds: Iterable[str] | None
) -> Select:
    """Differences under a region (itself included), largest swing first: one order for
    every read of them (region and kind make it total: they are the key with the election)."""
    query = select(DifferenceRow).where(
        DifferenceRow.election == election,
        DifferenceRow.year == year,
        DifferenceRow.explained.is_(explained),
        in_region(DifferenceRow.region, region),
    )
    if kinds is not None:
        query = query.where(DifferenceRow.kind.in_(list(kinds)))
    return query.order_by(*swing_order(DifferenceRow.__table__.c))


def swing_order(c: Any) -> tuple:
    return (c.swing.desc(), c.size.desc(), c.region, c.kind)


def codes_below(column: Any, where: list, region: str, width: int) -> Select:
    """The distinct ``width``-digit starts of the codes under ``region``: one range read."""
    end = regions.upper_bound(region)
    start = func.substr(column, 1, width)
    return select(start).where(*where, column > region, column < end).distinct()


def child_codes(column: Any, where: list, region: str, width: int, name: str) -> Select:
    """The distinct ``width``-digit starts of the codes under ``region`` in an indexed
    column: one index seek per child found, never a walk over the codes below them, and all
    the seeks in one statement (a recursive query: each step seeks past the child before).
    One statement per child made the nation's page 200 round trips (~0.3 s of SQLAlchemy
    per request at 20,000 TPS, 36 ms of it in SQLite)."""
    end = regions.upper_bound(region)
    first = select(func.min(column)).where(*where, column > region, column < end)
    seeks = select(first.scalar_subquery().label("code")).cte(name, recursive=True)
    code = seeks.c.code
    # Past every code of the child just found ("digits" < ":"); a code shorter than a
    # child's (none are, but the walk must not stop on one) is stepped over by itself.
    after = case(
        (func.length(code) < width, code),
        else_=func.substr(code, 1, width).concat(":"),
    )
    following = select(func.min(column)).where(*where, column > after, column < end)
    seeks = seeks.union_all(select(following.scalar_subquery()).where(code.isnot(None)))
    return select(func.substr(seeks.c.code, 1, width)).where(
        seeks.c.code.isnot(None), func.length(seeks.c.code) >= width
    )
