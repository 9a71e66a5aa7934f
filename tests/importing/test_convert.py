"""The converter on small pieces of (X)HTML: Markdown that bookforge reads back as the same text, and everything
the manuscript cannot say reported as `import-simplified` at its file and line."""

from __future__ import annotations

from lxml import html

from bookforge.importing.convert import convert
from bookforge.importing.model import SourceBook, SourceDocument
from bookforge.importing.run import import_book
from bookforge.manuscript.prose import survey
from bookforge.render.markup import plain
from tests.books import REPO, SEED


def converted(body: str, *, level: int | None = None, name: str = "book.xhtml", kind: str | None = None):
    root = html.document_fromstring(f"<html><body>{body}</body></html>").find("body")
    book = convert(SourceBook((SourceDocument(name, root, kind, "Untitled", level),), {}, lambda d, s: None))
    return book


def text_of(body: str) -> str:
    [chapter] = converted(body).chapters
    return chapter.text


def test_text_that_looks_like_markdown_is_escaped_and_reads_back_as_written():
    source = ("<p>1984. A year of *stars* and_under_scores, [brackets]{x} & &amp;amp; &lt;b&gt;</p>"
              "<p>- not a list</p><p># not a heading</p><p>&gt; not a quotation</p><p>: not a definition</p>")
    text = text_of(source)
    assert survey(text)[0] == []
    rendered = plain(text, "en")
    for written in ("1984. A year of *stars* and_under_scores, [brackets]{x} & &amp; <b>", "- not a list",
                    "# not a heading", "> not a quotation", ": not a definition"):
        assert written in rendered


def test_emphasis_keeps_its_spaces_outside_the_markers():
    assert text_of("<p>a<i> quiet </i>word and <b>bold</b>.</p>") == "a *quiet* word and **bold**."


def test_a_run_of_empty_paragraphs_is_a_scene_break_and_a_lone_ornament_too():
    text = text_of("<p>One.</p><p></p><p></p><p>Two.</p><p>* * *</p><p>Three.</p><p>#</p><p>Four.</p>")
    assert text == "One.\n\n* * *\n\nTwo.\n\n* * *\n\nThree.\n\n* * *\n\nFour."


def test_lists_tables_and_definitions():
    text = text_of("<ol start='3'><li>three</li><li>four<ul><li>inner</li></ul></li></ol>"
                   "<table><caption>Tides</caption><tr><th>Day</th><th>High</th></tr><tr><td>Mon</td><td>6:02</td>"
                   "</tr></table><dl><dt>Keel</dt><dd>The spine of a ship.</dd></dl>")
    assert text == ("3. three\n4. four\n\n   - inner\n\nTable: Tides\n\n| Day | High |\n| --- | --- |\n"
                    "| Mon | 6:02 |\n\nKeel\n: The spine of a ship.")
    assert survey(text)[0] == []


def test_what_the_manuscript_cannot_say_is_reported_at_its_line():
    book = converted("<p>Text.</p>\n<p>An <u>underlined</u> word.</p>\n<svg><circle r='3'/></svg>\n"
                     "<p>See <a href='other.xhtml#x'>there</a>.</p>\n<p><img src='missing.png' alt='A map'/></p>")
    found = [f"{n.severity}[{n.code}] {n.location}: {n.message}" for n in book.notices]
    assert found == [
        "warning[import-simplified] book.xhtml:2:1: underlined text became plain text",
        "warning[import-simplified] book.xhtml:3:1: <svg> cannot go into a manuscript and was left out",
        "warning[import-simplified] book.xhtml:4:1: a link to `other.xhtml#x` inside the book became plain text",
        "warning[import-simplified] book.xhtml:5:1: the image `missing.png` is not in the source (or cannot be read) "
        "and was left out",
    ]
    assert "underlined word" in book.chapters[0].text and "there" in book.chapters[0].text


def test_a_word_document_is_located_by_paragraph():
    root = html.document_fromstring("<html><body><h1>One</h1><p>x <s>struck</s></p></body></html>").find("body")
    for number, element in enumerate(root, 1):
        element.set("data-paragraph", str(number))
    book = convert(SourceBook((SourceDocument("a.docx", root, None, None, 1),), {}, lambda d, s: None))
    assert [str(n.location) for n in book.notices] == ["a.docx#paragraph-2"]


def test_chapters_split_at_the_top_heading_level_with_sections_kept_as_kinds():
    book = converted('<section epub:type="preface"><h2>Before</h2><p>a</p></section>'
                     '<section><h2>One</h2><p>b</p><h3>Part of one</h3><p>c</p></section><h2>Two</h2><p>d</p>')
    assert [(c.kind, c.title, c.text) for c in book.chapters] == [
        ("preface", "Before", "a"), ("chapter", "One", "b\n\n## Part of one\n\nc"), ("chapter", "Two", "d")]


def test_plain_text_in_another_layout_is_split_at_chapter_lines(tmp_path):
    source = tmp_path / "novel.txt"
    source.write_text("The Quiet Harbour\n\nChapter 1\n\nIt was late.\nThe boats were in.\n\n* * *\n\nMorning.\n\n"
                      "CHAPTER TWO\nThe gulls came back.\n", encoding="utf-8")
    result = import_book(source, tmp_path / "book")
    files = sorted((tmp_path / "book" / "manuscript").glob("*.md"))
    assert [f.read_text(encoding="utf-8") for f in files] == [
        "---\ntitle: Chapter 1\n---\n\nIt was late. The boats were in.\n\n* * *\n\nMorning.\n",
        "---\ntitle: CHAPTER TWO\n---\n\nThe gulls came back.\n"]
    assert "title: The Quiet Harbour" in (tmp_path / "book" / "manuscript" / "book.yaml").read_text(encoding="utf-8")
    assert result.book.counts["scene breaks"] == 1


def test_the_sample_seed_is_imported_as_typed_entries_byte_for_byte(tmp_path, cli):
    result = cli("import", SEED, "-o", tmp_path / "book")
    assert result.exit_code == 0, result.output
    for name in ("01-memorable-scenes.yaml", "02-behind-the-scenes.yaml"):
        assert (tmp_path / "book" / "manuscript" / name).read_bytes() == (REPO / "manuscript" / name).read_bytes()


def test_a_word_page_break_before_a_chapter_goes_silently_and_inside_one_is_reported(tmp_path):
    import docx
    from docx.enum.text import WD_BREAK

    document = docx.Document()
    document.add_heading("One", 1)
    document.add_paragraph("Text one.")
    document.add_page_break()
    document.add_heading("Two", 1)
    paragraph = document.add_paragraph("Before")
    paragraph.add_run().add_break(WD_BREAK.PAGE)
    paragraph.add_run("after.")
    document.save(tmp_path / "breaks.docx")
    result = import_book(tmp_path / "breaks.docx", tmp_path / "book")
    assert [c.text for c in result.book.chapters] == ["Text one.", "Before\n\nafter."]
    assert [f"{n.location}: {n.message}" for n in result.notices if "page break" in n.message] == [
        "breaks.docx#paragraph-5: a page break inside a chapter was left out: pages break where the layout says (a "
        "new chapter starts a page)"]


def test_a_word_style_names_chapters_and_unknown_styles_are_reported(tmp_path):
    import docx
    from docx.enum.style import WD_STYLE_TYPE

    document = docx.Document()
    document.styles.add_style("Chapter Title", WD_STYLE_TYPE.PARAGRAPH)
    document.styles.add_style("Fancy", WD_STYLE_TYPE.PARAGRAPH)
    for title in ("One", "Two"):
        document.add_paragraph(title, style="Chapter Title")
        document.add_paragraph(f"Text of {title.lower()}.", style="Fancy")
    document.save(tmp_path / "styled.docx")
    result = import_book(tmp_path / "styled.docx", tmp_path / "book", chapter_style="Chapter Title")
    assert [(c.title, c.text) for c in result.book.chapters] == [("One", "Text of one."), ("Two", "Text of two.")]
    assert [n.message for n in result.notices if "style" in n.message] == [
        "the paragraph style `Fancy` has no meaning bookforge knows: its text was imported as plain paragraphs"]


def test_an_embedded_image_and_its_caption_come_through():
    import base64

    from tests.importing.test_roundtrip import png

    uri = "data:image/png;base64," + base64.b64encode(png()).decode()
    book = converted(f'<figure><img src="{uri}" alt="A red block"/><figcaption>The <i>red</i> "one"</figcaption>'
                     "</figure>")
    assert book.chapters[0].text == '![A red block](images/embedded.png "The *red* \\"one\\"")'
    assert [image.path for image in book.images] == ["images/embedded.png"]
    assert survey(book.chapters[0].text)[0] == []


def test_a_passage_in_another_language_is_marked_as_a_block():
    text = text_of('<p>English.</p><p lang="fr">Un <i>paragraphe</i>.</p><blockquote xml:lang="de"><p>Zitat</p>'
                   '</blockquote>')
    assert text == "English.\n\n::: {lang=fr}\nUn *paragraphe*.\n:::\n\n::: {lang=de}\n> Zitat\n:::"
    assert survey(text)[0] == []


def test_verse_lines_by_breaks_or_by_elements_with_their_indents():
    text = text_of('<div epub:type="z3998:poem"><p><span>One <i>bright</i> line,</span><br/>'
                   '<span class="i2">1. indented</span></p>'
                   '<div class="stanza"><div class="line">Second stanza</div><div class="line">ends.</div></div></div>')
    assert text == "::: verse\nOne *bright* line,\n    1\\. indented\n\nSecond stanza\nends.\n:::"
    assert survey(text)[0] == []


def test_a_chapter_split_over_two_files_is_one_chapter_again():
    def body(markup: str):
        return html.document_fromstring(f"<html><body>{markup}</body></html>").find("body")

    documents = (SourceDocument("b.epub!c1.xhtml", body("<h1>One</h1><p>Start<a href='c1_split.xhtml#n1' "
                                                        "epub:type='noteref'>1</a>.</p>"), None, "One"),
                 SourceDocument("b.epub!c1_split.xhtml", body("<p>Middle.</p><aside id='n1' epub:type='footnote'>"
                                                              "<p>A note.</p></aside>"), None, None),
                 SourceDocument("b.epub!c2.xhtml", body("<p>Untitled, but listed.</p>"), None, "Two"))
    book = convert(SourceBook(documents, {}, lambda d, s: None))
    assert [(c.title, c.text) for c in book.chapters] == [("One", "Start[^1].\n\nMiddle.\n\n[^1]: A note."),
                                                          ("Two", "Untitled, but listed.")]


def test_a_tiff_is_saved_as_png_and_a_scripted_svg_is_left_out(tmp_path):
    import io

    from PIL import Image

    tiff = io.BytesIO()
    Image.new("RGB", (20, 10), "green").save(tiff, "TIFF")
    svg = b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'
    root = html.document_fromstring('<html><body><p><img src="scan.tif" alt="A scan"/></p>\n'
                                    '<p><img src="bad.svg" alt="A drawing"/></p></body></html>').find("body")
    files = {"scan.tif": tiff.getvalue(), "bad.svg": svg}
    book = convert(SourceBook((SourceDocument("b.xhtml", root, None, "One"),), {}, lambda d, s: files.get(s)))
    assert book.chapters[0].text == "![A scan](images/scan.png)"
    assert Image.open(io.BytesIO(book.images[0].data)).format == "PNG"
    assert [n.message for n in book.notices] == [
        "the image `scan.tif` was saved as PNG (a book holds PNG, JPEG, GIF or SVG)",
        "`images/bad.svg` cannot go into a book: it has a <script> element (line 1), which a book image may not have: "
        "it was left out"]


def test_plain_text_chapters_at_a_pattern_of_the_author_s(tmp_path, cli):
    source = tmp_path / "letters.txt"
    source.write_text("Letters Home\n\nLetter the First\nDear Mother,\n\nLetter the Second\nDear Father,\n",
                      encoding="utf-8")
    result = cli("import", source, "-o", tmp_path / "book", "--chapter-pattern", r"^letter the \w+$")
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in (tmp_path / "book" / "manuscript").glob("*.md")) == [
        "001-letter-the-first.md", "002-letter-the-second.md"]
    wrong = cli("import", source, "-o", tmp_path / "other", "--chapter-pattern", "(")
    assert wrong.exit_code == 1 and "--chapter-pattern: error[bad-value]: `(` is not a regular expression" in wrong.output


def test_markdown_fenced_divs_of_bookforge_and_pandoc_keep_their_meaning(tmp_path):
    source = tmp_path / "v.md"
    written = ("# One\n\n::: epigraph\nThe sea is *never* still.\n\n— Old saying\n:::\n\nText.\n\n"
               "::: verse\nLight on the water,\nlight on the stone.\n\nKeep it.\n:::\n\n"
               "::: {lang=fr}\nBonjour.\n:::\n\n::: {.epigraph}\nLate.\n:::\n")
    source.write_text("---\nlang: en\n---\n\n" + written, encoding="utf-8")
    result = import_book(source, tmp_path / "book")
    assert result.book.chapters[0].text == written.split("\n\n", 1)[1].replace(
        "::: {.epigraph}\nLate.\n:::\n", "> Late.").rstrip()


def test_a_part_s_heading_group_gives_its_label_and_title():
    book = converted('<section epub:type="part"><hgroup><h2>Part I</h2><p>The <i>Crossing</i></p></hgroup></section>',
                     kind="part")  # as the EPUB reader gives a document holding one section of a type
    assert [(c.kind, c.label, c.title) for c in book.chapters] == [("part", "Part I", "The *Crossing*")]


def test_a_part_with_no_chapter_after_it_is_left_out_of_the_contents_and_reported():
    from bookforge.importing.model import ImportedChapter
    from bookforge.importing.write import contents

    chapters = (ImportedChapter("part", "The Voyage", "", "book.epub!p1.xhtml"),
                ImportedChapter("chapter", "Sails", "Up they went.", "book.epub!c1.xhtml"),
                ImportedChapter("part", "The Return", "", "book.epub!p2.xhtml"))
    notices = []

    listed = contents(chapters, ["p1.md", "001-sails.md", "p2.md"], notices)

    assert listed[3:] == [{"part": "The Voyage", "contents": [{"chapter": "001-sails.md"}]}]
    assert [(n.code, n.location.file, n.message) for n in notices] == [
        ("import-simplified", "book.epub!p2.xhtml",
         "the part `The Return` has no chapter after it: it was left out of the contents")]
