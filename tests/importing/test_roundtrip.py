"""Round trips: a book imported (EPUB, Word, Markdown), built by bookforge with no edit, its text read back: the same
words in the same order, the same notes, headings, emphasis and images; EPUBCheck finds nothing."""

from __future__ import annotations

import io
import re
import subprocess
import zipfile
from pathlib import Path

import pytest
from lxml import etree

from bookforge.build.orchestrate import build
from bookforge.importing.run import import_book
from tests.importing.roundtrip import Profile, _add, epub_profile, normalised_words

MIRRORS = Path("/work/.mirror")
STANDARD_EBOOKS = {  # book -> (chapters, headings, images), as the source has them
    "arthur-conan-doyle_the-adventures-of-sherlock-holmes": (15, 18, 2),
    "ambrose-bierce_the-devils-dictionary": (30, 30, 2),
}


def mirror(book: str) -> Path:
    return MIRRORS / f"standardebooks+{book}" / "repo"


def png(width: int = 40, height: int = 30, colour: str = "red") -> bytes:
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (width, height), colour).save(buffer, "PNG")
    return buffer.getvalue()


def imported_and_built(source: Path, folder: Path, **options) -> tuple[Path, object]:
    result = import_book(source, folder, **options)
    [edition] = build(folder, ["ebook"])
    return edition.path, result


def assert_same(source: Profile, built: Profile) -> None:
    assert built.words == source.words
    assert built.notes == source.notes
    assert (built.headings, built.emphasis, built.images) == (source.headings, source.emphasis, source.images)


def standard_ebook(repo: Path, target: Path) -> Path:
    """An EPUB zipped from a Standard Ebooks source repository's src/ folder (a bare mirror's HEAD)."""
    names = subprocess.run(["git", "-C", str(repo), "ls-tree", "-r", "--name-only", "HEAD", "src"], check=True,
                           capture_output=True, text=True).stdout.split()
    with zipfile.ZipFile(target, "w") as archive:
        archive.writestr(zipfile.ZipInfo("mimetype"), "application/epub+zip")
        for name in names:
            if name != "src/mimetype":
                data = subprocess.run(["git", "-C", str(repo), "show", f"HEAD:{name}"], check=True,
                                      capture_output=True).stdout
                archive.writestr(name[len("src/"):], data, zipfile.ZIP_DEFLATED)
    return target


@pytest.mark.slow
@pytest.mark.parametrize("book", STANDARD_EBOOKS)
def test_a_standard_ebook_comes_through_word_for_word(tmp_path, epubcheck, book):
    if not mirror(book).exists():
        pytest.skip(f"no mirror of the Standard Ebooks source {book}")
    source = standard_ebook(mirror(book), tmp_path / "source.epub")
    built, result = imported_and_built(source, tmp_path / "book")
    before, after = epub_profile(source, built=False), epub_profile(built, built=True)
    assert_same(before, after)
    chapters, headings, images = STANDARD_EBOOKS[book]
    assert (result.book.counts["chapters"], after.headings, after.images) == (chapters, headings, images)
    assert len(after.words) > 60_000 and after.emphasis > 50
    assert epubcheck(built) == []


@pytest.mark.slow
def test_a_dictionary_arrives_as_typed_entries(tmp_path, epubcheck):
    book = "ambrose-bierce_the-devils-dictionary"
    if not mirror(book).exists():
        pytest.skip("no mirror of The Devil's Dictionary")
    source = standard_ebook(mirror(book), tmp_path / "source.epub")
    built, result = imported_and_built(source, tmp_path / "book", entry_type="term")
    before, after = epub_profile(source, built=False), epub_profile(built, built=True)
    # Several headwords for one definition title one entry: `Babe, Baby`.
    assert [word.rstrip(",") for word in after.words] == [word.rstrip(",") for word in before.words]
    entries = result.book.counts["entries"]
    assert entries == 1028 and after.headings == before.headings + entries
    types = (tmp_path / "book" / "manuscript" / "types.yaml").read_text(encoding="utf-8")
    assert "term:" in types and "title: title" in types
    assert epubcheck(built) == []


GLOSSARY = """# Glossary of the Sea

## Keel

The spine of a ship.

**Origin:** Old Norse *kjǫlr*.

## Mast

A pole that carries the sails[^tall].

Origin: Old English *mæst*.

[^tall]: The tallest are over sixty metres.
"""


def test_headed_sections_with_labelled_paragraphs_become_entries(tmp_path, epubcheck):
    source = tmp_path / "glossary.md"
    source.write_text(GLOSSARY, encoding="utf-8")
    built, result = imported_and_built(source, tmp_path / "book", entry_type="sea-term")
    chapter = (tmp_path / "book" / "manuscript" / "001-glossary-of-the-sea.yaml").read_text(encoding="utf-8")
    keel = "- type: sea-term\n  title: Keel\n  text: |-\n    The spine of a ship.\n  origin: |-\n    Old Norse"
    assert keel in chapter
    assert "sails[^1].\n\n    [^1]: The tallest are over sixty metres." in chapter  # the note stays with its text
    assert result.book.counts["entries"] == 2
    words = epub_profile(built, built=True).words
    assert words[:3] == ["Glossary", "of", "the"] and "Origin" in words and "kjǫlr." in words
    assert epubcheck(built) == []


def _generated_epub(path: Path) -> Path:
    from ebooklib import epub

    book = epub.EpubBook()
    book.set_identifier("urn:uuid:5f0c2b1e-2a4d-4f9a-9a57-0d1d4c1e9a01")
    book.set_title("The Lighthouse Keeper")
    book.set_language("en")
    book.add_author("Mara Olsen", file_as="Olsen, Mara", role="aut", uid="author")
    book.add_metadata("DC", "description", "A keeper, a storm and a ship.")
    book.add_metadata("DC", "subject", "Sea stories")
    book.add_item(epub.EpubImage(uid="map", file_name="images/map.png", media_type="image/png", content=png()))
    pages = [
        ("dedication", "Dedication", '<section epub:type="dedication"><p>For <i>Ada</i>, who kept the light.</p>'
                                     "</section>"),
        ("one", "The Storm", '<section epub:type="chapter"><h2>The Storm</h2>'
         '<blockquote epub:type="epigraph"><p>The sea is <em>never</em> still.</p><cite>Old saying</cite></blockquote>'
         '<p>The wind rose at dusk<a href="notes.xhtml#note-1" id="noteref-1" epub:type="noteref">1</a>. '
         'She said <span xml:lang="fr" lang="fr">c’est la vie</span> and lit the <b>great</b> lamp.</p>'
         '<figure><img src="images/map.png" alt="A map of the coast"/><figcaption>The coast, 1890</figcaption>'
         "</figure><hr/>"
         '<blockquote epub:type="z3998:poem"><p><span>Light on the water,</span><br/>'
         '<span class="i1">light on the stone,</span></p><p><span>keep it burning</span><br/>'
         "<span>when you are alone.</span></p></blockquote>"
         '<h3>Morning</h3><p>At dawn the <abbr>H.M.S.</abbr> <i epub:type="se:name.vessel.ship">Petrel</i> was '
         "safe.</p></section>"),
        ("two", "The Ship", '<section epub:type="chapter"><h2>The Ship</h2>'
         '<p>They counted the crew<a href="notes.xhtml#note-2" id="noteref-2" epub:type="noteref">2</a>:</p>'
         "<ul><li>the captain,</li><li>the mate, and</li><li>a boy.</li></ul>"
         "<blockquote><p>Home is the sailor.</p></blockquote></section>"),
        ("notes", "Notes", '<section epub:type="endnotes"><h2>Notes</h2><ol>'
         '<li id="note-1" epub:type="endnote"><p>A north-easter, the worst of the year. '
         '<a href="one.xhtml#noteref-1" epub:type="backlink">↩</a></p></li>'
         '<li id="note-2" epub:type="endnote"><p>Eleven in all. '
         '<a href="two.xhtml#noteref-2" epub:type="backlink">↩</a></p></li></ol></section>'),
    ]
    items = []
    for name, title, body in pages:
        item = epub.EpubHtml(title=title, file_name=f"{name}.xhtml", lang="en")
        item.content = f'<html xmlns:epub="http://www.idpf.org/2007/ops"><body>{body}</body></html>'
        book.add_item(item)
        items.append(item)
    book.toc = items
    book.spine = ["nav", *items]
    book.add_item(epub.EpubNcx())
    book.add_item(epub.EpubNav())
    epub.write_epub(str(path), book)
    return path


@pytest.mark.slow
def test_a_generated_epub_keeps_notes_verse_epigraph_figure_and_matter(tmp_path, epubcheck):
    source = _generated_epub(tmp_path / "lighthouse.epub")
    built, result = imported_and_built(source, tmp_path / "book")
    assert_same(epub_profile(source, built=False), epub_profile(built, built=True))
    book_yaml = (tmp_path / "book" / "manuscript" / "book.yaml").read_text(encoding="utf-8")
    assert "dedication: 001-dedication.md" in book_yaml and "file_as: Olsen, Mara" in book_yaml
    storm = (tmp_path / "book" / "manuscript" / "002-the-storm.md").read_text(encoding="utf-8")
    for written in ("::: epigraph", "— Old saying", "::: verse", "  light on the stone,", "[c’est la vie]{lang=fr}",
                    '![A map of the coast](images/map.png "The coast, 1890")', "* * *", "[^1]: A north-easter",
                    "## Morning", "**great**"):
        assert written in storm
    assert result.book.counts["notes"] == 2 and result.book.counts["verse"] == 1
    assert epubcheck(built) == []


EPUB2_PAGE = """<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE html PUBLIC "-//W3C//DTD XHTML 1.1//EN" "http://www.w3.org/TR/xhtml11/DTD/xhtml11.dtd">
<html xmlns="http://www.w3.org/1999/xhtml"><head><title>{title}</title></head><body>{body}</body></html>"""


def _epub2(path: Path) -> Path:
    """An EPUB 2 as older tools made them: OPF 2.0 with `opf:role`, an NCX and no nav, calibre's series, a cover
    named by `<meta name="cover">`, XHTML 1.1 with a named entity, and a part's title page."""
    opf = """<?xml version="1.0"?>
<package xmlns="http://www.idpf.org/2007/opf" version="2.0" unique-identifier="uid">
<metadata xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:opf="http://www.idpf.org/2007/opf">
<dc:title>Tales of Two Harbours</dc:title><dc:creator opf:role="aut" opf:file-as="Berg, Lena">Lena Berg</dc:creator>
<dc:creator opf:role="trl">Ola Nordmann</dc:creator><dc:language>en</dc:language>
<dc:identifier id="uid">urn:isbn:9780000000019</dc:identifier><dc:date>1911-05-02</dc:date>
<meta name="calibre:series" content="Harbour Tales"/><meta name="calibre:series_index" content="2"/>
<meta name="cover" content="cover-image"/></metadata>
<manifest><item id="ncx" href="toc.ncx" media-type="application/x-dtbncx+xml"/>
<item id="cover-image" href="cover.png" media-type="image/png"/>
<item id="p1" href="part1.xhtml" media-type="application/xhtml+xml"/>
<item id="c1" href="c1.xhtml" media-type="application/xhtml+xml"/>
<item id="c2" href="c2.xhtml" media-type="application/xhtml+xml"/></manifest>
<spine toc="ncx"><itemref idref="p1"/><itemref idref="c1"/><itemref idref="c2"/></spine></package>"""
    ncx = """<?xml version="1.0"?>
<ncx xmlns="http://www.daisy.org/z3986/2005/ncx/" version="2005-1"><navMap>
<navPoint id="n1"><navLabel><text>Part One: North</text></navLabel><content src="part1.xhtml"/></navPoint>
<navPoint id="n2"><navLabel><text>The Ferry</text></navLabel><content src="c1.xhtml"/></navPoint>
<navPoint id="n3"><navLabel><text>The Fog</text></navLabel><content src="c2.xhtml"/></navPoint></navMap></ncx>"""
    part = '<div epub:type="part" xmlns:epub="http://www.idpf.org/2007/ops"><h1>Part One: North</h1></div>'
    pages = {"part1.xhtml": EPUB2_PAGE.format(title="Part One", body=part),
             "c1.xhtml": EPUB2_PAGE.format(title="The Ferry", body="<h2>The Ferry</h2><p>The ferry left at&nbsp;six."
                                           "</p><p>Nobody <em>waved</em>.</p>"),
             "c2.xhtml": EPUB2_PAGE.format(title="The Fog", body="<p>Fog came in from the sound.</p>")}
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("mimetype", "application/epub+zip")
        archive.writestr("META-INF/container.xml", '<?xml version="1.0"?><container version="1.0" xmlns="urn:oasis:'
                         'names:tc:opendocument:xmlns:container"><rootfiles><rootfile full-path="OEBPS/content.opf" '
                         'media-type="application/oebps-package+xml"/></rootfiles></container>')
        archive.writestr("OEBPS/content.opf", opf)
        archive.writestr("OEBPS/toc.ncx", ncx)
        archive.writestr("OEBPS/cover.png", png(200, 300, "navy"))
        for name, page in pages.items():
            archive.writestr(f"OEBPS/{name}", page)
    return path


@pytest.mark.slow
def test_an_epub_2_with_an_ncx_a_part_and_named_entities(tmp_path, epubcheck):
    source = _epub2(tmp_path / "harbours.epub")
    built, result = imported_and_built(source, tmp_path / "book")
    before, after = epub_profile(source, built=False), epub_profile(built, built=True)
    fog = before.words.index("Fog")  # a document without a heading is titled as the NCX titles it
    assert after.words == [*before.words[:fog], "The", "Fog", *before.words[fog:]]
    assert after.emphasis == before.emphasis == 1
    book_yaml = (tmp_path / "book" / "manuscript" / "book.yaml").read_text(encoding="utf-8")
    for written in ("file_as: Berg, Lena", "role: translator", "name: Harbour Tales", "number: '2'",
                    "date: '1911-05-02'",
                    "- part: 'Part One: North'", "  - chapter: 002-the-ferry.md", "  - chapter: 003-the-fog.md"):
        assert written in book_yaml
    assert (tmp_path / "book" / "assets" / "images" / "source-cover.png").exists()
    assert "The ferry left at\u00a0six." in (tmp_path / "book" / "manuscript" / "002-the-ferry.md").read_text("utf-8")
    assert epubcheck(built) == []


def _docx(path: Path) -> Path:
    import docx
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.oxml import parse_xml
    from docx.oxml.ns import nsdecls
    from docx.shared import Inches

    document = docx.Document()
    document.core_properties.title = "Salt and Iron"
    document.core_properties.author = "Ines Ruiz"
    document.core_properties.language = "en-GB"
    document.add_paragraph("Salt and Iron", style="Title")
    document.add_heading("The Forge", level=1)
    paragraph = document.add_paragraph("The smith worked ")
    paragraph.add_run("all night").italic = True
    paragraph.add_run(" and sang ")
    paragraph.add_run("loudly").bold = True
    paragraph.add_run(".")
    paragraph._p.append(parse_xml(f'<w:r {nsdecls("w")}><w:footnoteReference w:id="1"/></w:r>'))
    document.add_paragraph("Fire is a patient teacher.", style="Quote")
    document.add_paragraph("* * *").alignment = WD_ALIGN_PARAGRAPH.CENTER
    document.add_paragraph("Morning came grey.")
    document.add_paragraph("iron", style="List Bullet")
    document.add_paragraph("salt", style="List Bullet")
    run = document.add_paragraph().add_run()
    run.add_picture(io.BytesIO(png(60, 40, "blue")), width=Inches(1))
    run._r.xpath(".//wp:docPr")[0].set("descr", "A blue ingot")
    document.add_heading("The Sea", level=1)
    document.add_heading("Low tide", level=2)
    document.add_paragraph("The boats lay on their sides in the mud.")
    document.save(path)
    return _with_notes(path, "Iron must be hot to bend.")


W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"


def _with_notes(path: Path, text: str, kind: str = "footnote") -> Path:
    """The notes part python-docx cannot write (`kind` footnote or endnote): note 1, which the document refers to."""
    part = (f'<w:{kind}s xmlns:w="{W}"><w:{kind} w:type="separator" w:id="-1"><w:p><w:r><w:separator/>'
            f'</w:r></w:p></w:{kind}><w:{kind} w:type="continuationSeparator" w:id="0"><w:p><w:r>'
            f'<w:continuationSeparator/></w:r></w:p></w:{kind}><w:{kind} w:id="1"><w:p><w:r>'
            f"<w:t>{text}</w:t></w:r></w:p></w:{kind}></w:{kind}s>")
    relationship = (f'<Relationship Id="rId{kind}s" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
                    f'relationships/{kind}s" Target="{kind}s.xml"/></Relationships>')
    override = (f'<Override PartName="/word/{kind}s.xml" ContentType="application/vnd.openxmlformats-'
                f'officedocument.wordprocessingml.{kind}s+xml"/></Types>')
    original = path.read_bytes()
    with zipfile.ZipFile(io.BytesIO(original)) as source, zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as target:
        for item in source.infolist():
            data = source.read(item)
            if item.filename == "word/_rels/document.xml.rels":
                data = data.replace(b"</Relationships>", relationship.encode())
            elif item.filename == "[Content_Types].xml":
                data = data.replace(b"</Types>", override.encode())
            target.writestr(item, data)
        target.writestr(f"word/{kind}s.xml", part)
    return path


def docx_profile(path: Path) -> Profile:
    """The words of a Word document as its author reads them (without the Title paragraph), and its counts."""
    import docx

    document = docx.Document(path)
    words, headings, emphasis, images = [], 0, 0, 0
    for paragraph in document.paragraphs:
        if paragraph.style.name == "Title" or paragraph.text.strip() == "* * *":
            continue
        words += normalised_words(paragraph.text)
        headings += paragraph.style.name.startswith("Heading")
        emphasis += sum(1 for run in paragraph.runs if (run.italic or run.bold) and run.text.strip())
        images += len(paragraph._p.xpath(".//pic:pic"))
    with zipfile.ZipFile(path) as archive:
        footnotes = etree.fromstring(archive.read("word/footnotes.xml"))
    notes = [normalised_words("".join(note.itertext())) for note in footnotes.iterfind(f"{{{W}}}footnote")
             if not note.get(f"{{{W}}}type")]
    return Profile(words, notes, headings, emphasis, images)


@pytest.mark.slow
def test_a_word_document_comes_through(tmp_path, epubcheck):
    source = _docx(tmp_path / "salt.docx")
    built, result = imported_and_built(source, tmp_path / "book")
    assert_same(docx_profile(source), epub_profile(built, built=True))
    book_yaml = (tmp_path / "book" / "manuscript" / "book.yaml").read_text(encoding="utf-8")
    assert "title: Salt and Iron" in book_yaml and "name: Ines Ruiz" in book_yaml and "language: en-GB" in book_yaml
    forge = (tmp_path / "book" / "manuscript" / "001-the-forge.md").read_text(encoding="utf-8")
    for written in ("*all night*", "**loudly**.[^1]", "[^1]: Iron must be hot to bend.", "> Fire is a patient teacher.",
                    "* * *", "- iron", "![A blue ingot](images/docx-image-1.png)"):
        assert written in forge
    assert result.book.counts["scene breaks"] == 1
    assert epubcheck(built) == []


@pytest.mark.slow
def test_a_word_documents_endnote_and_footnote_both_become_notes(tmp_path):
    import docx
    from docx.oxml import parse_xml
    from docx.oxml.ns import nsdecls

    source = tmp_path / "notes.docx"
    document = docx.Document()
    document.add_heading("Ash", level=1)
    paragraph = document.add_paragraph("The kiln cooled slowly.")
    paragraph._p.append(parse_xml(f'<w:r {nsdecls("w")}><w:footnoteReference w:id="1"/></w:r>'))
    paragraph = document.add_paragraph("The glaze held.")
    paragraph._p.append(parse_xml(f'<w:r {nsdecls("w")}><w:endnoteReference w:id="1"/></w:r>'))
    document.save(source)
    _with_notes(_with_notes(source, "A day and a night.", "footnote"), "Celadon, mostly.", "endnote")

    result = import_book(source, tmp_path / "book")

    chapter = (tmp_path / "book" / "manuscript" / "001-ash.md").read_text(encoding="utf-8")
    references = re.findall(r"\[\^(\w+)\]", chapter.split("\n\n[^")[0])
    assert len(references) == 2 and len(set(references)) == 2, chapter
    assert re.search(r"cooled slowly\.\[\^\w+\]", chapter) and re.search(r"glaze held\.\[\^\w+\]", chapter), chapter
    assert re.search(r"^\[\^\w+\]: A day and a night\.$", chapter, re.MULTILINE), chapter
    assert re.search(r"^\[\^\w+\]: Celadon, mostly\.$", chapter, re.MULTILINE), chapter
    assert result.book.counts["notes"] == 2


MARKDOWN = """\
---
title: Small Hours
author: [Tom Abel]
lang: en
description: Three nights in a city.
---

# First Night

The *city* never sleeps[^owl], they say. **Nobody** asked the city.

![A street at night](street.png)

* * *

> A quiet street is a kind of promise.
>
> --- a neighbour

## Later

- one lamp
- two lamps

[^owl]: Except the owls, who keep their own hours.

# Second Night

Rain, and [a link](https://example.org) to nowhere.
"""


def markdown_profile(text: str) -> Profile:
    """The words, notes and counts of Markdown as markdown-it renders it (the front matter left out)."""
    from markdown_it import MarkdownIt
    from mdit_py_plugins.footnote import footnote_plugin

    md = MarkdownIt("commonmark")
    footnote_plugin(md)
    body = etree.fromstring(f"<body>{md.render(text.split('---', 2)[2])}</body>")
    profile = Profile([], [], 0, 0, 0)
    _add(body, profile, profile.notes)
    return profile


@pytest.mark.slow
def test_markdown_comes_through(tmp_path, epubcheck):
    (tmp_path / "src").mkdir()
    source = tmp_path / "src" / "small-hours.md"
    source.write_text(MARKDOWN, encoding="utf-8")
    (tmp_path / "src" / "street.png").write_bytes(png())
    built, result = imported_and_built(source, tmp_path / "book")
    after = epub_profile(built, built=True)
    before = markdown_profile(MARKDOWN)
    assert after.words == before.words
    assert after.notes == before.notes
    assert (after.headings, after.emphasis, after.images) == (before.headings, before.emphasis, before.images)
    assert result.book.counts["chapters"] == 2
    assert epubcheck(built) == []


@pytest.mark.slow
def test_every_standard_edition_builds_and_the_import_is_reproducible(tmp_path):
    from pypdf import PdfReader

    source = _docx(tmp_path / "salt.docx")
    import_book(source, tmp_path / "book")
    import_book(source, tmp_path / "again")
    files = sorted(p.relative_to(tmp_path / "book") for p in (tmp_path / "book").rglob("*") if p.is_file())
    assert files == sorted(p.relative_to(tmp_path / "again") for p in (tmp_path / "again").rglob("*") if p.is_file())
    assert all((tmp_path / "book" / f).read_bytes() == (tmp_path / "again" / f).read_bytes() for f in files)
    results = {r.name: r for r in build(tmp_path / "book")}
    assert sorted(results) == ["ebook", "large-print", "paperback", "pocket"]
    for name in ("paperback", "large-print", "pocket"):
        text = "".join(page.extract_text() for page in PdfReader(results[name].path).pages)
        assert "The smith worked" in text and "Iron must be hot to bend." in text


def test_a_folder_of_markdown_files_is_read_in_name_order(tmp_path):
    folder = tmp_path / "chapters"
    folder.mkdir()
    (folder / "02-second.md").write_text("---\ntitle: The Second\n---\n\nSecond text.\n", encoding="utf-8")
    (folder / "01-first.md").write_text("---\ntitle: Two Nights\nauthor: Tom Abel\n---\n\n# The First\n\n"
                                        "First text.\n", encoding="utf-8")
    (folder / "notes.txt").write_text("not a chapter", encoding="utf-8")
    result = import_book(folder, tmp_path / "book")
    assert [(c.title, c.text) for c in result.book.chapters] == [("The First", "First text."),
                                                                   ("The Second", "Second text.")]
    assert result.book.metadata["title"] == "Two Nights"
