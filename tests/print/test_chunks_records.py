"""The records kept between builds are typed (pydantic): one of the wrong type is rejected whole, not half read."""

from __future__ import annotations

import hashlib
import json

import pytest
from pydantic import ValidationError

from bookforge.build.cache import Cache, load_page_map, store_page_map
from bookforge.errors import Diagnostic, Location
from bookforge.print.pagemap import PageCounter, PageStart
from bookforge.print.records import ChunkLayout, Entry, Plan

START = PageStart(label="3", anchor="chapter-1", path=(0, 2), offset=41, text="Thefirstwords")


def _layout() -> ChunkLayout:
    pdf = b"%PDF-1.7 not really"
    return ChunkLayout(pdf=pdf, sha256=hashlib.sha256(pdf).hexdigest(),
                       counters=(PageCounter(value=3, printed="3", style="decimal", reset=False),),
                       anchors={"chapter-1": 0}, bookmarks=((1, False),), starts=((0, START),),
                       exit=Entry(side="left", counter=4, strings=(("chapter-head", "One"),)),
                       warnings=(Diagnostic("pdf-render", "a warning", Location("layouts/print"), severity="warning"),))


def test_a_chunk_layout_comes_back_as_it_was_stored():
    layout = _layout()
    assert ChunkLayout.model_validate_json(layout.model_dump_json()) == layout


@pytest.mark.parametrize("damage", [
    lambda r: r.update(pdf=r["pdf"][:-4] + "AAAA"),  # other bytes: the hash tells
    lambda r: r["counters"][0].update(value="3"),
    lambda r: r["exit"].update(side="top"),
    lambda r: r.pop("anchors"),
    lambda r: r.update(extra=1),
    lambda r: r["starts"][0][1].update(path=[0, "2"]),
    lambda r: r["warnings"][0].update(location="layouts/print"),
], ids=["pdf", "counter", "side", "missing", "extra", "path", "location"])
def test_a_damaged_chunk_layout_is_rejected(damage):
    record = json.loads(_layout().model_dump_json())
    damage(record)
    with pytest.raises(ValidationError):
        ChunkLayout.model_validate_json(json.dumps(record))


def test_a_plan_with_entries_of_the_wrong_type_is_rejected():
    plan = Plan(targets={"chapter-2": 14}, entries=(None, Entry(side="right", counter=13, strings=())))
    assert Plan.model_validate_json(plan.model_dump_json()) == plan
    with pytest.raises(ValidationError):
        Plan.model_validate_json(plan.model_dump_json().replace("14", "\"14\""))


def test_a_page_map_is_read_back_only_when_whole_and_current(tmp_path):
    cache = Cache(tmp_path)
    store_page_map(cache, "paperback", "inputs-1", (START,))
    assert load_page_map(cache, "paperback", "inputs-1") == (START,)
    assert load_page_map(cache, "paperback", "inputs-2") is None
    record = json.loads(cache.read("pagemaps/paperback.json"))
    record["pages"][0]["offset"] = "41"
    cache.write("pagemaps/paperback.json", json.dumps(record).encode())
    assert load_page_map(cache, "paperback", "inputs-1") is None
    cache.write("pagemaps/paperback.json", b"{")
    assert load_page_map(cache, "paperback", "inputs-1") is None
    assert load_page_map(cache, "ebook", "inputs-1") is None
