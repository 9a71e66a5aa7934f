"""Long public-domain books as bookforge projects: the benchmark corpus.

    python bench/corpus.py SOURCE OUT [--straight]

SOURCE is a Standard Ebooks source repository (a git clone or mirror of github.com/standardebooks/...; their
transcriptions are dedicated to the public domain, CC0) or its src/ folder. Each body-matter document of the spine
becomes a chapter whose prose is Markdown (markdownify); a dictionary's definition lists become `**Headword**, *n.*`
paragraphs. `--straight` writes straight quotes and apostrophes instead of the source's curly ones, so bookforge's
smart quotes can be compared with a proof-read text (bench/quotes.py).

The converted manuscripts of the corpus are kept in bench/corpus/<book>/manuscript (the sources are not needed to
run the benchmarks); `bench/corpus.py --all` rewrites them from the mirrors listed in SOURCES.
"""

from __future__ import annotations

import argparse
import io
import shutil
import subprocess
import sys
from pathlib import Path

import yaml
from lxml import etree
from markdownify import MarkdownConverter

REPO = Path(__file__).resolve().parent.parent
CORPUS = REPO / "bench" / "corpus"
MIRRORS = Path("/work/.mirror")
SOURCES = {  # book folder in bench/corpus -> Standard Ebooks repository
    "sherlock-holmes": "standardebooks/arthur-conan-doyle_the-adventures-of-sherlock-holmes",
    "devils-dictionary": "standardebooks/ambrose-bierce_the-devils-dictionary",
}
NS = {"x": "http://www.w3.org/1999/xhtml", "opf": "http://www.idpf.org/2007/opf",
      "dc": "http://purl.org/dc/elements/1.1/", "epub": "http://www.idpf.org/2007/ops"}
EPUB_TYPE = "{http://www.idpf.org/2007/ops}type"
PARTS_OF_SPEECH = {"noun": "n.", "verb": "v.", "verb-transitive": "v.t.", "verb-intransitive": "v.i.",
                   "adjective": "adj.", "adverb": "adv.", "exclamation": "exclam.", "pronoun": "pron.",
                   "preposition": "prep.", "conjunction": "conj.", "interjection": "interj."}
STRAIGHT = str.maketrans({"“": '"', "”": '"', "‘": "'", "’": "'"})


class _Converter(MarkdownConverter):
    """Inline semantics Standard Ebooks marks up (abbr, time, spans with lang) keep their text only."""

    def convert_dfn(self, el, text, **options):
        return f"**{text}**"


def _markdown(element: etree._Element) -> str:
    html = etree.tostring(element, encoding="unicode", method="xml")
    text = _Converter(heading_style="ATX", strip=["a", "img"], escape_misc=False,
                      newline_style="backslash").convert(html)
    return "\n\n".join(block.strip() for block in text.split("\n\n") if block.strip())


def _read(source: Path, name: str) -> bytes:
    """A file of the source: from a working tree, or from a bare mirror's HEAD."""
    for base in (source / "src", source):
        if (base / name).is_file():
            return (base / name).read_bytes()
    return subprocess.run(["git", "-C", str(source), "show", f"HEAD:src/{name}"], check=True,
                          capture_output=True).stdout


def _chapter(root: etree._Element) -> tuple[str, str]:
    """(title, Markdown prose) of one body-matter document."""
    body = root.find("x:body", NS)
    heading = body.find(".//x:h2", NS)
    title = "".join(heading.itertext()).strip() if heading is not None else root.findtext(".//x:title", "", NS)
    if heading is not None:
        heading.getparent().remove(heading)
    for subheading in body.iterfind(".//x:h3", NS):  # a story's numbered sections: a paragraph of their own
        subheading.tag = f"{{{NS['x']}}}p"
        subheading.text = f"**{''.join(subheading.itertext()).strip()}.**"
        for child in list(subheading):
            subheading.remove(child)
    for line_group in [p for p in body.iterfind(".//x:p", NS) if p.find("x:br", NS) is not None]:
        # Verse: a line per span, the source's indentation between them is not text; indented lines keep it.
        for element in line_group.iter():
            if element is not line_group and element.tail and not element.tail.strip():
                element.tail = None
            if element.get("class", "").startswith("i") and element.get("class", "")[1:].isdigit():
                element.text = "\u00a0" * 2 * int(element.get("class")[1:]) + (element.text or "")
        if line_group.text and not line_group.text.strip():
            line_group.text = None
    for rule in body.iterfind(".//x:hr", NS):  # a section break
        rule.tag, rule.text = f"{{{NS['x']}}}p", "* * *"
    for term in list(body.iterfind(".//x:dt", NS)):  # a headword and its part of speech open the definition
        definition = term.getnext()
        first = definition.find("x:p", NS) if definition is not None else None
        if first is None:
            term.tag = f"{{{NS['x']}}}p"
            continue
        lead = [etree.Element(f"{{{NS['x']}}}b")]
        lead[0].text = "".join(term.itertext()).strip()
        pos = PARTS_OF_SPEECH.get(term.get("class", ""))
        if pos:
            lead[0].tail = ", "
            lead.append(etree.Element(f"{{{NS['x']}}}i"))
            lead[1].text = pos
        lead[-1].tail = (lead[-1].tail or "") + " " + (first.text or "")
        first.text = None
        for index, element in enumerate(lead):
            first.insert(index, element)
        term.getparent().remove(term)
    for group in body.iterfind(".//x:dl", NS):
        group.tag = f"{{{NS['x']}}}div"
    for definition in body.iterfind(".//x:dd", NS):
        definition.tag = f"{{{NS['x']}}}div"
    return title, _markdown(body)


def convert(source: Path, out: Path, straight: bool = False) -> Path:
    opf = etree.fromstring(_read(source, "epub/content.opf"))
    manifest = {item.get("id"): item.get("href") for item in opf.iterfind(".//opf:manifest/opf:item", NS)}
    metadata = opf.find("opf:metadata", NS)
    chapters, contents = [], ["title-page", "copyright-page", "table-of-contents"]
    if out.exists():
        shutil.rmtree(out)
    (out / "manuscript").mkdir(parents=True)
    for itemref in opf.iterfind(".//opf:spine/opf:itemref", NS):
        href = manifest[itemref.get("idref")]
        root = etree.parse(io.BytesIO(_read(source, f"epub/{href}"))).getroot()
        body = root.find("x:body", NS)
        if "bodymatter" not in (body.get(EPUB_TYPE) or ""):
            continue
        title, text = _chapter(root)
        if straight:
            text, title = text.translate(STRAIGHT), title.translate(STRAIGHT)
        name = f"{len(chapters) + 1:02d}-{Path(href).stem}.yaml"
        chapter = {"title": title, "introduction": text}
        (out / "manuscript" / name).write_text(yaml.dump(chapter, Dumper=_Dumper, allow_unicode=True,
                                                              sort_keys=False, width=110), encoding="utf-8")
        chapters.append(name)
        contents.append({"chapter": name})
    creators = [{"name": c.text, "role": "author"} for c in metadata.iterfind("dc:creator", NS)]
    book = {
        "metadata": {"title": metadata.findtext("dc:title", "", NS), "creators": creators,
                     "language": metadata.findtext("dc:language", "en", NS),
                     "identifier": "urn:uuid:" + _uuid(metadata.findtext("dc:identifier", "", NS)),
                     "publisher": "bookforge benchmark corpus",
                     "description": metadata.findtext("dc:description", "", NS),
                     "subjects": [s.text for s in metadata.iterfind("dc:subject", NS)][:5]},
        "contents": contents,
        "editions": {"ebook": {"format": "epub", "layout": "ebook", "identifier": "urn:isbn:9780000000019",
                               "page_list_from": "paperback"},
                     "paperback": {"format": "pdf", "layout": "paperback", "identifier": "urn:isbn:9780000000026"},
                     "large-print": {"format": "pdf", "layout": "large-print",
                                     "identifier": "urn:isbn:9780000000033"},
                     "kobo": {"format": "kepub", "layout": "ebook", "identifier": "urn:isbn:9780000000057"}},
    }
    (out / "manuscript" / "book.yaml").write_text(yaml.safe_dump(book, allow_unicode=True, sort_keys=False,
                                                                 width=110), encoding="utf-8")
    return out


class _Dumper(yaml.SafeDumper):
    """Prose as block scalars (`|`), as an author would write it."""


_Dumper.add_representer(str, lambda dumper, text: dumper.represent_scalar(
    "tag:yaml.org,2002:str", text, style="|" if "\n" in text else None))


def _uuid(seed: str) -> str:
    import uuid

    return str(uuid.uuid5(uuid.NAMESPACE_URL, seed))


def project(book: str, folder: Path, straight: bool = False) -> Path:
    """A buildable project of corpus book `book` in `folder`: its manuscript, and this repository's layouts and
    fonts (with `straight`, the manuscript's quotes made straight)."""
    if folder.exists():
        shutil.rmtree(folder)
    shutil.copytree(CORPUS / book / "manuscript", folder / "manuscript")
    shutil.copytree(REPO / "assets", folder / "assets")
    shutil.copytree(REPO / "layouts", folder / "layouts")
    if straight:
        for path in (folder / "manuscript").glob("0*.yaml"):
            path.write_text(path.read_text(encoding="utf-8").translate(STRAIGHT), encoding="utf-8")
    return folder


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("source", type=Path, nargs="?")
    parser.add_argument("out", type=Path, nargs="?")
    parser.add_argument("--straight", action="store_true", help="straight quotes, for bench/quotes.py")
    parser.add_argument("--all", action="store_true", help="rewrite bench/corpus from the mirrors in SOURCES")
    args = parser.parse_args()
    if args.all:
        for book, repository in SOURCES.items():
            mirror = MIRRORS / repository.replace("/", "+") / "repo"
            if not mirror.exists():
                sys.exit(f"no mirror of {repository} at {mirror}")
            converted = convert(mirror, Path("/tmp") / f"corpus-{book}")
            target = CORPUS / book / "manuscript"
            shutil.rmtree(target, ignore_errors=True)
            shutil.copytree(converted / "manuscript", target)
            print(f"wrote {target}")
        return
    if args.source is None or args.out is None:
        parser.error("give SOURCE and OUT, or --all")
    print(f"wrote {convert(args.source, args.out, args.straight)}")


if __name__ == "__main__":
    main()
