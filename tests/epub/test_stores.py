"""What stores and readers need: Ace, accessibility claims that hold, the cover, other languages, awkward titles, kepub."""

from __future__ import annotations

import io
import json
import shutil
import zipfile
from pathlib import Path

import pytest
from lxml import etree
from PIL import Image

from bookforge import check
from bookforge.build.orchestrate import build
from bookforge.epub import accessibility as a11y
from tests.books import REPO

NS = {"x": "http://www.w3.org/1999/xhtml", "epub": "http://www.idpf.org/2007/ops", "opf": "http://www.idpf.org/2007/opf",
      "dc": "http://purl.org/dc/elements/1.1/"}
EPUB_TYPE = "{http://www.idpf.org/2007/ops}type"
# Characters that break XML when not escaped, quotes of both kinds, and a CDATA end.
AWKWARD = 'Tom & Jerry <b>no es HTML</b> "comillas" \'simples\' ]]> y ¿qué más?'
LONG_TITLE = AWKWARD + ": " + " ".join(["una historia muy larga de cometas, cohetes y estrellas"] * 4)

SPANISH_BOOK = f"""\
metadata:
  title: {json.dumps(LONG_TITLE, ensure_ascii=False)}
  subtitle: Escenas y notas
  creators: [{{name: Ana Pérez & Co.}}]
  language: es
  identifier: urn:uuid:6f1c4c8e-0000-4000-8000-000000000001
  publisher: Editorial <Prueba>
contents:
  - title-page
  - copyright-page
  - table-of-contents
  - chapter: 01-escenas.yaml
  - chapter: 02-notas.yaml
editions:
  ebook: {{format: epub, layout: ebook, identifier: "urn:isbn:9780000000019", page_list_from: paperback}}
  kobo: {{format: kepub, layout: ebook, identifier: "urn:isbn:9780000000057", page_list_from: paperback}}
  paperback: {{format: pdf, layout: print, identifier: "urn:isbn:9780000000026"}}
"""
SENTENCES = ("José mira las estrellas desde el campo. ¿Será posible llegar tan lejos? ¡Claro que sí! "
             "Su familia lo apoya, aunque «nadie» en el pueblo lo cree… Trabaja de día y estudia de noche.")


def _chapter(title: str, kind: str, count: int) -> str:
    aside = "context" if kind == "scene" else "why_it_matters"
    entries = "".join(f"  - type: {kind}\n    title: {title} {n} — «{kind}»\n    text: >-\n      {SENTENCES}\n\n"
                      f"      Segundo párrafo, con *énfasis* y **fuerza**, número {n}.\n"
                      f"    {aside}: Por qué cuenta, en pocas palabras.\n" for n in range(1, count + 1))
    return f"title: {title}\nintroduction: Una introducción breve para el capítulo.\nentries:\n{entries}"


@pytest.fixture(scope="module")
def spanish(tmp_path_factory):
    """The largest test book: Spanish, an awkward and very long title, 90 entries, ebook + kepub + paperback."""
    project = tmp_path_factory.mktemp("es") / "libro"
    (project / "manuscript").mkdir(parents=True)
    (project / "manuscript" / "book.yaml").write_text(SPANISH_BOOK, encoding="utf-8")
    (project / "manuscript" / "01-escenas.yaml").write_text(_chapter("Escenas", "scene", 45), encoding="utf-8")
    (project / "manuscript" / "02-notas.yaml").write_text(_chapter("Notas", "note", 45), encoding="utf-8")
    shutil.copytree(REPO / "assets", project / "assets")
    return {result.name: result for result in build(project, jobs=2)}


@pytest.fixture(scope="session")
def ace():
    """DAISY Ace (installed by `npm ci`): the failed assertions for an EPUB."""
    if check.find_ace() is None:
        pytest.fail("DAISY Ace is not installed: run `make setup` (npm ci)")
    cache: dict[Path, check.CheckResult] = {}

    def run(path: Path) -> list[str]:
        if path not in cache:
            cache[path] = check.ace(path)
        assert cache[path].skipped is None, cache[path].skipped
        return list(cache[path].errors)

    return run


def package(path: Path) -> tuple[dict[str, bytes], etree._Element]:
    with zipfile.ZipFile(path) as archive:
        files = {name: archive.read(name) for name in archive.namelist()}
    return files, etree.fromstring(files["EPUB/content.opf"])


def meta(opf: etree._Element) -> set[tuple[str, str]]:
    return {(m.get("property"), m.text) for m in opf.iterfind("opf:metadata/opf:meta[@property]", NS)}


# -- validators ---------------------------------------------------------------------------------------------------

@pytest.mark.slow
def test_the_largest_test_book_passes_epubcheck_ace_and_the_accessibility_checks(spanish, epubcheck, ace):
    for name in ("ebook", "kobo"):
        path = spanish[name].path
        assert epubcheck(path) == [], name
        assert ace(path) == [], name
        assert check.accessibility(path).errors == (), name
    assert spanish["kobo"].path.name.endswith(".kepub.epub")


def test_the_accessibility_claims_of_the_sample_hold(built_sample):
    result = check.accessibility(built_sample["ebook"].path)
    assert result.errors == ()
    assert result.details["page_list"] >= 10


# -- accessibility metadata ------------------------------------------------------------------------------------------

def test_the_package_declares_epub_accessibility_1_1(built_sample):
    _, opf = package(built_sample["ebook"].path)
    found = meta(opf)
    assert ("dcterms:conformsTo", "EPUB Accessibility 1.1 - WCAG 2.2 Level AA") in found
    features = {value for prop, value in found if prop == "schema:accessibilityFeature"}
    assert {"structuralNavigation", "tableOfContents", "readingOrder", "alternativeText", "pageNavigation",
            "pageBreakMarkers", "displayTransformability"} <= features
    assert ("schema:accessibilityHazard", "none") in found
    assert {value for prop, value in found if prop == "schema:accessMode"} == {"textual", "visual"}  # the cover
    assert ("schema:accessModeSufficient", "textual") in found
    (summary,) = [value for prop, value in found if prop == "schema:accessibilitySummary"]
    assert "urn:isbn:9780000000026" in summary


def _document(body: str) -> etree._Element:
    return etree.fromstring(f'<html xmlns="http://www.w3.org/1999/xhtml" xml:lang="en"><body><h1>T</h1>{body}'
                            f'</body></html>')


def test_claims_follow_the_content_and_never_exceed_it():
    described = a11y.survey({"a": _document('<img src="a.png" alt="A rocket"/><img src="b.png" alt=""/>')})
    claims = set(a11y.claims(described, None))
    assert ("schema:accessibilityFeature", "alternativeText") in claims
    assert ("dcterms:conformsTo", a11y.CONFORMS_TO) in claims
    assert not {c for c in claims if c[1] in ("pageNavigation", "pageBreakMarkers") or c[0] == "pageBreakSource"}

    missing = a11y.survey({"a": _document('<img src="a.png" alt="A rocket"/><img src="b.png"/>')})
    claims = set(a11y.claims(missing, "urn:isbn:9780000000026"))
    assert ("schema:accessibilityFeature", "alternativeText") not in claims
    assert ("dcterms:conformsTo", a11y.CONFORMS_TO) not in claims
    assert ("schema:accessModeSufficient", "textual") not in claims
    # A page source with no markers is no page navigation.
    assert ("schema:accessibilityFeature", "pageNavigation") not in claims

    text_only = set(a11y.claims(a11y.survey({"a": _document("<p>Text.</p>")}), None))
    assert {c for c in text_only if c[0] == "schema:accessMode"} == {("schema:accessMode", "textual")}
    assert ("schema:accessibilityFeature", "alternativeText") not in text_only


# -- cover -------------------------------------------------------------------------------------------------------

def test_the_cover_is_an_image_the_stores_accept_and_a_page_of_its_own(built_sample):
    files, opf = package(built_sample["ebook"].path)
    (item,) = [i for i in opf.iterfind("opf:manifest/opf:item", NS) if "cover-image" in (i.get("properties") or "")]
    image = Image.open(io.BytesIO(files["EPUB/" + item.get("href")]))
    assert image.format == "JPEG" and item.get("media-type") == "image/jpeg"
    width, height = image.size
    assert width * height <= 4_000_000 and width >= 1400  # Apple: at most 4 MP; at least 1,400 px wide
    assert abs(height / width - 1.6) < 0.01  # KDP's 1:1.6
    assert ("cover", item.get("id")) in {(m.get("name"), m.get("content")) for m in opf.iterfind("opf:metadata/opf:meta", NS)}
    first = opf.find("opf:spine/opf:itemref", NS).get("idref")
    (page,) = [i for i in opf.iterfind("opf:manifest/opf:item", NS) if i.get("id") == first]
    cover = etree.fromstring(files["EPUB/" + page.get("href")])
    (img,) = cover.iterfind(".//x:img", NS)
    assert img.get("role") == "doc-cover" and img.get("alt").startswith("A Million Miles Away")
    nav = etree.fromstring(files["EPUB/nav.xhtml"])
    assert "cover" in {a.get(EPUB_TYPE) for a in nav.iterfind(".//x:nav//x:a", NS)}


# -- other languages and awkward titles ----------------------------------------------------------------------------

@pytest.mark.slow
def test_labels_come_from_the_books_language(spanish):
    files, opf = package(spanish["ebook"].path)
    assert opf.get("{http://www.w3.org/XML/1998/namespace}lang") == "es"
    nav = etree.fromstring(files["EPUB/nav.xhtml"])
    titles = [h.text for h in nav.iterfind(".//x:nav/x:h2", NS)]
    assert titles == ["Índice", "Puntos de referencia", "Páginas"]
    contents = etree.fromstring(files["EPUB/table-of-contents.xhtml"])
    assert "Índice" in [h.text for h in contents.iterfind(".//x:h1", NS)]
    cover = etree.fromstring(files["EPUB/cover.xhtml"])
    assert cover.findtext(".//x:title", namespaces=NS) == "Cubierta"
    chapter = etree.fromstring(files["EPUB/escenas.xhtml"])
    assert "«scene»" in "".join(chapter.itertext())  # Spanish quotes, typed by the author, kept


@pytest.mark.slow
def test_a_title_with_markup_characters_and_great_length_stays_text(spanish):
    files, opf = package(spanish["ebook"].path)
    titles = [t.text for t in opf.iterfind("opf:metadata/dc:title", NS)]
    unquoted = str.maketrans("", "", "\"'«»“”‘’")  # Spanish typography turns the author's quotes into « » and “ ”
    assert titles[0].translate(unquoted) == LONG_TITLE.translate(unquoted)
    assert opf.findtext("opf:metadata/dc:creator", namespaces=NS) == "Ana Pérez & Co."
    title_page = etree.fromstring(files["EPUB/title-page.xhtml"])
    assert title_page.find(".//x:b", NS) is None  # `<b>` was text, not markup
    assert "<b>no es HTML</b>" in "".join(title_page.itertext())
    assert len(titles[0]) > 200


# -- kepub -------------------------------------------------------------------------------------------------------

@pytest.mark.slow
def test_kepub_wraps_every_sentence_in_a_kobo_span_and_keeps_the_text(spanish):
    kobo, _ = package(spanish["kobo"].path)
    plain, _ = package(spanish["ebook"].path)
    chapter = etree.fromstring(kobo["EPUB/escenas.xhtml"])
    spans = chapter.xpath("//x:span[@class='koboSpan']", namespaces=NS)
    ids = [span.get("id") for span in spans]
    assert len(ids) == len(set(ids)) > 45 * 5
    assert all(ident.startswith("kobo.") and len(ident.split(".")) == 3 for ident in ids)
    assert {"¿Será posible llegar tan lejos? ", "¡Claro que sí! "} <= {span.text for span in spans}
    assert chapter.find(".//x:div[@id='book-columns']/x:div[@id='book-inner']", NS) is not None
    same = etree.fromstring(plain["EPUB/escenas.xhtml"])
    assert "".join(chapter.find("x:body", NS).itertext()) == "".join(same.find("x:body", NS).itertext())
    # The page list survives the spans.
    assert chapter.xpath("//*[@epub:type='pagebreak']", namespaces=NS)
