"""The MetadataStore port: every repository the services use, and the errors they raise.

One SQLAlchemy implementation serves SQLite (embedded) and PostgreSQL (scale-out); the
contract tests run against both, and mypy holds the implementation to these Protocols.
Methods take and return the domain's frozen values, never ORM objects; the database being
away is ``MetadataUnavailable``, never a driver's exception.
"""

from __future__ import annotations

import builtins
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import AbstractContextManager
from datetime import date, datetime
from pathlib import Path
from typing import Any, Protocol

from archive_app.domain.audit import AuditEntry
from archive_app.domain.disposition import ItemState, ListStatus
from archive_app.domain.entities import (
    ApiToken,
    Batch,
    BatchItem,
    DispositionList,
    Hold,
    IndexSource,
    NewRecord,
    Page,
    PageReadings,
    Record,
    ScheduleVersion,
    StoredFile,
    StoredToken,
    TallyOf,
    User,
)
from archive_app.domain.metadata import RecordMetadata
from archive_app.domain.recap_types import (
    Coverage,
    FormEntry,
    ListImport,
    PublishedBatch,
    PublishedChange,
    PublishedFigure,
    PublishedImport,
    RecapValue,
    RegionFigures,
    RegionSums,
    Station,
    StoredDifference,
)
from archive_app.domain.records import Status
from archive_app.domain.retention import RetentionInput, RetentionUpdate
from archive_app.domain.roles import Role
from archive_app.domain.saved_searches import SavedSearch
from archive_app.domain.throttle import Policy


class MetadataUnavailable(IOError):
    """The metadata database cannot be reached or is busy; the caller may retry later."""


class SnapshotError(RuntimeError):
    """A snapshot could not be taken or loaded; the message says why."""


class LastAdminError(Exception):
    """A change would leave no active administrator: nobody could then manage users, on the
    web or through the API, and only the database could give the role back."""

    def __init__(self, username: str):
        super().__init__(f"{username} is the only active administrator")
        self.username = username


class DuplicateRecord(Exception):
    def __init__(self, existing_id: str):
        super().__init__(f"already archived as {existing_id}")
        self.existing_id = existing_id


class UserRepository(Protocol):
    """Users, their passwords' hashes and their API tokens."""

    def create(self, username: str, password_hash: str, role: Role) -> User: ...
    def get(self, user_id: int) -> User | None: ...
    def by_name(self, username: str) -> User | None: ...
    def list(self) -> builtins.list[User]: ...
    def count(self) -> int: ...
    def update(self, username: str, **changes: object) -> User:
        """``LastAdminError`` if the change disables or demotes the last active administrator.
        Decided inside the write, not before it: two admins demoting each other at once
        must not both see the other still there."""

    def set_language(self, user_id: int, language: str | None) -> None:
        """The user's language (None: follow the browser); sessions stay open."""

    def end_sessions(self, user_id: int) -> None: ...
    def record_login(self, user_id: int) -> None: ...
    def import_user(self, user: User, tokens: builtins.list[StoredToken]) -> bool:
        """Copy a user (password hash, role, state) and its live API tokens; False if present."""

    def live_tokens(self, user_id: int) -> builtins.list[StoredToken]:
        """The user's tokens that still work (not revoked, not expired), as stored."""

    def create_token(
        self, user_id: int, name: str, token_hash: str, expires_at: datetime | None = None
    ) -> ApiToken: ...
    def user_for_token(self, token_hash: str) -> User | None:
        """The live token's user; its ``last_used_at`` is kept to the minute (one write a
        minute per token, not one per request)."""

    def revoke_tokens(self, user_id: int) -> int:
        """Revoke every live token of the user; how many were live."""

    def tokens(self, user_id: int) -> builtins.list[ApiToken]: ...
    def revoke_token(self, user_id: int, token_id: int) -> bool: ...


class RecordRepository(Protocol):
    """Records, their pages and stored files: receiving, reading, correcting, importing."""

    def begin_upload(self, new: NewRecord) -> Record:
        """Reserve the record (status uploading); DuplicateDocument if the bytes exist."""

    def complete_upload(
        self, record_id: str, files: Iterable[StoredFile], entry: AuditEntry | None = None
    ) -> None:
        """Make the record visible (queued) with its files' checksums, and its audit entry,
        in one transaction: an upload is recorded whole or not at all."""

    def abandon_upload(self, record_id: str) -> None: ...
    def stale_uploads(self, before: datetime) -> builtins.list[str]: ...
    def get(self, record_id: str) -> Record | None: ...
    def by_sha256(self, sha256: str) -> Record | None: ...
    def by_ids(self, ids: Iterable[str]) -> dict[str, Record]: ...
    def list(
        self,
        *,
        status: str | None = None,
        created_by: str | None = None,
        limit: int = 50,
        offset: int = 0,
        after: tuple[datetime, str] | None = None,
    ) -> builtins.list[Record]:
        """Newest first; ``after`` (the last one's created_at and id) continues the list at
        the cost of its first page, whatever the depth."""

    def count(self, *, status: str | None = None) -> int:
        """Visible records (or those with ``status``), from counts the database keeps."""

    def recount(self) -> int:
        """Count the kept counts again from the rows (after a bulk load, or to repair), and
        copy each record's filters again to its retention row where they differ: how many
        retention rows were so repaired."""

    def counts_kept(self) -> bool:
        """Whether every change is being counted as it is written (``archive doctor``);
        when not, ``recount`` repairs the counts and the counting."""

    def pages(self, record_id: str) -> builtins.list[Page]: ...
    def pages_of(self, record_ids: Iterable[str]) -> dict[str, builtins.list[Page]]:
        """The pages of many records at once, by record id."""

    def files(self, record_id: str) -> builtins.list[StoredFile]: ...
    def file_keys(self, record_ids: Iterable[str]) -> builtins.list[str]:
        """The object keys of every stored file of these records (many at once: a hold on
        a search mirrors itself onto 100,000 records' objects)."""

    def update_metadata(self, record_id: str, metadata: RecordMetadata) -> None: ...
    def replace_file(self, record_id: str, key: str, sha256: str, size: int) -> None:
        """A stored file was rewritten (the sidecar after a correction): new checksum."""

    def put_file(self, record_id: str, file: StoredFile) -> bool:
        """Record a file stored for a ready record after processing (its preservation copy),
        or the new checksum of one recorded under the same key; False, and nothing recorded,
        when the record is not ready (reprocessing replaces every derived file)."""

    def missing_role(
        self,
        role: str,
        after: str = "",
        limit: int = 500,
        *,
        processed: tuple[datetime, datetime] | None = None,
        unless_audited: str = "",
    ) -> builtins.list[str]:
        """Ready records held here (not disposed of, not transferred) without a stored file
        of ``role``, in id order after ``after``; or only those processed within
        ``processed`` (from, until), in the order they were processed (``after`` unused);
        none with an audit entry ``unless_audited``."""

    def flags(self, record_id: str) -> builtins.list[str]: ...
    def iter_index_sources(self, batch_size: int) -> Iterator[builtins.list[IndexSource]]:
        """Every ready record as the search index needs it (metadata, retention state,
        flags, page texts), one bounded batch at a time: what a rebuild reads. In the
        order the store reads fastest (id order, or the table's own order on SQLite)."""

    def index_sources(self, record_ids: Iterable[str]) -> builtins.list[IndexSource]:
        """These records, those that are ready, as the search index needs them."""

    def iter_records(
        self,
        batch_size: int,
        statuses: tuple[Status, ...] = ...,
        after: str = "",
        unindexed: bool = False,
    ) -> Iterator[builtins.list[tuple[Record, builtins.list[Page], builtins.list[StoredFile]]]]:
        """Records with their pages and files, in id order, one bounded batch at a time
        (``unindexed``: only those the search index has not confirmed)."""

    def import_record(
        self,
        record: Record,
        pages: builtins.list[Page],
        files: builtins.list[StoredFile],
        readings: dict[str, Any] | None = None,
    ) -> bool:
        """Insert a record copied from another archive, as it was, with what its pages were
        read as (``ReadingsRepository.as_stored``); False if already here."""


class JobLeases(Protocol):
    """The processing state in each record's row: who holds the job, until when."""

    def claim(self, record_id: str, owner: str, lease_seconds: int) -> Record | None: ...
    def heartbeat(self, record_id: str, owner: str, lease_seconds: int) -> bool: ...
    def progress(self, record_id: str, pages_done: int, page_count: int) -> None: ...
    def finish(
        self,
        record_id: str,
        owner: str,
        pages: builtins.list[Page],
        files: builtins.list[StoredFile],
        confidence: float | None,
        readings: PageReadings | None = None,
        after_ready: Sequence[str] = (),
    ) -> None:
        """Swap in the pages and derivative files, what was read from the pages, and mark
        ready, all in one transaction. ``after_ready`` names the steps owed once ready
        (query holds, retention): written in the same transaction, so a crash right after
        leaves them owed instead of forgotten."""

    def steps_owed(self, record_ids: Iterable[str]) -> dict[str, builtins.list[str]]:
        """The after-ready steps each of these records still owes (only those owing any)."""

    def step_done(self, record_id: str, step: str) -> None:
        """The step is paid for this record; the others it owes stay owed."""

    def owing_steps(self, ready_before: datetime, limit: int) -> builtins.list[str]:
        """Records owing after-ready steps, ready before ``ready_before``, oldest first."""

    def fail(
        self, record_id: str, owner: str, error: str, *, final: bool, count_attempt: bool = True
    ) -> None: ...
    def requeue(self, record_id: str) -> bool: ...
    def reclaimable(self, now: datetime, queued_before: datetime | None) -> builtins.list[str]: ...
    def leases(self) -> builtins.list[tuple[str, str]]:
        """(record id, lease owner) of every record being processed."""

    def expire_lease(self, record_id: str, owner: str) -> None: ...


class StampsRead(Protocol):
    """The stamps a rebuild read with the records that were pending or queued then."""

    def row_read(self, record_id: str, updated_at: datetime) -> bool: ...
    def queue_read(self, record_id: str, queued_at: datetime) -> bool: ...


class IndexBookkeeping(Protocol):
    """Which ready records the search index has confirmed."""

    def mark_indexed(
        self,
        record_ids: Iterable[str],
        read: Mapping[str, datetime],
        *,
        queued: Mapping[str, datetime],
    ) -> builtins.list[str]:
        """Only rows unchanged since the index read them are marked: those still carrying the
        stamp read with them (``read``: ``IndexSource.updated_at`` by id; a record absent is
        not marked), so an edit committed after the read stays pending even if it was
        stamped before it. A record's queue row is removed only if it is
        the one read with it (``queued``: ``IndexSource.queued_at`` of those that were
        queued), so a new retention state committed after the read stays queued. Returns the
        ids not marked (changed or queued again since the read, gone, or not read): to be
        indexed again."""

    def mark_all_indexed(self, read: StampsRead) -> int:
        """After a rebuild: marks the pending records, and removes the queue rows, that the
        rebuild read as they are now (``read``: the stamps it read), and removes the queue
        rows of destroyed records; returns how many rows it marked or removed."""

    def pending_index(self, limit: int) -> builtins.list[str]: ...


class ReadingsRepository(Protocol):
    """What processing read from the pages, and the review queue."""

    def get(self, record_id: str) -> dict[str, Any]:
        """What processing read: {"given", "extracted", "review", "reasons", "tally"}."""

    def many(self, record_ids: Iterable[str]) -> dict[str, dict[str, Any]]:
        """``get`` of many records in one go, by id."""

    def queue(
        self, limit: int = 100, offset: int = 0, after: tuple[datetime, str] | None = None
    ) -> builtins.list[Record]:
        """Records waiting for review that can be corrected now: not frozen by a legal hold
        or an open disposition list (they wait until the hold or the list ends). Oldest
        first; ``after`` (the last one's created_at and id) continues the queue."""

    def queue_count(self) -> int: ...
    def confirm(
        self,
        record_id: str,
        metadata: RecordMetadata,
        after_ready: Sequence[str] = (),
        *,
        unchanged_since: datetime | None = None,
        waiting: bool = False,
    ) -> bool:
        """A person confirmed (or corrected) the metadata: it leaves the review queue.
        ``after_ready``: the steps the new metadata owes (query holds, retention), written
        in the same transaction as with ``JobLeases.finish``. Written only while the row's
        ``updated_at`` is still ``unchanged_since`` and, with ``waiting``, while it still
        waits for review (one compare-and-set: two people, or one form sent twice, cannot
        both confirm); False when it was not written."""

    def as_stored(self, record_ids: Iterable[str]) -> dict[str, dict[str, Any]]:
        """What processing read and review decided, as stored: what a transfer copies."""

    def iter_tallies(self, filters: dict[str, Any], batch_size: int = 500) -> Iterator[TallyOf]:
        """Records with vote counts matching exact filters, in id order: place, flags, and
        the lines kept from the counts (``domain.tally_lines``) or else the counts."""

    def keep_tally_lines(self, batch_size: int = 500) -> Iterator[tuple[int, int]]:
        """Write the kept lines of records with counts but none in the current layout;
        yields each batch's (records read, lines kept)."""


class BatchRepository(Protocol):
    """Files received together and what became of each."""

    def create(self, label: str, source: str, metadata: dict[str, Any], actor: str) -> int: ...
    def add_item(
        self,
        batch_id: int,
        name: str,
        outcome: str,
        message: str = "",
        document_id: str | None = None,
    ) -> None: ...
    def get(self, batch_id: int) -> Batch | None: ...
    def list(self, limit: int = 100, offset: int = 0) -> builtins.list[Batch]: ...
    def items(self, batch_id: int) -> builtins.list[BatchItem]: ...


class LifecycleRepository(Protocol):
    """A record's life after ingest: cached retention state, tombstones, fixity."""

    def hold_state(self, hold_id: int) -> int:
        """Mark the records this hold names (not disposed of or transferred) on hold, as
        ``domain.retention.compute`` would, set-based, while the hold is in force; how many
        changed."""

    def retention_inputs(
        self, batch_size: int, *, ids: Iterable[str] | None = None, changes_by: date | None = None
    ) -> Iterator[builtins.list[RetentionInput]]:
        """Records to (re)compute, in id order: all, these ids, or those whose state is due
        to change by ``changes_by``."""

    def retention_groups(self) -> builtins.list[tuple[RetentionInput, int]]:
        """Every distinct combination retention is computed from, with its cached result
        (``cached``) and how many records share both; the ``id`` of each is empty."""

    def save_retention(self, updates: builtins.list[RetentionUpdate]) -> None:
        """Store new states; a record whose state changed is queued for the search index."""

    def retention_counts(self, group: str | None = None) -> dict[Any, int]:
        """{state: n} or {(group value, state): n} over every visible record (group:
        election, province or regency), from counts the database keeps."""

    def due_count(self, day: date) -> int:
        """Active and inactive records whose inactive period ends by ``day`` (kept count)."""

    def retention_ids(
        self,
        *,
        state: str | None = None,
        action: str | None = None,
        due_by: date | None = None,
        filters: dict[str, Any] | None = None,
        limit: int = 1000,
        offset: int = 0,
        after: str | None = None,
    ) -> builtins.list[str]:
        """By the day the inactive period ends, then id, undated records last; ``after``
        (the last id shown) continues the list at the cost of its first page."""

    def retention_count(
        self,
        *,
        state: str | None = None,
        action: str | None = None,
        due_by: date | None = None,
        filters: dict[str, Any] | None = None,
        cap: int = 10_000,
    ) -> int:
        """How many match: exact from the kept counts when they can say (a state with at
        most one of election, province, regency), otherwise counted up to ``cap + 1``."""

    def tombstone(
        self, record_id: str, at: datetime | None = None, entry: AuditEntry | None = None
    ) -> None:
        """Keep metadata, checksums and history; drop the content (page text) for good. The
        record leaves the search index's bookkeeping too (its entry is deleted by the
        caller): nothing pending or queued brings it back. ``at``: when, if not now;
        ``entry`` audited with it."""

    def mark_transferred(
        self, record_id: str, at: datetime | None = None, entry: AuditEntry | None = None
    ) -> None: ...
    def finalized_since(self, since: datetime, final_state: str) -> builtins.list[str]: ...
    def files_to_check(
        self,
        *,
        older_than: datetime | None = None,
        sample: int | None = None,
        batch_size: int = 500,
    ) -> Iterator[builtins.list[tuple[str, StoredFile]]]:
        """Stored (not destroyed) files: all, those unchecked since ``older_than``, or a sample."""

    def record_checks(self, results: builtins.list[tuple[str, bool]], at: datetime) -> None: ...
    def fixity_of(self, record_id: str) -> dict[str, Any]:
        """The record's last fixity check: when (the oldest file's check) and whether all passed."""


class ScheduleRepository(Protocol):
    """Every version of the retention schedule; the newest is in force."""

    def current(self) -> ScheduleVersion | None: ...
    def history(self, limit: int = 50) -> builtins.list[ScheduleVersion]: ...
    def save(
        self, rows: builtins.list[dict[str, Any]], comment: str, actor: str
    ) -> ScheduleVersion:
        """A new version on top of the newest; versions are never edited or removed."""


class HoldRepository(Protocol):
    """Legal holds and the records they freeze."""

    def place(
        self,
        reason: str,
        case_ref: str,
        query: dict[str, Any] | None,
        record_ids: Iterable[str],
        actor: str,
    ) -> int:
        """The hold and its records, whole or not at all; ``record_ids`` may be any
        iterable, read a chunk at a time, duplicates ignored."""

    def import_hold(
        self, hold: Hold, entry: Callable[[int], AuditEntry] | None = None
    ) -> tuple[int, bool, bool]:
        """A hold copied from another archive as it was, without its records, or the one
        copied before; (its id here, whether it is new, whether a release came since). A new
        hold's ``entry`` (made from its id here) is committed with it."""

    def add_records(self, hold_id: int, record_ids: Iterable[str]) -> int:
        """Add records to a hold (idempotent); returns how many were new."""

    def release(self, hold_id: int, reason: str, actor: str) -> bool: ...
    def get(self, hold_id: int) -> Hold | None:
        """The hold, with how many records it names (a count kept with them)."""

    def list(self, *, active: bool | None = None) -> builtins.list[Hold]: ...
    def for_record(self, record_id: str) -> builtins.list[Hold]:
        """Active holds on a record."""

    def held(self, record_ids: Iterable[str]) -> set[str]:
        """Which of these records are under at least one active hold."""

    def document_ids(
        self, hold_id: int, limit: int | None = None, after: str = ""
    ) -> builtins.list[str]:
        """The hold's records in id order; ``limit``/``after`` (the last id) page them."""


class DispositionRepository(Protocol):
    """Disposition lists, their items and their state."""

    def propose(
        self, action: str, record_ids: builtins.list[str], comment: str, actor: str
    ) -> int: ...
    def get(self, list_id: int) -> DispositionList | None: ...
    def lists(self, status: str | None = None) -> builtins.list[DispositionList]: ...
    def items(self, list_id: int, state: str | None = None) -> builtins.list[tuple[str, str, str]]:
        """(record id, state, note) of the list's items, in record id order."""

    def item_rows(
        self, list_id: int, after: str = "", limit: int = 1000
    ) -> builtins.list[tuple[str, str, str, datetime | None]]:
        """(record id, state, note, done when) of the list's items after ``after``, in record
        id order, a page at a time."""

    def import_list(
        self, copied: DispositionList, entry: Callable[[int], AuditEntry] | None = None
    ) -> tuple[int, bool]:
        """A list copied from another archive as it is there, without its items or report,
        or the one copied before moved forward (never back); (its id here, whether it is
        new). ``ValueError`` when the two archives decided it differently, or it is being
        carried out here. A new list's ``entry`` (made from its id here) is committed with
        it."""

    def import_items(
        self, list_id: int, items: builtins.list[tuple[str, str, str, datetime | None]]
    ) -> None:
        """Items copied from another archive's list: added, or moved forward to what was
        done there (never back to pending)."""

    def lists_for_record(self, record_id: str) -> builtins.list[tuple[int, str, str]]:
        """(list id, list[Any] status, item state) for every list that names the record."""

    def transition(
        self, list_id: int, expected: ListStatus, new: ListStatus, **values: object
    ) -> bool:
        """Move the list from ``expected`` to ``new`` status; False if someone moved it first."""

    def mark_item(self, list_id: int, record_id: str, state: ItemState, note: str = "") -> None: ...
    def set_outputs(
        self,
        list_id: int,
        *,
        report_key: str = "",
        report_sha256: str = "",
        packages: list[Any] | None = None,
    ) -> None: ...


class AuditLog(Protocol):
    """The append-only, hash-chained audit trail."""

    def append(self, entry: AuditEntry) -> int: ...
    def append_many(self, entries: builtins.list[AuditEntry]) -> None:
        """Append in order, in one transaction (all or none)."""

    def entries_after(self, entry_id: int, limit: int) -> builtins.list[tuple[int, AuditEntry]]:
        """Stored entries with their ids, oldest first, for export and transfer."""

    def list(
        self,
        *,
        target: str | None = None,
        actor: str | None = None,
        action: str | None = None,
        limit: int = 100,
        offset: int = 0,
        before: int | None = None,
        since: datetime | None = None,
        until: datetime | None = None,
    ) -> builtins.list[dict[str, Any]]:
        """Newest first; ``before`` (an entry id) continues at the cost of a first page;
        ``since`` / ``until`` (UTC, until exclusive) bound the entries' time."""

    def head(self) -> tuple[int, str] | None:
        """The newest entry's id and hash (None for an empty trail)."""

    def hash_of(self, entry_id: int) -> str | None: ...
    def count_upto(self, entry_id: int) -> int: ...
    def chain(
        self, batch_size: int = 5000, after: int = 0
    ) -> Iterator[tuple[int, AuditEntry, str, str]]:
        """Every entry (after id ``after``) with its stored links, oldest first, in bounded
        batches."""


class WorkerRegistry(Protocol):
    """Which task workers are alive."""

    def beat(self, worker_id: str, host: str, pid: int) -> None: ...
    def alive(self, since: datetime) -> builtins.list[dict[str, Any]]: ...
    def remove(self, worker_id: str) -> None: ...


class LoginAttempts(Protocol):
    """Recent wrong passwords per login name or client address."""

    def wait(self, keys: dict[str, Policy], now: datetime) -> int:
        """Seconds until every one of these keys may try again (0: now)."""

    def fail(self, keys: dict[str, Policy], now: datetime) -> builtins.list[str]:
        """Count one failure against each key; the keys this failure locked."""

    def clear(self, key: str) -> None: ...
    def forget_before(self, before: datetime) -> int:
        """Drop keys whose last failure is older than ``before`` (a periodic sweep)."""


class SavedSearchRepository(Protocol):
    """Named searches users keep (domain/saved_searches.py holds the rules on names and
    on who may delete one; this only stores)."""

    def save(
        self, owner: str, name: str, params: dict[str, str], shared: bool, now: datetime
    ) -> SavedSearch:
        """Store under (owner, name); the owner's search of the same name is replaced."""

    def visible_to(self, username: str) -> builtins.list[SavedSearch]:
        """The user's own searches and those shared with everyone, by name."""

    def get(self, search_id: int) -> SavedSearch | None: ...
    def delete(self, search_id: int) -> bool:
        """True when it existed."""


class TpsRepository(Protocol):
    """The TPS master list per voting day (``poll``), and region names, by KPU code."""

    def import_list(
        self, poll: str, stations: Iterable[Station], names: Iterable[tuple[str, str]] = ()
    ) -> ListImport:
        """Add or update stations and names in one transaction (idempotent), then count
        what each region expects, mark archived forms on or off the list, compare again."""

    def polls(self) -> builtins.list[tuple[str, int]]:
        """(voting day, stations) of every list imported."""

    def station(self, poll: str, code: str) -> Station | None: ...


class RecapRepository(Protocol):
    """The forms' sums per region, recap forms' figures, coverage and the differences,
    kept current by the record repositories as records change (never by a scan)."""

    def elections(self) -> builtins.list[tuple[str, int]]:
        """(election, year) with forms or published figures, newest year first."""

    def names(self, codes: Iterable[str]) -> dict[str, str]: ...
    def children(self, election: str, year: int, region: str) -> builtins.list[str]:
        """Child regions (TPS codes under a village) with anything to show."""

    def sums(self, election: str, year: int, codes: Iterable[str]) -> dict[str, RegionSums]: ...
    def coverage(
        self,
        election: str,
        year: int,
        codes: Iterable[str],
        sums: dict[str, RegionSums] | None = None,
    ) -> dict[str, Coverage]:
        """Per region (or TPS): expected, archived, missing, unlisted forms; ``sums``, when
        given, are the regions' sums already read (not read again)."""

    def figures(
        self, election: str, year: int, codes: Iterable[str], named: Iterable[str] = ()
    ) -> RegionFigures:
        """What ``sums``, ``coverage``, ``published``, ``recap_values`` and
        ``difference_weights`` give for these codes, the stations among them and what
        ``names`` gives for ``named``, read together (one round trip for a page's region
        and its children)."""

    def missing_tps(
        self, election: str, year: int, region: str, limit: int = 100
    ) -> builtins.list[str]:
        """TPS on the master list under a region without a counted form, in code order."""

    def forms(
        self,
        election: str,
        year: int,
        region: str,
        *,
        level: str = "tps",
        limit: int = 500,
        listed: bool | None = None,
        with_findings: bool = False,
        unplaced: bool = False,
    ) -> builtins.list[FormEntry]:
        """Forms under a region (every copy, counted or not), in code order."""

    def flagged_and_unlisted(
        self, election: str, year: int, region: str, limit: int = 100
    ) -> tuple[builtins.list[FormEntry], builtins.list[FormEntry]]:
        """``forms(with_findings=True)`` and ``forms(listed=False)``, read together."""

    def counted_forms(
        self, election: str, year: int, places: Iterable[str]
    ) -> dict[str, FormEntry]:
        """The counted form of each of these places (TPS codes), read together."""

    def form(self, record_id: str) -> FormEntry | None: ...
    def recap_values(
        self, election: str, year: int, codes: Iterable[str]
    ) -> builtins.list[RecapValue]:
        """Figures counted recap forms print for these regions."""

    def published(
        self, election: str, year: int, codes: Iterable[str]
    ) -> builtins.list[PublishedFigure]: ...
    def differences(
        self,
        election: str,
        year: int,
        region: str,
        *,
        explained: bool,
        limit: int = 500,
        after: StoredDifference | None = None,
        kinds: Iterable[str] | None = None,
    ) -> builtins.list[StoredDifference]:
        """Differences under a region (itself included), largest swing first; ``after``
        (the last one read) continues the list."""

    def leading_differences(
        self, election: str, year: int, region: str, limit: int
    ) -> dict[bool, builtins.list[StoredDifference]]:
        """``differences(explained=False)`` and ``differences(explained=True)`` at offset 0,
        read together (keyed by ``explained``)."""

    def difference_weights(
        self, election: str, year: int, codes: Iterable[str]
    ) -> dict[str, dict[str, tuple[int, int]]]:
        """Per region (or TPS), per kind: how many differences sit under it, and their size."""

    def refresh(self, record_ids: Iterable[str]) -> None:
        """Bring these records' parts up to date."""

    def rebuild(self, progress: Any = None) -> dict[str, int]:
        """Make every recap table again from the records (derived data)."""


class PublishedRepository(Protocol):
    """Figures an election body published, each import a dated version."""

    def import_batch(self, batch: PublishedBatch, actor: str) -> PublishedImport:
        """Store an import in one transaction; a figure it changes is noted with both
        values and times."""

    def imports(self, election: str, year: int) -> builtins.list[PublishedImport]: ...
    def changes(
        self, election: str, year: int, region: str = "", limit: int = 200
    ) -> builtins.list[PublishedChange]:
        """Figures changed between imports under a region, newest first."""

    def count_changes(self, election: str, year: int) -> int: ...


class MetadataSnapshot(Protocol):
    """A consistent copy of the database being taken (``MetadataStore.snapshot``): the dump
    file, and a read-only view of the very state the dump holds, while the context lasts."""

    @property
    def kind(self) -> str:
        """The engine that can load the dump: "sqlite" or "postgresql"."""

    @property
    def path(self) -> Path: ...
    def audit_head(self) -> tuple[int, str] | None: ...
    def counts(self) -> dict[str, int]:
        """{"records", "users", "audit_entries"}: how many the snapshot holds."""

    def stored_files(self) -> Iterator[tuple[str, StoredFile]]:
        """(record id, file) of every object the snapshot says is stored (records' files
        not destroyed, disposition reports), ordered by SHA-256, streamed."""

    def disposed(self) -> Iterator[str]:
        """Ids of the records an approved disposition destroyed (each left a tombstone)."""


class MetadataStore(Protocol):
    """The system of record's metadata: every repository, one database."""

    @property
    def users(self) -> UserRepository: ...

    @property
    def jobs(self) -> JobLeases: ...

    @property
    def readings(self) -> ReadingsRepository: ...

    @property
    def lifecycle(self) -> LifecycleRepository: ...

    @property
    def holds(self) -> HoldRepository: ...

    @property
    def audit(self) -> AuditLog: ...

    @property
    def login_attempts(self) -> LoginAttempts: ...

    @property
    def tps(self) -> TpsRepository: ...

    @property
    def recap(self) -> RecapRepository: ...

    @property
    def published(self) -> PublishedRepository: ...

    @property
    def saved_searches(self) -> SavedSearchRepository: ...

    def migrate(self) -> None: ...
    def is_current(self) -> bool: ...
    def one_read(self) -> AbstractContextManager[None]:
        """Every repository read inside is one session and one read transaction (a page
        of many questions: fewer round trips, one moment's answers). Writes are apart."""

    def snapshot(self, out: Path) -> AbstractContextManager[MetadataSnapshot]:
        """Write a consistent copy of the whole database to ``out`` (writers go on)."""

    def load_snapshot(self, kind: str, path: Path) -> None:
        """Put a snapshot in place of this database, which must be empty; SnapshotError
        when the snapshot is of another engine or cannot be loaded."""

    def contents(self) -> dict[str, int]:
        """{"records", "users", "audit_entries"}: all 0 for a new or only migrated database."""

    def health(self) -> dict[str, Any]: ...
    def close(self) -> None: ...
