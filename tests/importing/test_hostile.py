"""Hostile sources: compression bombs, members escaping the archive, XML entities, huge images, files that are not
what they say. Each is refused with its code at its place, before anything is written."""

from __future__ import annotations

import zipfile
from pathlib import Path

import pytest

from bookforge.errors import BookforgeError
from bookforge.importing.run import import_book
from tests.importing.test_roundtrip import png

CONTAINER = b"""<?xml version="1.0"?>
<container version="1.0" xmlns="urn:oasis:names:tc:opendocument:xmlns:container">
<rootfiles><rootfile full-path="content.opf" media-type="application/oebps-package+xml"/></rootfiles></container>"""
OPF = b"""<?xml version="1.0"?>
<package xmlns="http://www.idpf.org/2007/opf" version="3.0" unique-identifier="id">
<metadata xmlns:dc="http://purl.org/dc/elements/1.1/"><dc:identifier id="id">urn:uuid:1</dc:identifier>
<dc:title>Hostile</dc:title><dc:language>en</dc:language></metadata>
<manifest><item id="c" href="c.xhtml" media-type="application/xhtml+xml"/>
<item id="i" href="big.png" media-type="image/png"/></manifest>
<spine><itemref idref="c"/></spine></package>"""
CHAPTER = b"""<?xml version="1.0"?>
<html xmlns="http://www.w3.org/1999/xhtml"><body><h1>One</h1>
<p>Text.</p>
<p><img src="big.png" alt="A very large picture"/></p></body></html>"""


def epub(path: Path, members: dict[str, bytes], *, compression: int = zipfile.ZIP_DEFLATED) -> Path:
    base = {"mimetype": b"application/epub+zip", "META-INF/container.xml": CONTAINER, "content.opf": OPF,
            "c.xhtml": CHAPTER.replace(b'<p><img src="big.png" alt="A very large picture"/></p>', b"")}
    with zipfile.ZipFile(path, "w", compression) as archive:
        for name, data in {**base, **members}.items():
            archive.writestr(name, data)
    return path


def refused(source: Path, tmp_path: Path) -> list[str]:
    with pytest.raises(BookforgeError) as caught:
        import_book(source, tmp_path / "out")
    assert not (tmp_path / "out").exists(), "nothing is written for a refused source"
    return [f"[{d.code}] {d.location}: {d.message}" for d in caught.value.diagnostics]


def test_a_compression_bomb_is_refused_by_its_ratio(tmp_path):
    source = epub(tmp_path / "bomb.epub", {"c.xhtml": CHAPTER + b" " * (20 * 1024 * 1024)})
    [problem] = refused(source, tmp_path)
    assert problem.startswith("[archive-bomb] bomb.epub!c.xhtml: this member inflates")
    assert problem.endswith("a compression bomb")


def test_a_member_declaring_a_huge_size_is_refused_before_it_is_read(tmp_path):
    source = epub(tmp_path / "huge.epub", {"big.png": b"\0" * (65 * 1024 * 1024)}, compression=zipfile.ZIP_STORED)
    [problem] = refused(source, tmp_path)
    assert problem.startswith("[archive-bomb] huge.epub!big.png: this member inflates to 68,157,440 bytes")


def test_too_many_members_are_refused(tmp_path):
    source = epub(tmp_path / "many.epub", {f"x/{n}.txt": b"" for n in range(5_001)})
    [problem] = refused(source, tmp_path)
    assert problem.startswith("[archive-bomb] many.epub: the archive holds 5,005 files")


@pytest.mark.parametrize("name", ["../escape.xhtml", "/etc/passwd", "a/../../b.xhtml", "C:/x.xhtml", "a\\..\\b"])
def test_a_member_leading_outside_the_archive_is_refused(tmp_path, name):
    source = epub(tmp_path / "escape.epub", {name: b"<p/>"})
    [problem] = refused(source, tmp_path)
    assert problem.startswith(f"[archive-path] escape.epub!{name}: this member's name leads outside the archive")


LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE html [<!ENTITY a "lol"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]>
<html xmlns="http://www.w3.org/1999/xhtml"><body><p>&b;</p></body></html>"""
EXTERNAL = b"""<?xml version="1.0"?>
<!DOCTYPE container [<!ENTITY x SYSTEM "file:///etc/passwd">]>
<container xmlns="urn:oasis:names:tc:opendocument:xmlns:container">&x;</container>"""


def test_a_document_nested_too_deep_is_refused_rather_than_cut_short(tmp_path):
    deep = b'<html xmlns="http://www.w3.org/1999/xhtml"><body>' + b"<div>" * 300 + b"<p>deep</p>" + b"</div>" * 300 + \
        b"</body></html>"
    [problem] = refused(epub(tmp_path / "deep.epub", {"c.xhtml": deep}), tmp_path)
    assert problem.startswith("[import-source] deep.epub!c.xhtml:1:") and "more than 256 deep" in problem


def test_xml_entities_are_refused_in_any_member(tmp_path):
    [problem] = refused(epub(tmp_path / "laughs.epub", {"c.xhtml": LAUGHS}), tmp_path)
    assert problem.startswith("[xml-entity] laughs.epub!c.xhtml:2:1: this document declares XML entities")
    [problem] = refused(epub(tmp_path / "external.epub", {"META-INF/container.xml": EXTERNAL}), tmp_path)
    assert problem.startswith("[xml-entity] external.epub!META-INF/container.xml:2:1")


def test_a_word_document_with_entities_is_refused_before_mammoth_reads_it(tmp_path):
    from tests.importing.test_roundtrip import _docx

    source = _docx(tmp_path / "clean.docx")
    hostile = tmp_path / "hostile.docx"
    with zipfile.ZipFile(source) as original, zipfile.ZipFile(hostile, "w") as copy:
        for item in original.infolist():
            data = original.read(item)
            if item.filename == "word/document.xml":
                data = data.replace(b"?>", b'?><!DOCTYPE w [<!ENTITY x SYSTEM "file:///etc/passwd">]>', 1)
            copy.writestr(item, data)
    [problem] = refused(hostile, tmp_path)
    assert problem.startswith("[xml-entity] hostile.docx!word/document.xml:")


def test_an_image_with_too_many_pixels_is_refused_at_its_place(tmp_path):
    source = epub(tmp_path / "pixels.epub", {"c.xhtml": CHAPTER, "big.png": png(3000, 2000)})
    [problem] = refused(source, tmp_path)
    assert problem == ("[image-too-large] pixels.epub!c.xhtml:4:1: `images/big.png` is 3,000 x 2,000 px "
                       "(6.0 megapixels); at most 5.6 megapixels are allowed")


def test_a_file_that_is_not_a_zip_is_refused(tmp_path):
    source = tmp_path / "fake.epub"
    source.write_bytes(b"PK\x03\x04 not really")
    [problem] = refused(source, tmp_path)
    assert problem.startswith("[import-archive] fake.epub: it is not a readable ZIP archive")


def test_a_markdown_image_outside_the_folder_is_refused(tmp_path):
    (tmp_path / "secret.png").write_bytes(png())
    (tmp_path / "src").mkdir()
    source = tmp_path / "src" / "book.md"
    source.write_text("# One\n\n![A secret](../secret.png)\n", encoding="utf-8")
    [problem] = refused(source, tmp_path)
    assert problem == "[path-outside] book.md:3:1: `../secret.png` leads outside the folder it must stay in"


def test_an_unknown_kind_of_file_and_an_existing_manuscript_are_refused(tmp_path, cli):
    (tmp_path / "book.pdf").write_bytes(b"%PDF-1.7")
    result = cli("import", tmp_path / "book.pdf", "-o", tmp_path / "out")
    assert result.exit_code == 1 and "error[import-source]: bookforge cannot import a `.pdf` file" in result.output
    source = tmp_path / "book.md"
    source.write_text("# One\n\nText.\n", encoding="utf-8")
    assert cli("import", source, "-o", tmp_path / "out").exit_code == 0
    again = cli("import", source, "-o", tmp_path / "out")
    assert again.exit_code == 1 and "error[folder-not-empty]" in again.output
    assert cli("import", source, "-o", tmp_path / "out", "--force").exit_code == 0


def test_a_member_understating_its_size_is_refused(tmp_path):
    """zipfile inflates no more than a member declares, and its checksum then fails: the member is refused."""
    source = epub(tmp_path / "liar.epub", {})
    data = bytearray(source.read_bytes())
    for signature, size_at, name_length_at, name_at in ((b"PK\x03\x04", 22, 26, 30), (b"PK\x01\x02", 24, 28, 46)):
        start = 0
        while (start := data.find(signature, start)) >= 0:
            length = int.from_bytes(data[start + name_length_at:start + name_length_at + 2], "little")
            if data[start + name_at:start + name_at + length] == b"c.xhtml":
                data[start + size_at:start + size_at + 4] = (10).to_bytes(4, "little")
            start += 4
    source.write_bytes(bytes(data))
    [problem] = refused(source, tmp_path)
    assert problem.startswith("[import-archive] liar.epub!c.xhtml: this member cannot be read")
