"""The rules of disposition (penyusutan), as a state machine with typed refusals.

A list is proposed by a records officer, decided (approved or rejected) by someone else
with approval rights, then executed, possibly in several runs. These rules are written
once, here: the API, the web pages and the CLI ask them and map each refusal to an answer
through one table (``HTTP_STATUS``), so no view re-states "never your own list".
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any

from archive_app.domain.languages import N_


class ListStatus(StrEnum):
    PROPOSED = "proposed"
    APPROVED = "approved"
    REJECTED = "rejected"
    EXECUTING = "executing"
    EXECUTED = "executed"


class ItemState(StrEnum):
    PENDING = "pending"
    DONE = "done"
    SKIPPED = "skipped"


class Action(StrEnum):
    DESTROY = "destroy"
    TRANSFER = "transfer"


# A record on a list in one of these states may not be proposed again, nor edited.
OPEN = frozenset({ListStatus.PROPOSED, ListStatus.APPROVED, ListStatus.EXECUTING})
EXECUTABLE = frozenset({ListStatus.APPROVED, ListStatus.EXECUTING})
NEXT = {
    ListStatus.PROPOSED: frozenset({ListStatus.APPROVED, ListStatus.REJECTED}),
    ListStatus.APPROVED: frozenset({ListStatus.EXECUTING}),
    ListStatus.EXECUTING: frozenset({ListStatus.EXECUTED}),
}


class DispositionError(ValueError):
    """A disposition rule refused the request; ``problems`` maps record ids to reasons."""

    code = "disposition.refused"

    def __init__(self, message: str, problems: dict[str, Any] | None = None):
        super().__init__(message)
        self.problems = problems or {}


class ListNotFound(DispositionError):
    code = "disposition.not_found"


class OwnList(DispositionError):
    """Four eyes: the proposer never decides on their own list."""

    code = "disposition.own_list"


class WrongStatus(DispositionError):
    """The list is not in a state that allows this step (someone may have moved it first)."""

    code = "disposition.wrong_status"


class CommentRequired(DispositionError):
    code = "disposition.comment_required"


class NotProposable(DispositionError):
    """Some records cannot go on a list: not due, due for another action, already listed."""

    code = "disposition.not_proposable"


class NotConfirmed(DispositionError):
    """A destruction is carried out only after the person typed the list's number: one
    click must never destroy records."""

    code = "disposition.not_confirmed"


HTTP_STATUS: dict[type[DispositionError], int] = {
    ListNotFound: 404,
    OwnList: 403,
    WrongStatus: 409,
    CommentRequired: 400,
    NotConfirmed: 400,
    NotProposable: 400,
    DispositionError: 400,
}


def http_status(error: DispositionError) -> int:
    return next(code for kind, code in HTTP_STATUS.items() if isinstance(error, kind))


def parse_action(value: str) -> Action:
    try:
        return Action(value)
    except ValueError:
        raise DispositionError("The action must be destroy or transfer.") from None


def check_move(current: ListStatus, new: ListStatus) -> None:
    if new not in NEXT.get(current, frozenset()):
        raise WrongStatus(f"The list is {current.value}; it cannot become {new.value}.")


def check_decision(status: ListStatus, proposed_by: str, actor: str, comment: str) -> None:
    """May ``actor`` approve or reject this list now? Raises the reason why not."""
    if proposed_by == actor:
        raise OwnList("The proposer cannot approve or reject their own list.")
    if not comment.strip():
        raise CommentRequired("A decision needs a comment.")
    if status is not ListStatus.PROPOSED:
        raise WrongStatus(f"The list is {status.value}; only a proposed list is decided.")


def check_execution(status: ListStatus) -> None:
    if status not in EXECUTABLE:
        raise WrongStatus(f"Only an approved list can be executed (this one is {status.value}).")


def check_confirmation(action: Action, list_id: int, typed: str | None) -> None:
    """Destroying needs the list's number typed back; a transfer destroys nothing."""
    if action is Action.DESTROY and (typed or "").strip().lstrip("#") != str(list_id):
        raise NotConfirmed(f"Type the list number ({list_id}) to confirm the destruction.")


# A record still owing its steps after ready (records/after_ready.py) may match a hold
# placed by search that it has not joined yet: treated as held until the steps are done.
OWED = "steps after ready not done yet (query holds, retention): it may be under a hold"
# A record still being received or processed: the worker would write its files and row
# back after the destruction or transfer. A later list takes it once it is ready.
BUSY = "still being processed: a later list can take it once it is ready"
ON_HOLD = "on legal hold at execution"

# Why an item was skipped, as people read it; the stored note is the sentence on the left.
SKIP_NOTES = {
    ON_HOLD: N_("ditahan (legal hold) saat pelaksanaan"),
    f"at execution: {OWED}": N_(
        "saat pelaksanaan: langkah setelah siap belum selesai (penahanan berdasarkan "
        "pencarian, retensi); mungkin sedang ditahan"
    ),
    f"at execution: {BUSY}": N_(
        "saat pelaksanaan: masih diproses; daftar berikutnya dapat memuatnya setelah siap"
    ),
}


def proposal_problem(
    state: str, due_action: str | None, action: Action, listed: bool, owed: bool = False
) -> str:
    """Why a record may not go on a list for ``action`` ("" when it may)."""
    if owed:
        return OWED
    if state != "due":
        return f"not due (state {state})"
    if due_action != action.value:
        return f"due for {due_action}, not {action.value}"
    if listed:
        return "already on an open disposition list"
    return ""
