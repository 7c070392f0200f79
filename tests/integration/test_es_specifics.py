"""What only the Elasticsearch adapter has to get right, on the real test server: the alias
swap of `archive reindex`, writes that land during a rebuild, leftovers of a rebuild that
died, the explicit mapping, and a server that goes away. The behaviour both engines share
is in tests/contract/test_search_index.py."""

from __future__ import annotations

import re
import threading

import pytest

from search.interfaces import IndexUnavailable
from search.query import parse_search
from tests.conftest import make_settings
from tests.contract.test_search_index import CORPUS, doc

pytestmark = pytest.mark.scaleout


@pytest.fixture
def es_index(es_settings, tmp_path):
    from archive_app.services import build_index

    index = build_index(make_settings(tmp_path / "data", **es_settings))
    yield index
    index.drop()


def behind(index, alias: str) -> list[str]:
    """The indices this alias points at."""
    from elasticsearch import NotFoundError

    try:
        return sorted(index.client.indices.get_alias(name=alias))
    except NotFoundError:
        return []


def found(index, q: str) -> int:
    return index.search(parse_search({"q": q})).total


def test_rebuild_swaps_the_alias_while_searches_keep_answering(es_index):
    """GIVEN an index with 5 records WHEN it is rebuilt with 3 THEN every search during the
    rebuild answers from the old index, and afterwards the alias points at one new
    versioned index and the old one is gone."""
    es_index.index(CORPUS)
    (old,) = behind(es_index, es_index.alias)
    answers, errors, done = [], [], threading.Event()

    def keep_searching():
        while not done.is_set():
            try:
                answers.append(found(es_index, "suara"))
            except Exception as exc:  # any failure is what this test is about
                errors.append(exc)

    def batches():
        yield CORPUS[:2]
        during = es_index.search(parse_search({}))
        assert during.total == 5 and behind(es_index, es_index.alias) == [old]
        assert len(behind(es_index, es_index.building)) == 1
        yield CORPUS[2:3]

    searcher = threading.Thread(target=keep_searching)
    searcher.start()
    try:
        assert es_index.rebuild(batches()) == 3
    finally:
        done.set()
        searcher.join()
    assert not errors and answers and set(answers) <= {4, 3}  # old: 4 say "suara"; new: 3
    (new,) = behind(es_index, es_index.alias)
    assert new != old and re.fullmatch(re.escape(es_index.alias) + r"-\d{20}", new)
    assert not es_index.client.indices.exists(index=old)
    assert behind(es_index, es_index.building) == []
    assert es_index.count() == 3 and found(es_index, "suara") == 3


def test_writes_during_a_rebuild_land_in_the_new_index(es_index):
    """GIVEN a rebuild that has read three records WHEN a worker then indexes a new record
    and a newer version of one of the three THEN after the swap both are searchable, the
    rebuild's older copy did not overwrite the worker's newer one, and the rebuild names
    the record whose copy it left out."""
    es_index.index(CORPUS)

    def batches():
        yield CORPUS[:3]
        es_index.index([doc(8, "datang saat pembangunan ulang"), doc(1, "diganti", tps=5)])
        assert found(es_index, "diganti") == 1  # the old index answers meanwhile

    skipped: list[str] = []
    es_index.rebuild(batches(), skipped=skipped.extend)
    assert found(es_index, "pembangunan") == 1 and found(es_index, "diganti") == 1
    assert found(es_index, "230") == 0  # the text record 1 had when the rebuild read it
    assert es_index.count() == 4
    assert skipped == [doc(1, "").id]


def test_a_failed_rebuild_leaves_the_old_index_serving(es_index):
    """GIVEN an index WHEN the records feeding a rebuild fail half way THEN the error comes
    out, the half-built index is deleted and the old one still answers."""
    es_index.index(CORPUS)
    (old,) = behind(es_index, es_index.alias)

    def batches():
        yield CORPUS[:2]
        raise RuntimeError("metadata database went away")

    with pytest.raises(RuntimeError):
        es_index.rebuild(batches())
    assert behind(es_index, es_index.alias) == [old] and es_index.count() == 5
    assert list(es_index._versions()) == [old]


def test_the_leftover_of_a_killed_rebuild_is_removed_by_the_next_one(es_index):
    """GIVEN the half-built index of a rebuild whose process was killed WHEN reindexing
    again THEN the leftover is deleted and the new index alone serves."""
    from search import elasticsearch_mapping as m

    es_index.index(CORPUS)
    leftover = f"{es_index.alias}-20000101000000000000"
    es_index.client.indices.create(
        index=leftover, settings=m.SETTINGS, mappings=m.MAPPINGS, aliases={es_index.building: {}}
    )
    es_index.index([doc(9, "ditulis saat pembangunan mati")])  # also lands in the leftover
    assert es_index.rebuild([CORPUS[:2]]) == 2
    assert not es_index.client.indices.exists(index=leftover)
    assert len(es_index._versions()) == 1 and es_index.count() == 2


def test_the_explicit_mapping_is_in_place(es_index):
    """GIVEN a fresh index THEN its mapping is the archive's (strict, folded and Indonesian
    text, pages in the source only, keyword metadata) and the analyzers split and fold like
    search/query.py."""
    es_index.index(CORPUS[:1])
    (name,) = behind(es_index, es_index.alias)
    mapping = es_index.client.indices.get_mapping(index=name)[name]["mappings"]
    props = mapping["properties"]
    assert mapping["dynamic"] == "strict"
    assert props["text"]["analyzer"] == "archive_folded"
    assert props["text"]["fields"]["stem"]["analyzer"] == "indonesian"
    assert props["text"]["fields"]["stem"]["index_options"] == "freqs"  # scored, no phrases
    assert props["pages"] == {"type": "object", "enabled": False}  # the text is analysed twice
    assert props["village"]["type"] == props["village_lc"]["type"] == "keyword"
    assert props["tps"]["type"] == "integer" and props["created"]["type"] == "date"
    assert props["facet_key"] == {"type": "keyword", "index": False, "eager_global_ordinals": True}

    def tokens(field, text):
        found = es_index.client.indices.analyze(index=es_index.alias, field=field, text=text)
        return [t["token"] for t in found["tokens"]]

    assert tokens("text", "Form C.HASIL_2024 Désa") == ["form", "c", "hasil", "2024", "desa"]
    assert tokens("text.stem", "penghitungan suara") == ["hitung", "suara"]


def test_searches_and_writes_say_unavailable_while_the_server_is_down(es_index, es_server):
    """GIVEN a working index WHEN the Elasticsearch server stops THEN searches, writes and
    counts raise IndexUnavailable and health says not ok; once it is back, all works."""
    es_index.index(CORPUS)
    es_server.stop()
    try:
        with pytest.raises(IndexUnavailable):
            es_index.search(parse_search({"q": "suara"}))
        with pytest.raises(IndexUnavailable):
            es_index.index([doc(8, "tidak sampai")])
        with pytest.raises(IndexUnavailable):
            es_index.count()
        health = es_index.health()
        assert health["ok"] is False and health["status"] == "unreachable"
    finally:
        es_server.start()
    assert found(es_index, "suara") == 4
    health = es_index.health()
    assert health["ok"] and health["status"] in {"green", "yellow"} and health["documents"] == 5


def test_an_empty_archive_searches_and_counts_nothing(es_index):
    """GIVEN no index created yet WHEN searching THEN no hits and zero counts, not an error."""
    assert es_index.count() == 0
    result = es_index.search(parse_search({"q": "suara"}))
    assert result.total == 0 and result.hits == [] and result.facets["year"] == {}


def open_contexts(index) -> int:
    stats = index.client.nodes.stats(metric="indices", index_metric="search")
    return sum(n["indices"]["search"]["open_contexts"] for n in stats["nodes"].values())


def test_deep_pages_leave_no_point_in_time_open(es_index):
    """GIVEN 10,050 records WHEN a deep page is asked by number, and cursors are followed to
    the last page THEN no point in time stays open behind them (each pins segments)."""
    from tests.contract.test_search_index import DEEP

    es_index.index(doc(n, "kata umum") for n in range(1, DEEP + 1))
    es_index.result_window = 1_000  # pages past it walk in a point in time
    before = open_contexts(es_index)
    jump = es_index.search(parse_search({"per_page": "100", "page": "101"}))
    assert len(jump.hits) == 50 and open_contexts(es_index) == before
    page = es_index.search(parse_search({"per_page": "100", "page": "100"}))
    cursor = page.next_cursor
    while cursor:
        cursor = es_index.search(parse_search({"per_page": "100", "cursor": cursor})).next_cursor
    assert open_contexts(es_index) == before


def queries_run(index) -> int:
    stats = index.client.indices.stats(index=index.alias, metric="search")
    return stats["_all"]["primaries"]["search"]["query_total"]


def test_a_page_and_its_count_that_agree_are_asked_once(es_index):
    """GIVEN 5 records WHEN a page that holds them all is asked THEN its hits and count are
    one msearch of two searches: they saw the same refresh, so they are not asked again."""
    es_index.index(doc(n, "kata umum") for n in range(1, 6))
    es_index.search(parse_search({"q": "kata"}))  # the index's first search settles its stats
    before = queries_run(es_index)
    found = es_index.search(parse_search({"q": "umum", "per_page": "20"}))
    assert found.total == 5 and len(found.hits) == 5
    assert queries_run(es_index) - before == 2


def test_a_page_in_the_result_window_is_one_search_and_a_walk_finds_the_same(es_index):
    """GIVEN 2,050 records WHEN a deep page is asked inside the result window (one from/size
    search) and again with the window narrowed below it (a walk in a point in time) THEN both
    give the same hits, with and without words."""
    es_index.index(doc(n, "kata umum") for n in range(1, 2_051))
    asked = [{"per_page": "100", "page": "16"}, {"q": "kata", "per_page": "100", "page": "21"}]
    wide = [es_index.search(parse_search(a)) for a in asked]
    es_index.result_window = 1_000
    walked = [es_index.search(parse_search(a)) for a in asked]
    assert [[h.id for h in r.hits] for r in wide] == [[h.id for h in r.hits] for r in walked]
    assert [r.total for r in wide] == [2_050, 2_050] and len(wide[1].hits) == 50


def test_an_index_from_before_the_wide_window_answers_deep_pages_and_is_widened(
    es_settings, tmp_path
):
    """GIVEN an index made with Elasticsearch's default window of 10,000 WHEN a search
    process asks a page past it THEN it is answered (by the walk) instead of refused; WHEN
    a writer opens the index THEN the window is widened in place."""
    from archive_app.services import build_index
    from search import elasticsearch_index as es
    from search import elasticsearch_mapping as m

    settings = make_settings(tmp_path / "data", **es_settings)
    writer = build_index(settings)
    narrow = {k: v for k, v in m.SETTINGS.items() if k != "max_result_window"}
    writer.client.indices.create(index=f"{writer.alias}-initial", settings=narrow,
                                 mappings=m.MAPPINGS, aliases={writer.alias: {}})  # fmt: skip
    try:
        reader = build_index(settings)
        far = {"per_page": "100", "page": "200"}
        answer = reader.search(parse_search(far))
        assert (answer.total, answer.hits) == (0, []) and reader.result_window == es.MAX_WINDOW
        writer.index(CORPUS)
        writer.client.indices.refresh(index=writer.alias)
        (name,) = behind(writer, writer.alias)
        got = writer.client.indices.get_settings(index=name)[name]["settings"]["index"]
        assert got["max_result_window"] == str(m.RESULT_WINDOW)
        later = build_index(settings)
        assert later.search(parse_search(far)).total == len(CORPUS)
        assert later.result_window == m.RESULT_WINDOW
    finally:
        writer.drop()


def test_an_index_from_before_the_sort_keys_takes_new_records_at_once(es_settings, tmp_path):
    """GIVEN an index made by a version without the sort keys (strict mapping) WHEN this
    version opens it THEN the new fields are added: new records are indexed and sorted
    without waiting for `archive reindex`."""
    import copy

    from archive_app.services import build_index
    from search import elasticsearch_mapping as m

    index = build_index(make_settings(tmp_path / "data", **es_settings))
    old = copy.deepcopy(m.MAPPINGS)
    for field in ("dated", "region_key", "tps_key"):
        old["properties"].pop(field, None)
    index.client.indices.create(index=f"{index.alias}-initial", settings=m.SETTINGS,
                                mappings=old, aliases={index.alias: {}})  # fmt: skip
    try:
        index.index(CORPUS)
        index.client.indices.refresh(index=index.alias)
        (name,) = behind(index, index.alias)
        props = index.client.indices.get_mapping(index=name)[name]["mappings"]["properties"]
        assert {"dated", "region_key", "tps_key"} <= set(props)
        assert found(index, "") == len(CORPUS)
    finally:
        index.drop()


def test_an_answer_from_only_some_shards_says_unavailable_not_partial_counts(es_index):
    """GIVEN the archive's index and, behind the same alias, an index whose shard no node
    holds (as when the node holding it has gone) WHEN searching with facets, counting, or
    listing the ids a hold would cover THEN IndexUnavailable: Elasticsearch answers 200
    with the shards it reached, and counts it cannot vouch for must reach neither the page
    nor a hold. Once that shard is back (here: its index removed), answers are whole again.
    (A shard that held records cannot be kept unassigned on a one-node test cluster: the
    node forces the allocation of a primary whose data it has.)"""
    from search import elasticsearch_mapping as m

    es_index.index(CORPUS)
    client, stray = es_index.client, f"{es_index.alias}-lost-shard"
    client.indices.create(
        index=stray, mappings=m.MAPPINGS, aliases={es_index.alias: {}}, wait_for_active_shards="0",
        settings={**m.SETTINGS, "auto_expand_replicas": False, "number_of_shards": 1,
                  "number_of_replicas": 0, "routing.allocation.require._name": "gone"},
    )  # fmt: skip
    try:
        raw = client.search(index=es_index.alias, query={"match": {"text": "suara"}}, size=0)
        assert raw["_shards"]["failed"] == 1  # the server's own answer: partial, yet 200
        with pytest.raises(IndexUnavailable, match="no_shard_available"):
            es_index.search(parse_search({"q": "suara"}))
        with pytest.raises(IndexUnavailable):
            es_index.count()
        with pytest.raises(IndexUnavailable):
            list(es_index.ids(parse_search({"q": "suara"})))
    finally:
        client.indices.delete(index=stray)
    assert found(es_index, "suara") == 4 and es_index.count() == 5


def old_mapping():
    """The mapping before issue 18: every page indexed once more, as a nested document, and
    no sort keys (which an even older version lacked)."""
    from search import elasticsearch_mapping as m

    props = {k: v for k, v in m.MAPPINGS["properties"].items() if not k.endswith("_key")}
    props.pop("dated")
    nested = {"text": {"type": "text", "analyzer": "archive_folded", "index_options": "freqs"}}
    props["pages"] = {"type": "nested", "properties": nested}
    props["text"] = {
        **props["text"],
        "fields": {"stem": {"type": "text", "analyzer": "indonesian"}},
    }
    return {**m.MAPPINGS, "properties": props}


def test_an_index_built_by_an_older_version_answers_the_same_until_reindexed(es_index, caplog):
    """GIVEN an index built by the version that indexed pages as nested documents WHEN the
    app uses it THEN it says a reindex would help, adds the fields it lacks, and searches
    find the same records with the same page and snippet; `archive reindex` then builds
    it with today's mapping."""
    from search import elasticsearch_mapping as m

    es_index.client.indices.create(
        index=f"{es_index.alias}-initial", settings=m.SETTINGS, mappings=old_mapping(),
        aliases={es_index.alias: {}},
    )  # fmt: skip
    three_pages = doc(11, "sampul depan|rincian perolehan suara|tanda tangan saksi")
    with caplog.at_level("WARNING"):
        es_index.index([*CORPUS, three_pages])
    assert "built by an older version" in caplog.text and "archive reindex" in caplog.text
    (name,) = behind(es_index, es_index.alias)
    props = es_index.client.indices.get_mapping(index=name)[name]["mappings"]["properties"]
    assert props["pages"]["type"] == "nested" and "dated" in props  # the sort keys came

    def shown(q):
        return [(h.id[-2:], h.page, h.highlights) for h in es_index.search(parse_search(q)).hits]

    before = {q: shown({"q": q}) for q in ("suara", "perolehan", '"tangan saksi"', "papahan")}
    assert before["perolehan"] == [("0b", 2, ("rincian <mark>perolehan</mark> suara",))]
    assert shown({"q": "suara", "sort": "newest"})[0][0] == "0b"

    es_index.rebuild([[*CORPUS, three_pages]])
    (name,) = behind(es_index, es_index.alias)
    props = es_index.client.indices.get_mapping(index=name)[name]["mappings"]["properties"]
    assert props["pages"] == {"type": "object", "enabled": False}
    assert {q: shown({"q": q}) for q in before} == before


def test_the_pages_are_stored_once_whoever_wrote_the_record(es_index):
    """GIVEN a rebuilt index WHEN a worker then indexes a record THEN both records keep their
    pages once in the source, as ``text`` (a rebuild sends nothing else; a single write also
    sends ``pages`` for indices of older versions, which is left out), and both are found
    with their best page and its snippet."""
    es_index.rebuild([[doc(11, "sampul depan|rincian perolehan suara")]])
    es_index.index([doc(12, "tanda tangan|perolehan suara saksi")])
    for n, pages in ((11, ["sampul depan", "rincian perolehan suara"]),
                     (12, ["tanda tangan", "perolehan suara saksi"])):  # fmt: skip
        stored = es_index.client.get(index=es_index.alias, id=f"{n:032x}")["_source"]
        assert stored["text"] == pages and "pages" not in stored
    hits = es_index.search(parse_search({"q": "perolehan"})).hits
    assert sorted((h.id[-1], h.page, h.highlights[0].count("<mark>")) for h in hits) == [
        ("b", 2, 1), ("c", 2, 1),
    ]  # fmt: skip


def test_facets_are_exact_when_counted_together_one_by_one_or_mixed(es_settings, tmp_path, caplog):
    """GIVEN records over several elections, forms, years (one unknown: 0), provinces and
    retention states WHEN facets are counted through the joined field, with fewer
    combinations asked than there are, and with records indexed by older versions (without
    the field; joining the facets as a list) THEN each time every facet holds the exact
    count of each value, as counted record by record, in Elasticsearch's order, with and
    without a place chosen; older records get a warning that a reindex helps."""
    import dataclasses
    import itertools
    import json
    from collections import Counter

    from archive_app.services import build_index
    from search import elasticsearch_mapping as m

    settings = make_settings(tmp_path / "data", **es_settings)
    values = itertools.product(
        ("PPWP", "DPR"), ("C.HASIL", 'x,"y"]'), (2019, 2024, 0),
        ("Jawa Tengah", "Bali", "Daérah Ñusa"), ("active", "on_hold", ""),
    )  # fmt: skip
    records = []
    for n, (election, form, year, province, retention) in enumerate(values, start=1):
        for copy in range(1 + n % 3):  # uneven counts, with ties
            record = doc(n * 10 + copy, "suara sah", form=form, year=year)
            meta = {**record.metadata, "election": election, "province": province,
                    "retention": retention}  # fmt: skip
            records.append(dataclasses.replace(record, metadata=meta))
    expected = {
        name: {str(k): c for k, c in Counter(r.metadata[name] for r in records).items() if k != ""}
        for name in ("election", "form_type", "year", "province", "retention")
    }
    assert expected["year"]["0"] and len(expected["retention"]) == 2
    asked = [{"q": "suara"}, {"q": "suara", "province": "Bali"}]
    index = build_index(settings)
    try:
        index.index(records)
        index.client.indices.refresh(index=index.alias)

        def facets(reader):  # in the order shown
            answers = [reader.search(parse_search(a)).facets for a in asked]
            return [{name: list(f.items()) for name, f in found.items()} for found in answers]

        joined = facets(index)
        assert {name: dict(joined[0][name]) for name in expected} == expected
        assert dict(joined[1]["regency"]) == {"Karanganyar": expected["province"]["Bali"]}
        fewer = build_index(settings)
        fewer.key_buckets = 5  # of 108 combinations
        assert facets(fewer) == joined  # Elasticsearch's own order: most first, then by value
        assert "archive reindex" not in caplog.text
        (name,) = behind(index, index.alias)
        for n, older in enumerate(("without the field", "a list")):
            source = index.client.get(index=name, id=records[n].id)["_source"]
            if older == "a list":
                source[m.FACET_KEY] = json.dumps([source[f] for f in m.ALWAYS_FACETED])
            else:
                source.pop(m.FACET_KEY)
            index.client.index(index=name, id=records[n].id, document=source, refresh=True)
            caplog.clear()
            with caplog.at_level("WARNING"):
                reader = build_index(settings)
                assert facets(reader) == joined, older
            assert "archive reindex" in caplog.text
            assert facets(reader) == joined  # asked one by one for a while now
    finally:
        index.drop()
