"""The recap's store, on every database: sums kept current as forms are stored, corrected
and destroyed; the master list and coverage; published versions; recap forms; differences.
"""

from __future__ import annotations

from archive_app.domain.recap_types import PublishedBatch, Station
from tests.recap_helpers import archived, meta, recap_tally, tally, votes

VILLAGE = "33.13.05.2001"
POLL = "2024-02-14"  # PPWP 2024's voting day (config/vocabulary.toml)


def test_sums_reach_every_level_and_keep_unsure_readings_apart(metadata_store):
    """GIVEN two forms of one village, one read with an unsure count
    WHEN they are stored
    THEN every region above holds their sum, the unsure part apart."""
    store = metadata_store
    archived(store, meta(VILLAGE, 1), tally([10, 20, 30]))
    archived(store, meta(VILLAGE, 2), tally([5, 7, 9], statuses={"row2": "unsure"}))
    archived(store, meta("33.13.05.2002", 1), tally([1, 1, 1], status="read"))
    for region in ("", "33", "3313", "331305"):
        assert votes(store, "PPWP", 2024, region) == {
            "1": 16,
            "2": 28,
            "3": 40,
            "valid": 84,
            "invalid": 6,
            "ballots_used": 90,
        }
    parts = store.recap.sums("PPWP", 2024, ["3313052001"])["3313052001"].parts
    assert (parts["2"].confirmed, parts["2"].unsure, parts["2"].total) == (20, 7, 27)
    nation = store.recap.sums("PPWP", 2024, [""])[""].parts
    assert nation["1"].read == 1 and nation["_forms"].forms == 3
    assert store.recap.elections() == [("PPWP", 2024)]


def test_a_second_copy_is_not_added_and_takes_over_when_the_first_is_destroyed(metadata_store):
    store = metadata_store
    first = archived(store, meta(VILLAGE, 1), tally([10, 20, 30]))
    copy = archived(store, meta(VILLAGE, 1, form_type="C.HASIL.SALINAN"), tally([11, 20, 30]))
    assert votes(store, "PPWP", 2024, "")["1"] == 10
    forms = {f.record_id: f.counted for f in store.recap.forms("PPWP", 2024, "3313052001")}
    assert forms == {first: True, copy: False}
    store.lifecycle.tombstone(first)
    assert votes(store, "PPWP", 2024, "")["1"] == 11
    store.lifecycle.tombstone(copy)
    assert votes(store, "PPWP", 2024, "") == {}
    assert store.recap.sums("PPWP", 2024, ["33"])["33"].parts == {}


def test_a_review_correction_moves_the_form_to_its_tps_and_election(metadata_store):
    store = metadata_store
    record = archived(store, meta(VILLAGE, 1), tally([10, 20, 30]))
    archived(store, meta("33.13.05.2002", 1), tally([1, 2, 3]))
    store.readings.confirm(record, meta("33.13.06.2001", 4))
    assert votes(store, "PPWP", 2024, "331305")["1"] == 1
    assert votes(store, "PPWP", 2024, "331306")["1"] == 10
    assert votes(store, "PPWP", 2024, "")["1"] == 11
    store.readings.confirm(record, meta("33.13.06.2001", 4, election="DPD"))
    assert votes(store, "PPWP", 2024, "")["1"] == 1
    assert votes(store, "DPD", 2024, "3313062001")["1"] == 10
    store.readings.confirm(record, meta("33.13.06.2001", 4, form_type="C.KEJADIAN"))
    assert votes(store, "DPD", 2024, "") == {}


def test_the_master_list_gives_coverage_missing_and_unlisted_tps(metadata_store):
    store = metadata_store
    archived(store, meta(VILLAGE, 1), tally([10, 20, 30]))
    stray = archived(store, meta(VILLAGE, 9), tally([1, 1, 1]))
    cover = store.recap.coverage("PPWP", 2024, [""])[""]
    assert cover.forms == 2 and not cover.listed
    stations = [Station(f"3313052001{n:03d}", 200 + n) for n in (1, 2, 3)]
    stations.append(Station("3313052002001", 150))
    names = [("33", "Jawa Tengah"), ("3313", "Karanganyar"), ("3313052001", "Papahan")]
    done = store.tps.import_list(POLL, stations, names)
    assert (done.stations, done.new) == (4, 4)
    again = store.tps.import_list(POLL, stations, names)  # idempotent
    assert (again.stations, again.new) == (4, 0)
    cover = store.recap.coverage("PPWP", 2024, ["", "3313052001", "3313052002"])
    assert (cover[""].expected, cover[""].archived, cover[""].missing) == (4, 1, 3)
    assert cover[""].unlisted == 1 and cover[""].dpt == 150 + 201 + 202 + 203
    assert (cover["3313052002"].expected, cover["3313052002"].missing) == (1, 1)
    assert store.recap.missing_tps("PPWP", 2024, "") == [
        "3313052001002",
        "3313052001003",
        "3313052002001",
    ]
    assert store.recap.missing_tps("PPWP", 2024, "", limit=1) == ["3313052001002"]
    assert [f.record_id for f in store.recap.forms("PPWP", 2024, "", listed=False)] == [stray]
    archived(store, meta(VILLAGE, 2), tally([1, 1, 1]))  # a form after the list
    assert store.recap.coverage("PPWP", 2024, [""])[""].archived == 2
    assert store.recap.children("PPWP", 2024, "3313052001") == [
        "3313052001001",
        "3313052001002",
        "3313052001003",
        "3313052001009",
    ]
    assert store.recap.children("PPWP", 2024, "") == ["33"]
    assert store.recap.names(["33", "3313052001"]) == {"33": "Jawa Tengah", "3313052001": "Papahan"}
    assert store.tps.polls() == [(POLL, 4)]


def test_published_versions_note_each_changed_figure_with_both_values(metadata_store):
    store = metadata_store
    archived(store, meta(VILLAGE, 1), tally([10, 20, 30]))
    tps = "3313052001001"

    def batch(first, sha):
        figures = {(tps, "1"): (first, "2024-02-15 10:00"), (tps, "2"): (20, "2024-02-15 10:00")}
        return PublishedBatch("hitung", "PPWP", 2024, "x.json", sha, figures)

    one = store.published.import_batch(batch(10, "a"), "ani")
    assert (one.figures, one.changed) == (2, 0)
    assert store.recap.differences("PPWP", 2024, "", explained=False) == []
    two = store.published.import_batch(batch(710, "b"), "budi")
    assert two.changed == 1
    [change] = store.published.changes("PPWP", 2024, "3313")
    assert (change.old_votes, change.new_votes, change.old_import, change.new_import) == (
        10,
        710,
        one.id,
        two.id,
    )
    assert change.old_at and change.new_at and change.new_at >= change.old_at
    assert [i.id for i in store.published.imports("PPWP", 2024)] == [two.id, one.id]
    [diff] = store.recap.differences("PPWP", 2024, "", explained=False)
    assert (diff.region, diff.kind, diff.deltas) == (tps, "published_forms", {"1": (10, 710)})
    assert store.recap.difference_weights("PPWP", 2024, ["33", tps]) == {
        "33": {"published_forms": (1, 700)},
        tps: {"published_forms": (1, 700)},
    }


def test_a_recap_form_that_differs_from_the_forms_under_it(metadata_store):
    store = metadata_store
    archived(store, meta(VILLAGE, 1), tally([10, 20, 30]))
    archived(store, meta(VILLAGE, 2), tally([5, 5, 5]))
    archived(store, meta("33.13.05.2002", 1), tally([1, 2, 3]))
    recap = recap_tally({"3313052001": [15, 25, 35], "2002": [1, 2, 9]}, [16, 27, 44])
    form = archived(store, meta("33.13.05", form_type="D.HASIL.KECAMATAN"), recap)
    values = {
        (v.region, v.candidate): v.votes
        for v in store.recap.recap_values("PPWP", 2024, ["331305", "3313052002"])
    }
    assert values[("331305", "3")] == 44 and values[("3313052002", "3")] == 9
    found = {
        (d.region, d.kind): d.deltas
        for d in store.recap.differences("PPWP", 2024, "33", explained=False)
    }
    assert found[("3313052002", "recap_forms")]["3"] == (3, 9)
    assert found[("331305", "recap_forms")] == {"3": (38, 44), "valid": (81, 87)}
    assert ("3313052001", "recap_forms") not in found
    regency = recap_tally({"05": [16, 27, 40]}, [16, 27, 40])
    archived(store, meta("33.13", form_type="D.HASIL.KABKOTA"), regency)
    found = {
        (d.region, d.kind): d.deltas
        for d in store.recap.differences("PPWP", 2024, "", explained=False)
    }
    assert found[("331305", "recap_stages")]["3"] == (44, 40)
    store.lifecycle.tombstone(form)
    found = {(d.region, d.kind) for d in store.recap.differences("PPWP", 2024, "", explained=False)}
    assert ("3313052002", "recap_forms") not in found


def test_a_difference_the_missing_forms_can_explain_is_marked_so(metadata_store):
    store = metadata_store
    store.tps.import_list(POLL, [Station(f"3313052001{n:03d}") for n in (1, 2)])
    archived(store, meta(VILLAGE, 1), tally([10, 20, 30]))
    recap = recap_tally({"2001": [60, 20, 30]}, [60, 20, 30])
    archived(store, meta("33.13.05", form_type="D.HASIL.KECAMATAN"), recap)
    explained = store.recap.differences("PPWP", 2024, "", explained=True)
    assert {(d.region, d.kind) for d in explained} >= {("3313052001", "recap_forms")}
    assert all(d.missing == 1 for d in explained)


def test_rebuild_makes_the_same_tables_again(metadata_store):
    store = metadata_store
    store.tps.import_list(POLL, [Station(f"3313052001{n:03d}") for n in (1, 2)])
    archived(store, meta(VILLAGE, 1), tally([10, 20, 30]))
    archived(store, meta(VILLAGE, 1, form_type="C.HASIL.SALINAN"), tally([9, 20, 30]))
    archived(store, meta(VILLAGE, 7), tally([5, 5, 5], statuses={"row1": "unsure"}))
    archived(
        store,
        meta("33.13.05", form_type="D.HASIL.KECAMATAN"),
        recap_tally({"2001": [15, 25, 36]}, [15, 25, 36]),
    )
    codes = ["", "33", "331305", "3313052001"]
    before = (
        store.recap.sums("PPWP", 2024, codes),
        store.recap.coverage("PPWP", 2024, codes),
        store.recap.differences("PPWP", 2024, "", explained=False),
        store.recap.differences("PPWP", 2024, "", explained=True),
    )
    weights = store.recap.difference_weights("PPWP", 2024, codes)
    counts = store.recap.rebuild()
    assert counts == {"forms": 4, "counted": 3}
    after = (
        store.recap.sums("PPWP", 2024, codes),
        store.recap.coverage("PPWP", 2024, codes),
        store.recap.differences("PPWP", 2024, "", explained=False),
        store.recap.differences("PPWP", 2024, "", explained=True),
    )
    assert after == before
    assert store.recap.difference_weights("PPWP", 2024, codes) == weights


def test_the_same_page_for_two_tps_and_a_header_naming_another_tps_are_flagged(metadata_store):
    from PIL import Image, ImageDraw

    from ingest.page_hash import page_hash

    store = metadata_store
    image = Image.new("L", (600, 850), 255)
    ImageDraw.Draw(image).rectangle((50, 60, 400, 300), fill=0)
    shared = page_hash(image)
    other = page_hash(Image.new("L", (600, 850), 255))
    a = archived(store, meta(VILLAGE, 1), tally([1, 2, 3]), page_hash=shared)
    b = archived(store, meta(VILLAGE, 2), tally([1, 2, 3]), page_hash=shared)
    c = archived(store, meta(VILLAGE, 3), tally([1, 2, 3]), page_hash=other)
    header = {"tps": {"value": 5, "confidence": 0.95, "source": "header"}}
    d = archived(store, meta(VILLAGE, 4), tally([1, 2, 3]), extracted=header)
    flagged = {
        f.record_id: [x["code"] for x in f.findings]
        for f in store.recap.forms("PPWP", 2024, "", with_findings=True)
    }
    assert flagged == {a: ["duplicate_page"], b: ["duplicate_page"], d: ["misfiled"]}
    assert c not in flagged
    store.lifecycle.tombstone(b)
    assert store.recap.form(a).findings == []


def test_a_pages_reads_share_one_session_and_other_reads_do_not(metadata_store):
    """GIVEN a recap page's reads inside one_read, WHEN repositories read, THEN one session
    (one BEGIN, one snapshot) serves them all; outside it every read has its own."""
    sessions = metadata_store._sessions
    with metadata_store.one_read():
        with sessions.read() as first, sessions.read() as second:
            assert first is second
        assert metadata_store.recap.children("PPWP", 2024, "") == []
    with sessions.read() as first, sessions.read() as second:
        assert first is not second


def test_a_pages_reads_together_give_what_each_read_gives_alone(metadata_store):
    """GIVEN forms (one unlisted, one misfiled), a master list, a recap form and published
    figures that differ
    WHEN a page's reads are made together (figures, leading differences, flagged and
    unlisted forms: one statement each, for the round trips)
    THEN they give exactly what the reads one by one give, on every database."""
    store = metadata_store
    stations = [Station("3313052001001", 210), Station("3313052001002", None)]
    names = [("33", "Jawa Tengah"), ("3313", "Karanganyar"), ("3313052001", "Papahan")]
    store.tps.import_list(POLL, [*stations, Station("3313052002001", 150)], names)
    archived(store, meta(VILLAGE, 1), tally([10, 20, 30], statuses={"row2": "unsure"}))
    archived(store, meta(VILLAGE, 9), tally([1, 1, 1]))  # not on the list
    header = {"tps": {"value": 5, "confidence": 0.95, "source": "header"}}
    archived(store, meta("33.13.05.2002", 1), tally([1, 2, 3]), extracted=header)
    recap = recap_tally({"2001": [15, 25, 35], "2002": [1, 2, 9]}, [16, 27, 44])
    archived(store, meta("33.13.05", form_type="D.HASIL.KECAMATAN"), recap)
    figures = {("331305", "1"): (17, "t"), ("3313052001001", "1"): (12, "t")}
    for series, codes in (("rekap", ["331305"]), ("hitung", ["3313052001001"])):
        batch = {k: v for k, v in figures.items() if k[0] in codes}
        store.published.import_batch(
            PublishedBatch(series, "PPWP", 2024, "x.json", series, batch), "ani"
        )
    repo = store.recap
    for codes in (
        ["", "33"],
        ["331305", "3313052001", "3313052002"],
        ["3313052001", "3313052001001", "3313052001002", "3313052001009"],
        ["3313052001002"],
    ):
        found = repo.figures("PPWP", 2024, codes, [*codes, "3313"])
        assert found.names == repo.names([*codes, "3313"])
        areas = [c for c in codes if len(c) != 13]
        assert found.sums == repo.sums("PPWP", 2024, areas)
        assert found.coverage == repo.coverage("PPWP", 2024, codes)
        assert sorted(found.published, key=repr) == sorted(
            repo.published("PPWP", 2024, codes), key=repr
        )
        assert sorted(found.recap_values, key=repr) == sorted(
            repo.recap_values("PPWP", 2024, codes), key=repr
        )
        assert found.weights == repo.difference_weights("PPWP", 2024, codes)
        assert found.stations == {
            c: s.dpt for c in codes if (s := store.tps.station(POLL, c)) is not None
        }
    for region, limit in (("", 200), ("33", 1), ("3313052001", 200)):
        both = repo.leading_differences("PPWP", 2024, region, limit)
        for explained in (False, True):
            alone = repo.differences("PPWP", 2024, region, explained=explained, limit=limit)
            assert both[explained] == alone
    assert repo.leading_differences("PPWP", 2024, "", 200)[False]  # not vacuous
    for region in ("", "3313052001"):
        flagged, unlisted = repo.flagged_and_unlisted("PPWP", 2024, region, limit=100)
        assert flagged == repo.forms("PPWP", 2024, region, with_findings=True, limit=100)
        assert unlisted == repo.forms("PPWP", 2024, region, listed=False, limit=100)
    assert repo.flagged_and_unlisted("PPWP", 2024, "", limit=100) != ([], [])
