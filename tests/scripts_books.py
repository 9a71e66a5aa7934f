"""Test books in several languages and scripts, each with an edition of every kind (ebook, kepub, three print
layouts), and what tells that a PDF or an EPUB shows every character (no `.notdef`, every character in an
embedded font)."""

from __future__ import annotations

import io
import json
import unicodedata
import zipfile
from pathlib import Path

import pikepdf
from fontTools.ttLib import TTFont
from lxml import etree

BOOK = """\
metadata:
  title: {title}
  creators:
    - name: {author}
  language: {language}
  identifier: urn:uuid:00000000-0000-4000-8000-0000000000{number:02d}
contents:
  - title-page
  - table-of-contents
  - chapter: 01.yaml
  - chapter: 02.yaml
editions:
  ebook:
    format: epub
    layout: ebook
    identifier: urn:isbn:9780000000019
  kobo:
    format: kepub
    layout: ebook
    identifier: urn:isbn:9780000000057
  paperback:
    format: pdf
    layout: print
    identifier: urn:isbn:9780000000026
  large:
    format: pdf
    layout: large-print
    identifier: urn:isbn:9780000000033
  pocket:
    format: pdf
    layout: pocket
    identifier: urn:isbn:9780000000040
"""

ARABIC = ("قال دبشليم الملك لبيدبا الفيلسوف وهو رأس البراهمة: اضرب لي مثلا لمتحابين يقطع بينهما الكذوب المحتال "
          "حتى يحملهما على العداوة والبغضاء. قال بيدبا: إذا ابتلي المتحابان بأن يدخل بينهما الكذوب المحتال لم يلبثا "
          "أن يتقاطعا ويتدابرا.")
JAPANESE = ("吾輩は猫である。名前はまだ無い。どこで生れたかとんと見当がつかぬ。何でも薄暗いじめじめした所でニャーニャー"
            "泣いていた事だけは記憶している。「吾輩はここで始めて人間というものを見た。」しかもあとで聞くとそれは書生"
            "という人間中で一番獰悪な種族であったそうだ。")
FRENCH = ("Longtemps, je me suis couché de bonne heure. Parfois, à peine ma bougie éteinte, mes yeux se fermaient si "
          "vite que je n’avais pas le temps de me dire : « Je m’endors. » Et, une demi-heure après, la pensée qu’il "
          "était temps de chercher le sommeil m’éveillait ; où étais-je ? Œuvre, cœur, Ç’a été ça !")
GERMAN = ("Als Gregor Samsa eines Morgens aus unruhigen Träumen erwachte, fand er sich in seinem Bett zu einem "
          "ungeheueren Ungeziefer verwandelt. „Was ist mit mir geschehen?“, dachte er. Es war kein Traum. Größe, "
          "Straße, Öl, Übermaß und Äpfel.")
MIXED = ("The first line of *War and Peace* reads [Eh bien, mon prince.]{lang=fr} and the Russian title is "
         "[Война и мир]{lang=ru}, in italics *[Война и мир — роман Льва Толстого]{lang=ru}*; the Gospel opens "
         "[Ἐν ἀρχῇ ἦν ὁ λόγος]{lang=grc}, in italics *[ἐν ἀρχῇ ἦν ὁ λόγος, καὶ ὁ λόγος ἦν πρὸς τὸν θεόν]{lang=grc}*; "
         "and modern Greek writes [Καλημέρα κόσμε]{lang=el}.")

# language: (title, author, chapter titles, a paragraph, a phrase that must come out of the PDF's text as written)
BOOKS = {
    "fr": ("Du côté de chez Swann", "Marcel Proust", ("Combray", "Un amour de Swann"), FRENCH, "bonne heure"),
    "de": ("Die Verwandlung", "Franz Kafka", ("Erstes Kapitel", "Zweites Kapitel"), GERMAN, "Ungeziefer verwandelt"),
    "ja": ("吾輩は猫である", "夏目漱石", ("第一章", "第二章"), JAPANESE, "名前はまだ無い"),
    "ar": ("كليلة ودمنة", "ابن المقفع", ("باب الأسد والثور", "باب الفحص عن أمر دمنة"), ARABIC, "الفيلسوف"),
    "en": ("Three Alphabets", "Jane Doe", ("Of Titles", "Of Beginnings"), MIXED, "Война и мир"),
}
"""`en` is the mixed English, Russian and Greek text."""


def script_project(folder: Path, language: str, paragraphs: int = 12) -> Path:
    """A two-chapter book in `language` (see BOOKS), with every kind of edition."""
    title, author, chapters, paragraph, _ = BOOKS[language]
    manuscript = folder / "manuscript"
    manuscript.mkdir(parents=True, exist_ok=True)
    (manuscript / "book.yaml").write_text(BOOK.format(title=json.dumps(title, ensure_ascii=False),
                                                      author=json.dumps(author, ensure_ascii=False),
                                                      language=language, number=list(BOOKS).index(language)),
                                          encoding="utf-8")
    for number, chapter in enumerate(chapters, 1):
        text = "\n\n".join([paragraph] * paragraphs)
        (manuscript / f"0{number}.yaml").write_text(
            f"title: {json.dumps(chapter, ensure_ascii=False)}\ntext: {json.dumps(text, ensure_ascii=False)}\n",
            encoding="utf-8")
    return folder


# -- PDF ---------------------------------------------------------------------------------------------------------

def pdf_notdefs(path: Path) -> list[str]:
    """Where a page draws glyph 0 (`.notdef`, the empty box) of a font. (A glyph without text of its own is no
    problem: the second glyph of a cluster, such as an Arabic mark, shares the text of the first; that the text
    comes out of the PDF as written is checked with pdftotext.)"""
    problems = []
    with pikepdf.open(path) as pdf:
        for number, page in enumerate(pdf.pages, 1):
            fonts = page.obj.get("/Resources", {}).get("/Font") or {}
            two_byte = {str(name) for name, font in fonts.items() if font.get("/Encoding") == "/Identity-H"}
            current = None
            for operands, operator in pikepdf.parse_content_stream(page):
                op = str(operator)
                if op == "Tf":
                    current = str(operands[0])
                elif op in ("Tj", "TJ") and current in two_byte:
                    strings = [s for s in operands[0] if isinstance(s, pikepdf.String)] if op == "TJ" else operands
                    for data in strings:
                        raw = bytes(data)
                        if any(raw[i:i + 2] == b"\x00\x00" for i in range(0, len(raw) - 1, 2)):
                            problems.append(f"page {number}: .notdef of {current}")
    return sorted(set(problems))


def pdf_font_names(path: Path) -> set[str]:
    with pikepdf.open(path) as pdf:
        return {str(font.get("/BaseFont")).split("+")[-1] for page in pdf.pages
                for font in (page.obj.get("/Resources", {}).get("/Font") or {}).values()}


# -- EPUB --------------------------------------------------------------------------------------------------------

def epub_uncovered(path: Path) -> set[str]:
    """Characters of the EPUB's documents that none of its embedded fonts has."""
    covered: set[int] = set()
    text = []
    with zipfile.ZipFile(path) as archive:
        for name in archive.namelist():
            if name.endswith((".otf", ".ttf")):
                covered |= set(TTFont(io.BytesIO(archive.read(name)))["cmap"].getBestCmap() or {})
            elif name.endswith(".xhtml") and not name.endswith("nav.xhtml"):
                text.append("".join(etree.fromstring(archive.read(name)).itertext()))
    return {char for char in "".join(text) if ord(char) not in covered and not char.isspace()
            and unicodedata.category(char) not in ("Cc", "Cf")}
