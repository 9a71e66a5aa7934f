"""Size limits on the manuscript: a hostile or broken book can neither hang the build nor take gigabytes."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from bookforge.errors import BookforgeError
from bookforge.manuscript.load import (
    MAX_BOOK_ENTRIES,
    MAX_CHAPTER_ENTRIES,
    MAX_CONTENTS,
    MAX_MANUSCRIPT_BYTES,
)
from bookforge.manuscript.types import MAX_FIELDS, MAX_TYPES
from bookforge.manuscript.yamlfile import (
    MAX_DEPTH,
    MAX_FILE_BYTES,
    MAX_TEXT_CHARS,
    parse_yaml,
)
from tests.books import TINY_CHAPTER, load_problems, tiny_project

# Before: a 50 MB file was parsed (17 s, 750 MB for the EPUB alone); 10,000 entries made a 2,505-page PDF in
# 222 s with 2.2 GB of memory; a 1 MB paragraph a 499-page PDF; 990 nested lists a RecursionError (a "bug").

def test_a_50_mb_file_is_refused_before_it_is_parsed(tmp_path: Path):
    filler = "".join(f"- type: note\n  title: Note {i}\n  text: {'Some text. ' * 60}\n  why_it_matters: No.\n"
                     for i in range(1000))
    chapter = "title: Huge\nentries:\n" + filler * 70
    assert len(chapter) > 50_000_000
    root = tiny_project(tmp_path, chapter)

    started = time.perf_counter()
    found = load_problems(root)

    assert time.perf_counter() - started < 2
    assert found == [f"manuscript/01-chapter.yaml: error[file-too-large]: the file is larger than "
                     f"{MAX_FILE_BYTES // 2**20} MB"]


def test_a_1_mb_paragraph_is_refused_where_it_starts(tmp_path: Path):
    root = tiny_project(tmp_path, TINY_CHAPTER.replace("José gazes at the stars.", "word " * 200_000))

    assert load_problems(root) == [
        f"manuscript/01-chapter.yaml:5:9: error[text-too-long]: this text is 999,999 characters long; at most "
        f"{MAX_TEXT_CHARS:,} are allowed in one value"]


def test_10000_entries_in_one_chapter_are_refused_at_the_first_one_too_many(tmp_path: Path):
    entries = "".join(f"- type: note\n  title: Note {i}\n  text: Text.\n  why_it_matters: No.\n" for i in range(10_000))
    root = tiny_project(tmp_path, "title: Many\nentries:\n" + entries)

    assert load_problems(root) == [
        f"manuscript/01-chapter.yaml:{3 + 4 * MAX_CHAPTER_ENTRIES}:3: error[too-many-entries]: the chapter has "
        f"10,000 entries; at most {MAX_CHAPTER_ENTRIES:,} are allowed in one file"]


def test_the_whole_book_has_an_entry_limit_too(tmp_path: Path):
    per_file = MAX_CHAPTER_ENTRIES
    files = [f"c{n}.yaml" for n in range(MAX_BOOK_ENTRIES // per_file + 1)]
    root = tiny_project(tmp_path, chapters=files)
    entries = "".join(f"- type: note\n  title: N{i}\n  text: T.\n  why_it_matters: W.\n" for i in range(per_file))
    for name in files:
        (root / "manuscript" / name).write_text(f"title: {name}\nentries:\n{entries}", encoding="utf-8")

    assert load_problems(root) == [f"manuscript/book.yaml:{10 + len(files) - 1}:14: error[too-many-entries]: with "
                                   f"`manuscript/{files[-1]}` the book has more than {MAX_BOOK_ENTRIES:,} entries"]


def test_the_whole_manuscript_has_a_size_limit(tmp_path: Path):
    # Files each below the limit of one file, together above the limit of the book.
    files = [f"c{n}.yaml" for n in range(MAX_MANUSCRIPT_BYTES // (MAX_FILE_BYTES // 2) + 1)]
    root = tiny_project(tmp_path, chapters=files)
    text = "Some text. " * (MAX_TEXT_CHARS // 12)
    entries = "".join(f"- type: note\n  title: N{i}\n  text: {text}\n  why_it_matters: W.\n"
                      for i in range(MAX_FILE_BYTES // 2 // len(text)))
    for name in files:
        (root / "manuscript" / name).write_text(f"title: {name}\nentries:\n{entries}", encoding="utf-8")

    found = load_problems(root)

    assert found[0].startswith(f"manuscript/book.yaml:{10 + MAX_MANUSCRIPT_BYTES // len(entries)}:14: "
                               "error[book-too-large]: with `manuscript/c")
    assert found[0].endswith(f"the manuscript is larger than {MAX_MANUSCRIPT_BYTES // 2**20} MB")


def test_the_contents_list_has_a_limit(tmp_path: Path):
    root = tiny_project(tmp_path)
    book = root / "manuscript" / "book.yaml"
    book.write_text(book.read_text().replace("  - table-of-contents\n",
                                             "  - table-of-contents\n" * MAX_CONTENTS), encoding="utf-8")

    assert f"manuscript/book.yaml:{8 + MAX_CONTENTS}:5: error[too-many-parts]: `contents` names " \
           f"{MAX_CONTENTS + 2} items; at most {MAX_CONTENTS} are allowed" in load_problems(root)


@pytest.mark.parametrize("depth", [MAX_DEPTH + 5, 990, 100_000])
def test_deeply_nested_lists_are_refused_not_a_crash(depth: int):
    with pytest.raises(BookforgeError) as caught:
        parse_yaml(("entries: " + "[" * depth + "]" * depth + "\n").encode(), "x.yaml")

    (diagnostic,) = caught.value.diagnostics
    assert diagnostic.code == "too-deep" and diagnostic.location.line == 1
    assert diagnostic.message == f"lists and mappings are nested more than {MAX_DEPTH} levels deep"



def test_a_book_declares_at_most_max_types_entry_types(tmp_path: Path):
    root = tiny_project(tmp_path)
    # bookforge declares three (scene, note, figure): the book's 98th type is one too many.
    (root / "manuscript" / "types.yaml").write_text(
        "".join(f"kind-{n}:\n  fields: {{title: line}}\n" for n in range(MAX_TYPES)), encoding="utf-8")

    assert load_problems(root) == [f"manuscript/types.yaml:{2 * (MAX_TYPES - 3) + 1}:1: error[too-many-types]: more "
                                   f"than {MAX_TYPES} entry types are declared"]


def test_an_entry_type_has_at_most_max_fields_fields(tmp_path: Path):
    root = tiny_project(tmp_path)
    (root / "manuscript" / "types.yaml").write_text(
        "recipe:\n  fields:\n" + "".join(f"    field_{n}: line\n" for n in range(MAX_FIELDS + 1)), encoding="utf-8")

    assert load_problems(root) == [f"manuscript/types.yaml:2:3: error[too-many-fields]: `recipe` has "
                                   f"{MAX_FIELDS + 1} fields; at most {MAX_FIELDS} are allowed"]
