"""The build cache cannot change a book: an entry that this user's bookforge did not write is treated as missing.

Every entry of build/.cache (rendered parts, drawn covers, laid-out chunks, page maps, the state record) carries an
HMAC made with a key kept outside the project. Here entries are replaced in every way a project received from
someone else could carry them, and the book must come out as a build from nothing makes it.
"""

from __future__ import annotations

import base64
import functools
import json
import os
import stat
import zipfile
from pathlib import Path

import pikepdf
import pytest

from bookforge.build import cache_key
from bookforge.build.cache import FRAGMENTS_DIR, STATE_FILE, BuildState, Cache, Record
from bookforge.build.orchestrate import build
from bookforge.build.output import CACHE_DIR

SCRIPT = "<script>alert('from the cache')</script>"


@pytest.fixture(autouse=True)
def own_key(tmp_path, monkeypatch) -> Path:
    """This user's key, in a folder of the test's own."""
    path = tmp_path / "user-cache" / "bookforge" / "cache.key"
    monkeypatch.setenv(cache_key.KEY_FILE_VARIABLE, str(path))
    return path


@pytest.fixture
def small_chunks():
    """A build with one chunk per part, so that the sample's paperback is laid out in chunks kept in the cache."""
    return functools.partial(build, chunk_size=1)


def foreign_cache(output: Path, tmp_path: Path, monkeypatch) -> Cache:
    """The cache as someone else's bookforge (another key) would write it."""
    monkeypatch.setenv(cache_key.KEY_FILE_VARIABLE, str(tmp_path / "someone-else" / "cache.key"))
    cache = Cache(output)
    cache.key  # noqa: B018 (made now, with the other key)
    monkeypatch.setenv(cache_key.KEY_FILE_VARIABLE, str(tmp_path / "user-cache" / "bookforge" / "cache.key"))
    return cache


def entries(output: Path, folder: str) -> list[Path]:
    return sorted(p for p in (output / CACHE_DIR / folder).rglob("*") if p.is_file())


# The ways a file in build/.cache can come to hold what bookforge did not put there. Each takes (the file, its
# path below build/.cache, what bookforge stored, the foreign cache) and writes the file.
def _raw(path, relative, body, foreign):
    path.write_bytes(body)  # no header at all, as bookforge 0.1 stored it


def _foreign_key(path, relative, body, foreign):
    foreign.write(relative, body)  # sealed, but with another user's key


def _moved(path, relative, body, foreign):
    header, _, _ = path.read_bytes().partition(b"\n")
    path.write_bytes(header + b"\n" + body)  # this user's header on other contents


def _cut_in_half(path, relative, body, foreign):
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])


FORGERIES = [_raw, _foreign_key, _moved, _cut_in_half]


def _tamper(text: str) -> str:
    if text.lstrip().startswith("{"):  # a laid-out chunk or a record: JSON
        return text
    return text.replace("</h1>", f"</h1>{SCRIPT}", 1).replace("<p>", f"<p>{SCRIPT}", 1)


def _epub_texts(path: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


@pytest.mark.parametrize("forge", FORGERIES, ids=lambda f: f.__name__.strip("_"))
def test_fragments_not_written_by_this_users_bookforge_never_reach_the_ebook(sample_project, tmp_path, monkeypatch,
                                                                             forge):
    (made,) = build(sample_project, ["ebook"], tmp_path / "clean")
    clean = made.path.read_bytes()
    output = sample_project / "build"
    build(sample_project, ["ebook"])
    foreign = foreign_cache(output, tmp_path, monkeypatch)
    forged = 0
    for path in entries(output, FRAGMENTS_DIR):
        relative = path.relative_to(output / CACHE_DIR).as_posix()
        body = Cache(output).read(relative)
        assert body is not None
        text = body.decode()
        if path.name.startswith("cover-"):  # the drawn cover: another picture
            changed = base64.b64encode(b"\xff\xd8\xff not the cover").decode()
        else:
            changed = _tamper(text)
        forge(path, relative, changed.encode(), foreign)
        forged += 1
    assert forged >= 6
    (output / "ebook").rename(tmp_path / "moved-away")  # the output is gone: the ebook is made again from the cache
    (again,) = build(sample_project, ["ebook"])
    assert SCRIPT.encode() not in b"".join(_epub_texts(again.path).values())
    assert again.path.read_bytes() == clean


@pytest.mark.parametrize("forge", FORGERIES, ids=lambda f: f.__name__.strip("_"))
def test_chunks_and_page_maps_not_written_by_this_users_bookforge_never_reach_the_book(
        sample_project, tmp_path, monkeypatch, small_chunks, forge):
    clean = {r.name: r.path.read_bytes() for r in small_chunks(sample_project, ["paperback", "ebook"], tmp_path / "clean")}
    output = sample_project / "build"
    (first,) = small_chunks(sample_project, ["paperback"])
    assert first.chunks is not None and first.chunks.total >= 3
    foreign = foreign_cache(output, tmp_path, monkeypatch)
    for path in entries(output, "chunks/paperback") + entries(output, "pagemaps"):
        relative = path.relative_to(output / CACHE_DIR).as_posix()
        data = json.loads(Cache(output).read(relative))
        if "pdf" in data:  # a chunk: its pages replaced by a PDF that runs JavaScript when opened, "checksum" and all
            pdf = pikepdf.new()
            pdf.add_blank_page()
            pdf.Root.OpenAction = pikepdf.Dictionary(S=pikepdf.Name.JavaScript, JS=pikepdf.String("app.alert(1)"))
            pdf.save(path.with_suffix(".forged"))
            replaced = path.with_suffix(".forged").read_bytes()
            data["pdf"] = base64.b64encode(replaced).decode()
            data["sha256"] = __import__("hashlib").sha256(replaced).hexdigest()
        elif "pages" in data:  # a page map: every page somewhere else
            for page in data["pages"]:
                page["label"] = "forgedlabel"
        forge(path, relative, json.dumps(data).encode(), foreign)
    for name in ("paperback", "ebook"):
        (output / name).mkdir(exist_ok=True)
        for made in (output / name).iterdir():
            made.unlink()
    results = {r.name: r for r in small_chunks(sample_project, ["paperback", "ebook"])}
    assert results["paperback"].chunks.laid_out == results["paperback"].chunks.total
    with pikepdf.open(results["paperback"].path) as pdf:
        assert "/OpenAction" not in pdf.Root
    assert b"forgedlabel" not in b"".join(_epub_texts(results["ebook"].path).values())
    assert {name: r.path.read_bytes() for name, r in results.items()} == clean


def test_force_reads_nothing_an_earlier_build_left(sample_project, tmp_path, small_chunks):
    """Even entries sealed with this user's own key (the cache of an earlier, perhaps broken, bookforge) are not
    read by `--force`: the book is made from the manuscript alone."""
    clean = {r.name: r.path.read_bytes() for r in small_chunks(sample_project, ["paperback", "ebook"], tmp_path / "clean")}
    output = sample_project / "build"
    small_chunks(sample_project, ["paperback", "ebook"])
    own = Cache(output)
    for path in entries(output, FRAGMENTS_DIR) + entries(output, "chunks/paperback") + entries(output, "pagemaps"):
        relative = path.relative_to(output / CACHE_DIR).as_posix()
        text = own.read(relative).decode()
        if text.lstrip().startswith("{"):
            data = json.loads(text)
            if "pdf" in data:
                data["bookmarks"] = []  # the outline dropped
            if "pages" in data:
                data["pages"] = data["pages"][:1]  # one page in the page list
            text = json.dumps(data)
        elif not path.name.startswith("cover-"):
            text = _tamper(text)
        own.write(relative, text.encode())
    results = {r.name: r for r in small_chunks(sample_project, ["paperback", "ebook"], force=True)}
    assert all(r.rebuilt for r in results.values())
    assert {name: r.path.read_bytes() for name, r in results.items()} == clean


def test_a_state_record_not_written_by_this_users_bookforge_is_ignored(sample_project, tmp_path, monkeypatch):
    output = sample_project / "build"
    (first,) = build(sample_project, ["ebook"])
    state = json.loads(Cache(output).read(STATE_FILE))
    # Someone else's record: says the ebook is current, and that it is in a file outside the build folder.
    record = state["editions"]["ebook"]
    outside = tmp_path / "outside.epub"
    outside.write_bytes(first.path.read_bytes())
    record["output"] = os.path.relpath(outside, output)
    foreign_cache(output, tmp_path, monkeypatch).write(STATE_FILE, json.dumps(state).encode())
    first.path.write_bytes(b"not a book")
    report = build(sample_project, ["ebook"])
    assert report.editions[0].rebuilt and report.editions[0].path == first.path
    assert any("not written by your bookforge" in note for note in report.notes)


@pytest.mark.parametrize("output_path", ["../../../dev/zero", "/dev/zero", "ebook/../../x.epub", "ebook//x.epub",
                                         "./ebook/x.epub", "ebook\\x.epub", "C:x.epub", ""])
def test_a_record_naming_a_file_outside_the_build_folder_is_rejected_by_type(sample_project, output_path):
    output = sample_project / "build"
    build(sample_project, ["ebook"])
    cache = Cache(output)
    state = json.loads(cache.read(STATE_FILE))
    state["editions"]["ebook"]["output"] = output_path
    cache.write(STATE_FILE, json.dumps(state).encode())  # sealed with this user's key: only its type is wrong
    loaded = BuildState(Cache(output))
    assert loaded.records == {} and "unreadable" in loaded.note
    with pytest.raises(ValueError):
        Record(**{**state["editions"]["ebook"]})


@pytest.mark.parametrize("field, value", [("size", "12"), ("size", -1), ("pages", 1.5), ("sha256", "x" * 64),
                                          ("inputs", 7), ("unknown", 1)])
def test_a_damaged_record_is_rejected_by_type(sample_project, field, value):
    output = sample_project / "build"
    build(sample_project, ["ebook"])
    cache = Cache(output)
    state = json.loads(cache.read(STATE_FILE))
    state["editions"]["ebook"][field] = value
    cache.write(STATE_FILE, json.dumps(state).encode())
    assert BuildState(Cache(output)).records == {}


def test_a_record_whose_output_is_now_a_link_is_not_followed(sample_project, tmp_path):
    (first,) = build(sample_project, ["ebook"])
    outside = tmp_path / "outside.epub"
    outside.write_bytes(first.path.read_bytes())
    first.path.unlink()
    first.path.symlink_to(outside)  # the same bytes, through a link
    (again,) = build(sample_project, ["ebook"])
    assert again.rebuilt and not again.path.is_symlink()
    assert outside.read_bytes() == again.path.read_bytes()


def test_the_key_is_the_users_own_outside_the_project(tmp_path, monkeypatch, sample_project):
    monkeypatch.delenv(cache_key.KEY_FILE_VARIABLE)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    build(sample_project, ["ebook"])
    key = tmp_path / "xdg" / "bookforge" / "cache.key"
    assert stat.S_IMODE(key.stat().st_mode) == 0o600 and len(key.read_text()) == 64
    assert not [p for p in sample_project.rglob("*") if "key" in p.name]
    # A key others could read (or a link to one) is not used: a new one replaces it, and the old entries are ignored.
    before = key.read_text()
    key.chmod(0o644)
    cache_key._known.clear()
    report = build(sample_project, ["ebook"], force=False)
    assert key.read_text() != before and stat.S_IMODE(key.stat().st_mode) == 0o600
    assert report.editions[0].rebuilt
    elsewhere = tmp_path / "planted.key"
    elsewhere.write_text("0" * 64)
    elsewhere.chmod(0o600)
    key.unlink()
    key.symlink_to(elsewhere)
    cache_key._known.clear()
    assert cache_key.cache_key()[0] != bytes(32) and not key.is_symlink()


def test_a_key_that_cannot_be_made_leaves_the_cache_unused_not_trusted(sample_project, tmp_path, monkeypatch):
    blocked = tmp_path / "file"
    blocked.write_text("")
    monkeypatch.setenv(cache_key.KEY_FILE_VARIABLE, str(blocked / "cache.key"))  # below a file: cannot be made
    (first,) = build(sample_project, ["ebook"])
    report = build(sample_project, ["ebook"])
    assert report.editions[0].path.read_bytes() == first.path.read_bytes()
    assert any("is not kept between builds" in note for note in report.notes)


@pytest.mark.parametrize("forge", FORGERIES, ids=lambda f: f.__name__.strip("_"))
def test_a_cover_in_the_users_shared_store_that_their_bookforge_did_not_draw_never_reaches_an_ebook(tmp_path,
                                                                                                   monkeypatch, forge):
    """The shared store (drawn ebook covers, by a hash of what they are drawn from) outlives build/ and serves every
    book of the user: it is sealed as build/.cache is, and an entry anything else wrote is drawn again."""
    from bookforge.build.cache import COVERS_DIR, shared_store
    from tests.books import tiny_project

    project = tiny_project(tmp_path / "book")
    (made,) = build(project, ["ebook"], tmp_path / "clean")
    clean = made.path.read_bytes()
    store = shared_store(COVERS_DIR, ".txt")
    keys = list(store)
    assert len(keys) == 1
    foreign = foreign_cache(store.cache.output, tmp_path, monkeypatch)
    for key in keys:
        relative = store._entry(key)
        forge(store.cache.folder / relative, relative, base64.b64encode(b"\xff\xd8\xff not the cover"), foreign)
    (again,) = build(project, ["ebook"])  # a build folder of its own: the cover can come from the store alone
    assert again.path.read_bytes() == clean
    assert list(store) == keys and store[keys[0]] != base64.b64encode(b"\xff\xd8\xff not the cover").decode()
