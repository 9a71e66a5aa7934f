"""Hostile sources for `bookforge import`, by class: an XML declaration the byte scan could not see (another encoding,
past the first megabyte, in a member not named .xml), and an output folder that leads elsewhere or holds files."""

from __future__ import annotations

import zipfile
from pathlib import Path

import pytest

from bookforge.errors import BookforgeError
from bookforge.importing.run import import_book
from tests.importing.test_hostile import LAUGHS, epub, refused
from tests.importing.test_roundtrip import _docx


def _swap_docx(tmp_path: Path, name: str, change) -> Path:
    """The clean Word document of the round-trip tests with one member changed (or renamed) by `change`."""
    source = _docx(tmp_path / "clean.docx")
    hostile = tmp_path / name
    with zipfile.ZipFile(source) as original, zipfile.ZipFile(hostile, "w") as copy:
        for item in original.infolist():
            member, data = change(item.filename, original.read(item))
            copy.writestr(member, data)
    return hostile


def test_entities_in_a_utf16_document_are_refused(tmp_path):
    """The byte pattern `<!ENTITY` is not in a UTF-16 document; expat and lxml read UTF-16 all the same."""
    laughs = LAUGHS.replace(b'<?xml version="1.0"?>', b'<?xml version="1.0" encoding="UTF-16"?>')
    [problem] = refused(epub(tmp_path / "wide.epub", {"c.xhtml": laughs.decode().encode("utf-16")}), tmp_path)
    assert problem.startswith("[xml-entity] wide.epub!c.xhtml:2:")


def test_entities_after_a_megabyte_of_comment_are_refused(tmp_path):
    laughs = LAUGHS.replace(b"?>", b"?><!--" + b"x" * (1024 * 1024 + 10) + b"-->", 1)
    [problem] = refused(epub(tmp_path / "late.epub", {"c.xhtml": laughs}, compression=zipfile.ZIP_STORED), tmp_path)
    assert problem.startswith("[xml-entity] late.epub!c.xhtml:")


def test_entities_in_a_word_part_not_named_xml_are_refused(tmp_path):
    """mammoth finds the document through `_rels/.rels`, whatever its name: the check reads every member."""
    def rename(member: str, data: bytes) -> tuple[str, bytes]:
        if member == "word/document.xml":
            return "word/document.dat", data.replace(b"?>", b'?><!DOCTYPE w [<!ENTITY x "inside">]>', 1).replace(
                b"<w:t>", b"<w:t>&x;", 1)
        return member, data.replace(b"document.xml", b"document.dat")
    [problem] = refused(_swap_docx(tmp_path, "renamed.docx", rename), tmp_path)
    assert problem.startswith("[xml-entity] renamed.docx!word/document.dat:")


def test_an_output_folder_whose_assets_link_elsewhere_is_refused(tmp_path):
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    out = tmp_path / "out"
    out.mkdir()
    (out / "assets").symlink_to(elsewhere)
    source = _docx(tmp_path / "book.docx")
    with pytest.raises(BookforgeError) as caught:
        import_book(source, out)
    assert [d.code for d in caught.value.diagnostics] == ["folder-not-empty"]
    assert not any(elsewhere.iterdir()), "nothing is written through the link"


def test_an_output_folder_that_is_a_link_is_refused(tmp_path):
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (tmp_path / "out").symlink_to(elsewhere)
    with pytest.raises(BookforgeError) as caught:
        import_book(_docx(tmp_path / "book.docx"), tmp_path / "out")
    assert [d.code for d in caught.value.diagnostics] == ["folder-not-empty"]
    assert not any(elsewhere.iterdir())


def test_files_of_an_existing_project_are_never_overwritten(tmp_path):
    out = tmp_path / "out"
    (out / "assets").mkdir(parents=True)
    (out / ".gitignore").write_text("mine\n")
    with pytest.raises(BookforgeError) as caught:
        import_book(_docx(tmp_path / "book.docx"), out)
    assert [d.code for d in caught.value.diagnostics] == ["folder-not-empty"]
    assert (out / ".gitignore").read_text() == "mine\n"


def test_images_whose_names_differ_only_in_case_or_take_the_covers_name_stay_apart(tmp_path):
    """`A.png` and `a.png` are one file on macOS and Windows; `source-cover.png` is where the source's cover goes."""
    from tests.importing.test_hostile import CHAPTER
    from tests.importing.test_roundtrip import png

    chapter = CHAPTER.replace(b'<p><img src="big.png" alt="A very large picture"/></p>',
                              b'<p><img src="A.png" alt="red"/></p><p><img src="a.png" alt="blue"/></p>'
                              b'<p><img src="source-cover.png" alt="green"/></p>')
    source = epub(tmp_path / "cases.epub", {"c.xhtml": chapter, "A.png": png(colour="red"),
                                            "a.png": png(colour="blue"), "source-cover.png": png(colour="green")})
    result = import_book(source, tmp_path / "out")
    images = [path.relative_to(tmp_path / "out").as_posix() for path in result.files if path.suffix == ".png"]
    assert len(images) == 3 and len({name.casefold() for name in images}) == 3, images
    assert "assets/images/source-cover.png" not in images, images


@pytest.mark.parametrize("twin", ["word/./document.xml", "word//document.xml"])
def test_two_members_of_one_name_are_refused(tmp_path, twin):
    """mammoth opens `word/document.xml` by its exact name, while the checks looked at one member per normalised
    name: a hostile member checked under a harmless twin's name would reach mammoth unchecked."""
    def doubled(member: str, data: bytes) -> tuple[str, bytes]:
        if member == "word/document.xml":
            return member, data.replace(b"?>", b'?><!DOCTYPE w [<!ENTITY x "inside">]>', 1)
        return member, data
    source = _swap_docx(tmp_path, "twins.docx", doubled)
    with zipfile.ZipFile(source, "a") as archive:
        archive.writestr(twin, _clean_document(tmp_path))
    [problem] = refused(source, tmp_path)
    assert problem.startswith(f"[archive-path] twins.docx!{twin}: another member has this name"), problem


def _clean_document(tmp_path: Path) -> bytes:
    with zipfile.ZipFile(_docx(tmp_path / "twin-source.docx")) as original:
        return original.read("word/document.xml")


def test_a_word_document_nested_too_deep_is_refused_before_mammoth_recurses_into_it(tmp_path):
    def deep(member: str, data: bytes) -> tuple[str, bytes]:
        if member == "word/document.xml":
            data = data.replace(b"<w:body>", b"<w:body>" + b"<w:sdt><w:sdtContent>" * 5000
                                + b"</w:sdtContent></w:sdt>" * 5000, 1)
        return member, data
    [problem] = refused(_swap_docx(tmp_path, "deep.docx", deep), tmp_path)
    assert problem.startswith("[import-source] deep.docx!word/document.xml:") and "more than 256 deep" in problem


@pytest.mark.parametrize("linked", ["manuscript", "manuscript/01-memorable-scenes.yaml"])
def test_text_imported_as_entries_is_written_through_no_link(tmp_path, linked):
    """The typed-entries path (`import` of text in the sample's layout) writes by the same rule: a dangling link
    where a chapter file goes, or a linked manuscript folder, is refused and nothing is written elsewhere."""
    from tests.importing.test_convert import SEED

    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    out = tmp_path / "out"
    (out / linked).parent.mkdir(parents=True, exist_ok=True)
    (out / linked).symlink_to(elsewhere if linked == "manuscript" else elsewhere / "planted.yaml")
    with pytest.raises(BookforgeError) as caught:
        import_book(SEED, out)
    assert {d.code for d in caught.value.diagnostics} == {"folder-not-empty"}
    assert not any(elsewhere.iterdir()), "nothing is written through the link"


def test_many_small_members_that_inflate_far_are_refused_as_a_whole(tmp_path):
    """Each member at 1 MB escapes the per-member ratio (it starts above 1 MB); 300 of them are a 300 MB bomb in a
    few hundred KB."""
    source = epub(tmp_path / "swarm.epub", {f"fill/{n}.bin": b"\0" * (1024 * 1024) for n in range(300)})
    [problem] = refused(source, tmp_path)
    assert problem.startswith("[archive-bomb] swarm.epub: the archive inflates") and "a compression bomb" in problem
