"""Per-part retrieval: the part's own query and the guaranteed slots (our logic, no model)."""

from types import SimpleNamespace

import numpy as np

from assistant.part_retrieval import fuse, part_query
from assistant.question_split import QuestionPart
from assistant.retrieval import _Hit, _Query


def _query(text: str, dates: set[str]) -> _Query:
    snapshot = SimpleNamespace(scores=lambda text: np.ones(3, dtype=np.float32))
    vector = np.ones(4, dtype=np.float32) / 2
    return _Query(text, snapshot, vector, np.ones(3), 0.6, dates)  # type: ignore[arg-type]


def test_a_part_naming_its_own_date_favours_that_date_only():
    q = _query("the report of November 6, 2023 and the one of December 15, 2023", {"a", "b"})
    own = part_query(q, QuestionPart("the report published on November 6 2023"), q.vector)
    assert own.dates == {"2023-11-06"}
    other = part_query(q, QuestionPart("was there consistency in the portrayal"), q.vector)
    assert other.dates == {"a", "b"}


def _hit(chunk_id: str) -> _Hit:
    return _Hit(chunk_id, 1.0, 1.0, "outlet")


def test_each_part_gets_its_best_passages_within_k():
    whole = [_hit(f"w{i}-0000") for i in range(10)]
    part = [_hit("p-0000"), _hit("p-0001"), _hit("p-0002")]
    fused = [hit.chunk_id for hit in fuse(whole, [part], k=4)]
    assert fused[0] == "w0-0000"
    assert {"p-0000", "p-0001"} <= set(fused)
    assert "p-0002" not in fused


def test_each_outlets_best_passage_comes_before_a_second_of_any_outlet():
    from assistant.retrieval import outlets_first

    hits = [_Hit(f"{o}{i}-0000", 1.0, 1.0, o) for o, i in ["A1", "A2", "B1", "A3", "C1", "B2"]]
    order = [hit.chunk_id for hit in outlets_first(hits)]
    assert order == ["A1-0000", "B1-0000", "C1-0000", "A2-0000", "A3-0000", "B2-0000"]


def test_a_part_naming_one_day_searches_that_day_of_its_outlet_only():
    from assistant.part_retrieval import part_filters
    from assistant.retrieval import Filters, to_timestamp

    part = QuestionPart("the Sporting News report published on October 2 2023", "Sporting News")
    got = part_filters(part, ["Sporting News", "CBSSports.com"], Filters())
    assert got.outlets == ["Sporting News"]
    assert got.since_ts == to_timestamp("2023-10-02")
    assert got.until_ts == to_timestamp("2023-10-02", end_of_day=True)
    undated = part_filters(QuestionPart("the betting odds", None), ["Sporting News"], Filters())
    assert undated.outlets == ["Sporting News"] and undated.since_ts is None
    two_days = QuestionPart("between the report of 2023-10-02 and the one of 2023-11-01")
    assert part_filters(two_days, [], Filters()).since_ts is None
    asked = Filters(None, to_timestamp("2023-09-01"), None)  # the caller's range wins
    assert part_filters(part, [], asked).since_ts == asked.since_ts
