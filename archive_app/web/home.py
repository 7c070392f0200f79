"""Beranda: the start page of each role, listing the work that waits for it, and the counts
the menu shows on every page."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from flask import Blueprint, g, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from archive_app.domain.roles import Permission
from archive_app.http.security import requires, services
from archive_app.web import chart_data

bp = Blueprint("home", __name__)

CAP = 1000  # a count stops here and reads "999+": the menu must stay cheap on every page
DUE_HORIZON_DAYS = 365


@dataclass(frozen=True)
class Waiting:
    """One kind of work waiting: how many, what it is called, where to do it."""

    key: str
    count: int
    label: str
    url: str
    urgent: bool = False

    @property
    def shown(self) -> str:
        return f"{CAP - 1}+" if self.count >= CAP else f"{self.count:,}".replace(",", ".")


def waiting() -> list[Waiting]:
    """What waits for the signed-in person, by what their role may do."""
    work, can = services().metadata.worklist, current_user.can
    found: list[Waiting] = []

    def add(key: str, count: int, label: str, url: str, urgent: bool = False) -> None:
        found.append(Waiting(key, count, label, url, urgent))

    if can(Permission.REVIEW):
        add("review", work.to_review(CAP), _("Arsip perlu ditinjau"), url_for("review.queue"), True)
    if can(Permission.UPLOAD):
        add(
            "batches",
            work.batches_running(CAP),
            _("Batch sedang diproses"),
            url_for("batches.index"),
        )
        failed_url = url_for("web.record_list", status="failed")
        add("failed", work.failed(CAP), _("Arsip gagal diproses"), failed_url, True)
    if can(Permission.READ_AUDIT):
        by = date.today() + timedelta(days=DUE_HORIZON_DAYS)
        due_url = url_for("retention.records", state="due")
        add("due", work.due_now(CAP), _("Jatuh tempo sekarang"), due_url, True)
        soon_url = url_for("retention.records", due_within=DUE_HORIZON_DAYS)
        add("coming_due", work.coming_due(by, CAP), _("Jatuh tempo dalam 12 bulan"), soon_url)
        lists_url = url_for("dispositions.index")
        add("proposed", work.lists("proposed", CAP), _("Daftar penyusutan menunggu persetujuan"),
            lists_url, can(Permission.APPROVE_DISPOSITION))  # fmt: skip
        if can(Permission.MANAGE_RETENTION):
            approved = _("Daftar disetujui, menunggu dilaksanakan")
            add("approved", work.lists("approved", CAP), approved, lists_url, True)
        add("holds", work.holds_active(CAP), _("Penahanan berlaku"), url_for("holds.index"))
    return found


@bp.get("/beranda")
@requires(Permission.READ)
def index():
    svc = services()
    audited = current_user.can(Permission.READ_AUDIT)
    fixity = svc.metadata.worklist.last_fixity_run() if audited else None
    # An auditor sees the archive's latest activity; everyone else their own.
    activity = svc.metadata.audit.list(actor=None if audited else current_user.username, limit=10)
    tally = chart_data.tally_flags(svc.metadata.statistics) if audited else None
    return render_template("home.html", waiting=waiting(), fixity=fixity, activity=activity,
                           audited=audited, tally_chart=tally)  # fmt: skip


@bp.app_context_processor
def menu_counts():
    """The counts beside the menu's links: only the cheap ones, only for who can act."""

    def counts() -> dict[str, str]:
        # The menu asks once per link: counted once per request (14 counts a page before,
        # ~55 ms of every page at 12M pages).
        if "menu_counts" not in g:
            g.menu_counts = _menu_counts()
        return g.menu_counts

    return {"menu_counts": counts}


def _menu_counts() -> dict[str, str]:
    if not current_user.is_authenticated:
        return {}
    work, can = services().metadata.worklist, current_user.can
    found = {}
    if can(Permission.REVIEW):
        found["review.queue"] = work.to_review(CAP)
    if can(Permission.READ_AUDIT):
        found["dispositions.index"] = work.lists("proposed", CAP) + work.lists("approved", CAP)
    return {k: (f"{CAP - 1}+" if n >= CAP else str(n)) for k, n in found.items() if n}
