"""Reading what an author hands over without trusting it: ZIP containers (EPUB, DOCX) checked before a byte is
inflated, XML parsed with no DTD, no entities and no network."""

from __future__ import annotations

import posixpath
import pyexpat
import re
import zipfile
from dataclasses import replace
from pathlib import Path

from lxml import etree, html

from bookforge.errors import BookforgeError, Diagnostic, Location
from bookforge.files import Refused, files_under, read_inside, refusal

MAX_SOURCE_BYTES = 200 * 1024 * 1024
"""The file handed to `bookforge import` (an EPUB of photographs is large; a novel is under 5 MB)."""
MAX_ENTRIES = 5_000
MAX_ENTRY_BYTES = 64 * 1024 * 1024
"""One member once inflated: an image is checked against the book's own limit (10 MB) later."""
MAX_TOTAL_BYTES = 400 * 1024 * 1024
MAX_RATIO = 200
"""Inflated size over compressed size for a member over 1 MB, and for the whole archive (many members each under
1 MB); text compresses ~4x, a zip bomb ~1000x."""
MAX_DEPTH = 256
"""Elements inside elements, as libxml2 allows without its huge-tree option; a reader that recurses (mammoth) would
otherwise fail with Python's recursion limit."""
_DECLARATION = re.compile(rb"<!(ENTITY|DOCTYPE[^>]*\[)", re.IGNORECASE)


def read_source(path: Path, shown: str) -> bytes:
    """The bytes of the file to import, through the rule every project file is read by (regular, capped)."""
    try:
        return read_inside(path.parent.resolve(), path.name, MAX_SOURCE_BYTES)
    except Refused as exc:
        raise BookforgeError([refusal(exc, shown, Location(shown), MAX_SOURCE_BYTES)]) from None


class Archive:
    """A ZIP container whose members were all checked on opening: names inside the archive, sizes and counts within
    limits. `read` inflates no more than a member declared."""

    def __init__(self, path: Path, shown: str):
        self.shown = shown
        try:
            self._zip = zipfile.ZipFile(path)
            members = self._zip.infolist()
        except (zipfile.BadZipFile, OSError, ValueError) as exc:
            raise refused(shown, Diagnostic("import-archive", f"it is not a readable ZIP archive ({exc})",
                                            hint="export it again from the program that made it")) from None
        try:
            self.names = self._checked(members, shown)
        except BookforgeError:
            self._zip.close()
            raise

    @staticmethod
    def _checked(members: list[zipfile.ZipInfo], shown: str) -> dict[str, zipfile.ZipInfo]:
        """The members by name, once each has been checked: a name inside the archive that no other member has (the
        same after `./` or `//`: each reader may take a different one), sizes within limits."""
        if len(members) > MAX_ENTRIES:
            raise refused(shown, Diagnostic("archive-bomb", f"the archive holds {len(members):,} files; at most "
                                            f"{MAX_ENTRIES:,} are read"))
        total = packed = 0
        names: dict[str, zipfile.ZipInfo] = {}
        seen: set[str] = set()
        for member in members:
            name = member.filename
            where = f"{shown}!{name}"
            clean = posixpath.normpath(name)
            if name.startswith(("/", "\\")) or "\\" in name or re.match(r"^[A-Za-z]:", name) or clean == ".." \
                    or clean.startswith("../") or "\x00" in name:
                raise refused(where, Diagnostic("archive-path", "this member's name leads outside the archive",
                                                hint="a member is named by a path inside the archive, never `..` or "
                                                "an absolute path"))
            if clean in seen:
                raise refused(where, Diagnostic("archive-path", "another member has this name (written another way)",
                                                hint="a program reading the archive by "
                                                "name could take either: export the book again"))
            seen.add(clean)
            ratio = member.file_size // max(member.compress_size, 1)
            if member.file_size > MAX_ENTRY_BYTES:
                raise refused(where, Diagnostic("archive-bomb", f"this member inflates to {member.file_size:,} "
                                                f"bytes; at most {MAX_ENTRY_BYTES:,} are read"))
            if member.file_size > 1024 * 1024 and ratio > MAX_RATIO:
                raise refused(where, Diagnostic("archive-bomb", f"this member inflates {ratio:,} times (at most "
                                                f"{MAX_RATIO}): a compression bomb"))
            total += member.file_size
            if total > MAX_TOTAL_BYTES:
                raise refused(where, Diagnostic("archive-bomb", "the archive inflates to more than "
                                                f"{MAX_TOTAL_BYTES:,} bytes"))
            names[clean] = member
            packed += member.compress_size
        if total > 1024 * 1024 and total // max(packed, 1) > MAX_RATIO:
            raise refused(shown, Diagnostic("archive-bomb", f"the archive inflates {total // max(packed, 1):,} times "
                                            f"as a whole (at most {MAX_RATIO}): a compression bomb of many small "
                                            "members"))
        return names

    def __contains__(self, name: str) -> bool:
        return name in self.names

    def read(self, name: str) -> bytes:
        """A member's bytes; the ZIP's sizes are not trusted: reading stops one byte past what it declared."""
        member = self.names.get(posixpath.normpath(name))
        where = f"{self.shown}!{name}"
        if member is None:
            raise refused(where, Diagnostic("import-source", "the archive names this file but does not hold it"))
        try:
            with self._zip.open(member) as stream:
                data = stream.read(member.file_size + 1)
        except (zipfile.BadZipFile, OSError, ValueError, EOFError, NotImplementedError) as exc:
            raise refused(where, Diagnostic("import-archive", f"this member cannot be read ({exc})")) from None
        if len(data) > member.file_size:
            raise refused(where, Diagnostic("archive-bomb", "this member inflates to more than it declares"))
        return data

    def check_xml_members(self) -> None:
        """Refuse any member that declares a DTD subset or entities, before another library parses it: every
        member, since a Word document's parts are found through its relationships, whatever their names."""
        for name in sorted(self.names):
            xml_declarations(self.read(name), f"{self.shown}!{name}")

    def close(self) -> None:
        self._zip.close()


class Folder:
    """An unpacked EPUB (or a Standard Ebooks source's src/) read as an Archive is: every file inside the folder,
    capped, no link followed out of it."""

    def __init__(self, root: Path, shown: str):
        self.root, self.shown = root.resolve(), shown
        try:
            self.names = set(files_under(self.root, ".", MAX_ENTRIES))
        except Refused as exc:
            raise refused(shown, Diagnostic("archive-bomb", f"the folder holds {exc.detail}")) from None

    def __contains__(self, name: str) -> bool:
        return posixpath.normpath(name) in self.names

    def read(self, name: str) -> bytes:
        try:
            return read_inside(self.root, posixpath.normpath(name), MAX_ENTRY_BYTES)
        except Refused as exc:
            raise BookforgeError([refusal(exc, f"{self.shown}/{name}", None, MAX_ENTRY_BYTES)]) from None

    def check_xml_members(self) -> None:
        """The XML files only: a folder is an unpacked EPUB, whose documents are checked again as they are parsed
        (no mammoth reads a folder), so its pictures need not be read twice."""
        for name in sorted(self.names):
            if name.endswith((".xml", ".opf", ".ncx", ".xhtml", ".html", ".htm")):
                xml_declarations(self.read(name), f"{self.shown}/{name}")

    def close(self) -> None:
        pass


class _Declared(Exception):
    """Raised from expat's handlers: the document declares what bookforge never expands."""


class _TooDeep(Exception):
    """Raised from expat's handlers: deeper than MAX_DEPTH (mammoth and the converter recurse into elements)."""


def xml_declarations(data: bytes, shown: str) -> None:
    """A document that declares entities (or an internal DTD subset) is refused: entity expansion is how an XML
    bomb or an external-entity read works, and no book needs it; so is one nested deeper than MAX_DEPTH. expat reads the declarations as every XML parser
    does (in any encoding, after any comment, whatever the member is called); when expat cannot read the document
    (an encoding it lacks, HTML), the raw bytes are searched as well."""
    parser = pyexpat.ParserCreate()

    def declared(*_: object) -> None:
        raise _Declared

    parser.StartDoctypeDeclHandler = lambda _name, _system, _public, subset: declared() if subset else None
    parser.EntityDeclHandler = parser.UnparsedEntityDeclHandler = declared
    parser.SetParamEntityParsing(pyexpat.XML_PARAM_ENTITY_PARSING_NEVER)
    depth = 0

    def opened(*_: object) -> None:
        nonlocal depth
        depth += 1
        if depth > MAX_DEPTH:
            raise _TooDeep

    def closed(_: str) -> None:
        nonlocal depth
        depth -= 1

    parser.StartElementHandler, parser.EndElementHandler = opened, closed
    try:
        parser.Parse(data, True)
        return
    except _TooDeep:
        raise BookforgeError([Diagnostic("import-source", f"this document nests elements more than {MAX_DEPTH} deep",
                                         Location(shown, parser.CurrentLineNumber, parser.CurrentColumnNumber + 1),
                                         "no book nests that deep: export it again")]) from None
    except _Declared:
        line = parser.CurrentLineNumber
    except pyexpat.ExpatError:
        found = _DECLARATION.search(data) if b"<!" in data else None
        if found is None:
            return
        line = data.count(b"\n", 0, found.start()) + 1
    raise BookforgeError([Diagnostic("xml-entity", "this document declares XML entities or a DTD subset",
                                     Location(shown, line, 1),
                                     "save it again without a DOCTYPE subset (bookforge never expands entities)")])


_XML = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False, remove_comments=True,
                       remove_pis=True)
_HTML = html.HTMLParser(no_network=True, remove_comments=True, remove_pis=True, default_doctype=False)


def parse_xml(data: bytes, shown: str) -> etree._Element:
    """Well-formed XML, or a located `import-source` error."""
    xml_declarations(data, shown)
    try:
        root = etree.fromstring(data, _XML)
    except etree.XMLSyntaxError as exc:
        raise BookforgeError([Diagnostic("import-source", f"this XML is not well-formed: {exc.msg}",
                                         Location(shown, exc.lineno or 0, exc.offset or 0))]) from None
    if root is None:
        raise refused(shown, Diagnostic("import-source", "this XML document is empty"))
    return root


def parse_markup(data: bytes, shown: str) -> etree._Element:
    """An XHTML document, or, when it is not well-formed XML or uses HTML's named entities (an EPUB 2's
    `&nbsp;`), the same bytes read as HTML."""
    xml_declarations(data, shown)
    try:
        root = etree.fromstring(data, _XML)
        # An entity the (never loaded) DTD would define, `&nbsp;`, is left unexpanded: HTML's parser knows it.
        if root is not None and next(root.iter(etree.Entity), None) is None:
            return root
    except etree.XMLSyntaxError as exc:
        if "depth" in exc.msg:  # HTML's parser would cut the deep part off without a word
            raise BookforgeError([Diagnostic("import-source", f"this document nests elements more than {MAX_DEPTH} deep",
                                             Location(shown, exc.lineno or 0, exc.offset or 0))]) from None
    return html.fromstring(data, parser=_HTML)


def refused(shown: str, diagnostic: Diagnostic) -> BookforgeError:
    """The one problem that stops an import, located at `shown` (a file, or a member of an archive)."""
    return BookforgeError([replace(diagnostic, location=Location(shown))])
