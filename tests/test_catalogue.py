"""The catalogue without workers: catalogue.yaml, the house layouts, the signed store, a book's files as content;
and the tiny generated books that test_catalogue_cluster.py builds."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import yaml

from bookforge.catalogue.file import load_catalogue
from bookforge.catalogue.pack import pack_book, unpack
from bookforge.catalogue.store import SignedStore
from bookforge.errors import BookforgeError
from bookforge.layout.chain import load_layout
from bookforge.project import load_project
from tests.books import make

HOUSE_CSS = "h1 { letter-spacing: 0.02em; }\n"


def write_book(folder: Path, words: int, chapters: int, editions: tuple[str, ...] | None = None,
               title: str | None = None) -> Path:
    """A generated book project; `editions` keeps only those of the sample's four (an ebook keeps its page list
    only if its print edition is kept)."""
    make(folder, words, chapters)
    path = folder / "manuscript" / "book.yaml"
    book = yaml.safe_load(path.read_text())
    if editions is not None:
        book["editions"] = {name: edition for name, edition in book["editions"].items() if name in editions}
        for edition in book["editions"].values():
            if edition.get("page_list_from") not in book["editions"]:
                edition.pop("page_list_from", None)
    if title:
        book["metadata"]["title"] = title
    path.write_text(yaml.safe_dump(book, allow_unicode=True, sort_keys=False))
    return folder


def write_catalogue(root: Path, books: dict[str, dict], house: bool = True) -> Path:
    """catalogue.yaml listing books/<name> for each of `books` ({name: write_book's arguments})."""
    for name, arguments in books.items():
        write_book(root / "books" / name, **arguments)
    lines = ["books:", *(f"  - books/{name}" for name in books)]
    if house:
        (root / "house" / "print" / "styles").mkdir(parents=True, exist_ok=True)
        (root / "house" / "print" / "layout.yaml").write_text(
            "extends: print\nsettings:\n  chapter_opening: plain\n  accent_colour: \"#1d3557\"\n")
        (root / "house" / "print" / "styles" / "house.css").write_text(HOUSE_CSS)
        lines.append("house: house")
    (root / "catalogue.yaml").write_text("\n".join(lines) + "\n")
    return root


def copy_catalogue(source: Path, target: Path) -> Path:
    """The catalogue's sources, without any build output."""
    shutil.copytree(source, target, ignore=shutil.ignore_patterns("build"))
    return target


def outputs(root: Path) -> dict[str, bytes]:
    """Every EPUB and PDF under the books' build folders, by path relative to `root`."""
    return {path.relative_to(root).as_posix(): path.read_bytes() for path in sorted(root.glob("books/*/build/*/*"))
            if path.suffix in (".pdf", ".epub")}


# -- tests ----------------------------------------------------------------------------------------------------------

@pytest.fixture
def catalogue(tmp_path):
    root = tmp_path / "press"
    for name in ("winter", "spring"):
        write_book(root / "books" / name, words=200, chapters=1, editions=("ebook",))
    (root / "house" / "ebook" / "styles").mkdir(parents=True)
    (root / "house" / "ebook" / "layout.yaml").write_text("extends: ebook\nsettings:\n  chapter_opening: plain\n")
    (root / "house" / "ebook" / "styles" / "house.css").write_text(HOUSE_CSS)
    (root / "catalogue.yaml").write_text("books:\n  - books/winter\nhouse: house\n")
    return root


def test_a_listed_book_finds_the_house_layouts_between_its_own_and_bookforges(catalogue):
    listed = load_layout(catalogue / "books" / "winter", "ebook")
    assert [layer.name for layer in listed.chain] == ["ebook", "ebook", "base"]
    assert listed.chain[0].folder.endswith("house/ebook") and listed.settings["chapter_opening"] == "plain"
    # A catalogue that does not list the project does not touch it.
    unlisted = load_layout(catalogue / "books" / "spring", "ebook")
    assert [layer.folder for layer in unlisted.chain] == ["(bookforge)/ebook", "(bookforge)/base"]


def _own_layout(project: Path, name: str, extends: str) -> None:
    (project / "layouts" / name).mkdir(parents=True, exist_ok=True)
    (project / "layouts" / name / "layout.yaml").write_text(f"extends: {extends}\nformat: epub\n")


def test_a_book_reaches_a_house_layout_as_house_slash_name(catalogue):
    winter = catalogue / "books" / "winter"
    # The project's own `ebook` would shadow the house's for the plain name; `house/ebook` is the house's alone.
    _own_layout(winter, "ebook", "ebook")
    _own_layout(winter, "press-ebook", "house/ebook")
    qualified = load_layout(winter, "press-ebook")
    assert [layer.name for layer in qualified.chain] == ["press-ebook", "house/ebook", "ebook", "base"]
    assert qualified.chain[1].folder.endswith("house/ebook") and qualified.settings["chapter_opening"] == "plain"
    assert qualified.chain[2].folder == "(bookforge)/ebook"  # the house's `extends: ebook`: the next one down
    plain = load_layout(winter, "ebook")
    assert [layer.folder for layer in plain.chain][:2] == ["layouts/ebook", str(catalogue / "house" / "ebook")]
    edition = load_layout(winter, "house/ebook")  # as an edition's `layout:` too
    assert [layer.name for layer in edition.chain] == ["house/ebook", "ebook", "base"]


@pytest.mark.parametrize(("extends", "code", "message", "hint"), [
    ("house/ebok", "unknown-layout", "there is no layout `house/ebok`: the house folder has no `ebok`",
     "did you mean `house/ebook`?"),
    ("huose/ebook", "bad-layout-name", "`huose/ebook` is not a layout name", "did you mean `house/ebook`?"),
    ("house/../ebook", "bad-layout-name", "`house/../ebook` is not a layout name", None),
])
def test_a_house_layout_that_does_not_exist_is_located_with_the_likely_one(catalogue, extends, code, message, hint):
    winter = catalogue / "books" / "winter"
    _own_layout(winter, "press-ebook", extends)
    with pytest.raises(BookforgeError) as caught:
        load_layout(winter, "press-ebook")
    (problem,) = caught.value.diagnostics
    assert (problem.code, str(problem.location), problem.message) == (code, "layouts/press-ebook/layout.yaml:1:10",
                                                                      message)
    if hint:
        assert problem.hint == hint


def test_a_house_layout_outside_a_catalogue_is_told(catalogue):
    spring = catalogue / "books" / "spring"  # not listed by the catalogue
    _own_layout(spring, "press-ebook", "house/ebook")
    with pytest.raises(BookforgeError) as caught:
        load_layout(spring, "press-ebook")
    (problem,) = caught.value.diagnostics
    assert problem.code == "unknown-layout" and "not listed by a catalogue.yaml" in problem.message
    assert "`ebook`" in problem.hint


def test_the_catalogues_problems_are_located(catalogue):
    (catalogue / "catalogue.yaml").write_text("books:\n  - books/winter\n  - books/autumn\nhuose: house\n")
    with pytest.raises(BookforgeError) as caught:
        load_catalogue(catalogue)
    found = {(d.code, str(d.location)) for d in caught.value.diagnostics}
    assert found == {("book-missing", "catalogue.yaml:3:5"), ("unknown-key", "catalogue.yaml:4:1")}
    assert "did you mean `house`?" in str(caught.value)


def test_a_damaged_moved_or_foreign_store_entry_reads_as_missing():
    store = SignedStore("memory://bookforge-test-signed", b"our key")
    store.put("outputs/ab/abc", b"the book")
    assert store.get("outputs/ab/abc") == b"the book"
    raw = store.fs.cat_file(store._path("outputs/ab/abc"))
    store.fs.pipe_file(store._path("outputs/ab/abc"), raw[:-1] + b"K")  # one byte changed
    assert store.get("outputs/ab/abc") is None
    store.fs.pipe_file(store._path("outputs/ab/abd"), raw)  # a good entry under another key
    assert store.get("outputs/ab/abd") is None
    SignedStore("memory://bookforge-test-signed", b"their key").put("outputs/ab/abe", b"a book")
    assert store.get("outputs/ab/abe") is None
    text = store.text("chunks/x")
    text["plan-1"] = "{}"
    assert dict(text) == {"plan-1": "{}"} and "plan-2" not in text


def test_the_store_key_travels_in_no_task_and_a_worker_without_it_builds_without_the_store(monkeypatch, tmp_path):
    import pickle
    from datetime import datetime, timezone

    from bookforge.catalogue import store as stores
    from bookforge.catalogue.tasks import EditionTask

    monkeypatch.setenv(stores.KEY_VARIABLE, "the press's key")
    spec = stores.StoreSpec.of(str(tmp_path / "store"), stores.store_secret())
    task = EditionTask("books/winter", "ebook", "0" * 64, "1", datetime.now(timezone.utc), store=spec)
    assert b"the press's key" not in pickle.dumps(task) and "the press's key" not in repr(task)
    assert isinstance(spec.open(), SignedStore)  # a worker given the same key
    monkeypatch.setenv(stores.KEY_VARIABLE, "another key")
    assert spec.open() is None  # a worker with another key, or none: no shared store, never a foreign one


def test_the_default_store_key_is_derived_from_the_users_cache_key_and_is_not_it(monkeypatch, tmp_path):
    from bookforge.build import cache_key
    from bookforge.catalogue import store as stores

    monkeypatch.delenv(stores.KEY_VARIABLE, raising=False)
    monkeypatch.setenv(cache_key.KEY_FILE_VARIABLE, str(tmp_path / "one" / "cache.key"))
    one = stores.store_secret()
    assert one == stores.store_secret() and one != cache_key.cache_key()[0]
    monkeypatch.setenv(cache_key.KEY_FILE_VARIABLE, str(tmp_path / "two" / "cache.key"))
    assert stores.store_secret() != one


def test_a_book_sent_as_content_hashes_as_it_does_here(catalogue):
    from bookforge.build.cache import edition_inputs

    project = load_project(catalogue / "books" / "winter")
    pack = pack_book(project, catalogue / "house")
    paths = [path for path, _ in pack.files]
    assert "house/ebook/styles/house.css" in paths and "book/assets/fonts/LinLibertine_R.otf" in paths
    assert not any("build/" in path for path in paths)
    there = load_project(unpack(pack))
    assert [layer.name for layer in there.layouts["ebook"].chain] == ["ebook", "ebook", "base"]
    assert (edition_inputs(there.book, "ebook", there.layouts["ebook"], "1")
            == edition_inputs(project.book, "ebook", project.layouts["ebook"], "1"))


def test_a_remote_image_travels_in_the_pack_and_is_not_fetched_again(catalogue, monkeypatch, tmp_path):
    from bookforge.manuscript import images
    from tests.books import write_png

    winter = catalogue / "books" / "winter"
    url = "http://images.example.invalid/map.png"
    (winter / "manuscript" / "book.yaml").write_text((winter / "manuscript" / "book.yaml").read_text()
                                                     + "remote_images: true\n")
    chapter = winter / "manuscript" / "01-chapter.yaml"
    chapter.write_text(chapter.read_text() + f"- type: figure\n  src: {url}\n  alt: A map of the coast.\n")
    write_png(tmp_path / "map.png")
    fetched: list[str] = []
    monkeypatch.setattr(images, "fetch_remote_image",
                        lambda found, where: (fetched.append(found), ((tmp_path / "map.png").read_bytes(), None))[1])
    project = load_project(winter)
    pack = pack_book(project, catalogue / "house")
    assert fetched == [url] and pack.remote == ((url, (tmp_path / "map.png").read_bytes()),)
    with images.remote_images_given(dict(pack.remote)):
        there = load_project(unpack(pack))
    assert fetched == [url]  # not again
    assert there.book.images[url].data == project.book.images[url].data
    with images.remote_images_given({}), pytest.raises(BookforgeError) as caught:
        load_project(unpack(pack))
    assert "was not sent with the book" in str(caught.value) and fetched == [url]


@pytest.mark.parametrize(("text", "code"), [
    ("books: []\n", "no-books"),
    ("books: [a, a]\n", "duplicate-book"),
    ("books: [a]\nhouse: nowhere\n", "folder-missing"),
    ("books: [missing]\n", "book-missing"),
])
def test_mistakes_in_the_catalogue_file_are_located(tmp_path: Path, text: str, code: str):
    (tmp_path / "a" / "manuscript").mkdir(parents=True)
    (tmp_path / "a" / "manuscript" / "book.yaml").write_text("{}\n", encoding="utf-8")
    (tmp_path / "catalogue.yaml").write_text(text, encoding="utf-8")
    with pytest.raises(BookforgeError) as caught:
        load_catalogue(tmp_path)
    assert [d.code for d in caught.value.diagnostics] == [code]
    assert str(caught.value.diagnostics[0].location).startswith("catalogue.yaml:")


def test_a_folder_without_a_catalogue_is_told(tmp_path: Path):
    with pytest.raises(BookforgeError) as caught:
        load_catalogue(tmp_path)
    assert [d.code for d in caught.value.diagnostics] == ["no-catalogue"]


def test_a_task_that_failed_from_outside_the_book_says_which_edition_and_why():
    from bookforge.catalogue.build import _failure

    problem = _failure("paperback", RuntimeError("the worker was lost"))
    assert str(problem).startswith("error[task-failed]: edition `paperback` could not be built: RuntimeError: the "
                                   "worker was lost")
