"""What only the embedded Tantivy adapter has to get right: facets counted on a thread of
their own beside the page of hits, in every process gunicorn forks. The behaviour both
engines share is in tests/contract/test_search_index.py."""

from __future__ import annotations

import os
import threading

import pytest

from search.query import parse_search
from search.tantivy_index import TantivyIndex
from tests.contract.test_search_index import CORPUS


@pytest.fixture
def index(tmp_path):
    made = TantivyIndex(tmp_path / "index")
    made.index(CORPUS)
    return made


def test_facets_are_counted_on_a_thread_of_their_own(index):
    """GIVEN an index WHEN a search is answered THEN its facets were counted by the index's
    facet threads, and they are right."""
    result = index.search(parse_search({"q": "suara"}))
    assert result.facets["form_type"] == {"C.HASIL": 3, "C.KEJADIAN": 1}
    assert any(t.name.startswith("facets") for t in threading.enumerate())


def test_a_forked_worker_counts_facets_with_threads_of_its_own(index):
    """The parent's facet threads do not exist in a forked child: a pool carried over
    would take the child's work and never run it."""
    assert index.search(parse_search({"q": "suara"})).total == 4  # the parent's pool exists
    read, write = os.pipe()
    child = os.fork()
    if child == 0:  # pragma: no cover - the child reports through the pipe
        try:
            os.close(read)
            timer = threading.Timer(20, os._exit, (3,))  # a hung pool ends the child
            timer.daemon = True
            timer.start()
            facets = index.search(parse_search({"q": "suara"})).facets
            os.write(write, repr(facets["form_type"]).encode())
        finally:
            os._exit(0)
    os.close(write)
    with os.fdopen(read, "rb") as pipe:
        answer = pipe.read().decode()
    _, status = os.waitpid(child, 0)
    assert os.waitstatus_to_exitcode(status) == 0
    assert answer == repr({"C.HASIL": 3, "C.KEJADIAN": 1})
