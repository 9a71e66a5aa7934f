"""Source locations and diagnostics: what went wrong, where, and what to do about it."""

from __future__ import annotations

import difflib
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True, order=True)
class Location:
    """A place in an author's file; line and column count from 1 (0 means unknown)."""

    file: str
    line: int = 0
    column: int = 0

    def __str__(self) -> str:
        if not self.line:
            return self.file
        return f"{self.file}:{self.line}:{self.column}"


@dataclass(frozen=True)
class Diagnostic:
    """One problem, reported as `file:line:col: severity[code]: message` with an optional hint."""

    code: str
    message: str
    location: Location | None = None
    hint: str | None = None
    severity: str = "error"

    def __str__(self) -> str:
        where = f"{self.location}: " if self.location else ""
        text = f"{where}{self.severity}[{self.code}]: {self.message}"
        if self.hint:
            text += f"\n    hint: {self.hint}"
        return text


CODES: dict[str, str] = {
    # Reading YAML files
    "no-book": "there is no manuscript/book.yaml: run bookforge in a book project, or make one with `bookforge new`",
    "file-missing": "a file the book names does not exist: check its name and folder",
    "file-unreadable": "a file exists but cannot be read (permissions, or not a regular file)",
    "file-too-large": "one manuscript file is over the size limit: split it into several files",
    "not-utf8": "a file is not saved as UTF-8: save it again with that encoding",
    "bad-character": "a character a book cannot hold (a control character or noncharacter): delete it",
    "yaml-syntax": "the YAML is malformed (indentation, quotes, a tab): fix it at the place shown",
    "yaml-alias": "YAML anchors, aliases and merge keys are refused: write the text out in full",
    "yaml-tag": "YAML tags (`!!python/...`) are refused: plain text, numbers, lists and mappings only",
    "yaml-key": "a key must be a plain word, not a list or a mapping",
    "yaml-comment": "` #` in a plain value starts a YAML comment and the rest of the line is lost: quote the value "
                    "or write it as a block (`>-`)",
    "front-matter": "a Markdown chapter's front matter (the YAML between `---` lines) is malformed or has an "
                    "unknown key",
    "duplicate-key": "a key is given twice in one mapping; YAML would silently keep only the last",
    "too-deep": "lists and mappings nest too deeply: check the indentation",
    "text-too-long": "one text value is over the length limit: split it into several entries",
    # The manuscript's content
    "empty-file": "a manuscript file is empty: it needs the keys its kind of file requires",
    "missing-key": "a required key is missing (an entry's `type`, a scene's `context`...)",
    "unknown-key": "a key the file does not know, often misspelt: the hint names the closest one",
    "wrong-type": "a value of the wrong kind (a list where text is expected, text where a mapping is)",
    "empty-value": "a value that may not be empty is empty",
    "bad-value": "a value that is not one of those allowed (a date, a language tag, an entry type, a format)",
    "bad-isbn": "an `urn:isbn:` identifier whose check digit is wrong: copy the ISBN from your agency's record",
    "invalid": "a value the model refuses for another reason: the message says which",
    "unknown-file": "an edition leaves out a file that `contents` does not name",
    "path-outside": "a file the book names is outside the project (or, for images, outside assets/)",
    "bad-path": "a path that cannot be opened or is not a plain file name",
    "too-many-parts": "`contents` names more items than allowed: put several chapters into one file",
    "too-many-entries": "a chapter, or the whole book, has more entries than allowed: split it",
    "book-too-large": "all the manuscript files together are over the size limit: make several volumes",
    # Entry types (types.yaml: the book's own, or its layouts') and the references between entries
    "bad-type-name": "an entry type's name is not lower-case letters, digits and `-`, starting with a letter",
    "bad-field-name": "a field's name is not lower-case letters, digits and `_`, starting with a letter",
    "reserved-name": "a type or field takes a name bookforge uses itself (`chapter`, `part`, `id`...): rename it",
    "duplicate-type": "an entry type is declared twice (or takes the name of `scene`, `note`, `figure`): rename one",
    "bad-declaration": "a type's option names no field of the right kind, or belongs to another kind of field",
    "bad-default": "a field's `default` is not a value of its kind, or the field is also `required`",
    "too-many-types": "more entry types are declared than allowed: merge some",
    "too-many-fields": "an entry type has more fields than allowed: split it into two types",
    "unknown-reference": "a reference names no entry of the types it may refer to, often misspelt",
    "ambiguous-reference": "a reference names a title that several entries have: give them different titles",
    # Figures and other images
    "missing-alt": "an image (a figure, an image field, an image in prose) has no text alternative: describe it, "
                   "or mark it decorative",
    "not-an-image": "a figure's file is not a PNG, JPEG, GIF or self-contained SVG, or its name says otherwise",
    "image-too-large": "an image has too many bytes or pixels: save it smaller",
    "cover-image": "the author's cover art is not a PNG or JPEG image, or too small for the stores (or the press)",
    "cover-wrap": "a finished cover wrap is not a one-page PDF, or its width is not the one the page count gives",
    "remote-image": "a figure names a URL: download the image into assets/ (remote images are off by default)",
    # Editions and layouts
    "unknown-edition": "the command names an edition the book does not have",
    "page-list-source": "`page_list_from` must name a print edition, and only on an ebook edition",
    "layout-format": "an edition's layout makes another format than the edition's",
    "bad-layout-name": "a layout is named, never given as a path",
    "unknown-layout": "no layout of that name in the project's layouts/ or bookforge's own",
    "layout-cycle": "layouts extend each other in a circle",
    "unknown-setting": "a layout sets a setting the base layout does not declare, often misspelt",
    "bad-setting": "a setting's value is not one it can take (a choice, a trim size, a length)",
    "font-missing": "a font file the layout names is neither in the project's assets/ nor in a layout's folder",
    "layout-exists": "`bookforge new-layout` would overwrite a layout, or shadow one of bookforge's",
    "template-missing": "a template includes or extends one that no layout of the chain has",
    "template-undefined": "a template uses a variable bookforge does not pass in, often misspelt",
    "template-unsafe": "a template tried something the sandbox forbids (Python internals)",
    "template-error": "a template has a syntax error or fails as it renders",
    # Print
    "pdf-render": "WeasyPrint could not use part of the layout (bad CSS, a missing image) or refused to fetch it",
    "pdf-variant": "the PDF lacks what its variant (PDF/X, PDF/UA) requires",
    "cover-overflow": "the book's description does not fit on the back cover even in the smallest type: shorten it",
    "font-fallback": "a warning: characters missing from the layout's fonts were drawn with this machine's fonts",
    "missing-glyphs": "a warning: no font of the layout's fallback chain has these characters (they print as boxes)",
    # Building and writing
    "bad-environment": "SOURCE_DATE_EPOCH is set but is not a number of seconds",
    "build-running": "another build is writing to the same output folder: wait for it",
    "cannot-read": "a file could not be read while building",
    "cannot-write": "the output folder cannot be written: make it writable, or write elsewhere with `-o DIR`",
    "disk-full": "the disk is full; the last build's files were kept",
    "footnote-moved": "WeasyPrint set a footnote on a later page than its reference: reword or move the note",
    "not-a-file": "a path the book or layout names is a folder, a pipe or a device, not a regular file",
    "not-a-font": "a layout's font file is not a font (OpenType, TrueType or WOFF), judged from its bytes",
    "unsafe-css": "a stylesheet refers to something outside the book (a file, an address, a loop of imports) or sets "
                  "a page larger than a printer prints",
    "unsafe-markup": "a template writes markup a book may not hold (scripts, frames, forms, event handlers, "
                     "file: or javascript: links)",
    "template-limit": "a template asked for more than a book needs (a huge range, string or number, deep recursion)",
    "template-budget": "rendering the templates took longer or more memory than its budget: look for a runaway loop",
    "layout-budget": "laying the pages out took longer or more memory than its budget",
    "no-catalogue": "there is no catalogue.yaml here: run `bookforge catalogue` in the press's folder",
    "no-books": "catalogue.yaml lists no books: list the book project folders under `books:`",
    "book-missing": "a folder catalogue.yaml lists is not a book project (it has no manuscript/book.yaml)",
    "duplicate-book": "catalogue.yaml lists the same book twice",
    "folder-missing": "a folder catalogue.yaml names does not exist",
    "task-failed": "a catalogue worker could not build an edition (it crashed or was lost): the message says why",
    "not-followed": "a symbolic link (or a file) where bookforge keeps a folder or file of its own: remove it",
    "bookforge-bug": "bookforge itself failed (the preview shows the traceback): please report it",
    # Other commands
    "folder-not-empty": "`bookforge new` and `bookforge import` write only into a new or empty folder",
    "file-exists": "`bookforge import-text` would overwrite a chapter file: use --force to replace it",
    "import-layout": "the text to import is not laid out as titled entries with `Context:` or `Why it matters:`",
    "import-source": "`bookforge import` cannot read this source: not a kind it knows, or a part is malformed or "
                     "missing",
    "import-archive": "an EPUB or Word file is not a readable ZIP archive: export it again",
    "archive-bomb": "an archive inflates to more files or bytes than a book holds, or more than it declares",
    "archive-path": "an archive's member is named by a path leading outside it (`..`, an absolute path)",
    "xml-entity": "an XML document declares entities or a DTD subset, which bookforge never expands",
    "import-simplified": "a warning: something of the imported book the manuscript cannot say as it was (it is kept "
                         "as text where it has any)",
}
"""Every diagnostic code bookforge reports, with what it means; tests check that the table and the code agree."""


class BookforgeError(Exception):
    """The author's input (or environment) is wrong; carries every problem found, not just the first."""

    def __init__(self, diagnostics: Iterable[Diagnostic]):
        self.diagnostics = tuple(diagnostics)
        super().__init__("\n".join(str(d) for d in self.diagnostics))

    def __reduce__(self):
        # Builds in worker processes send their problems back pickled.
        return (type(self), (self.diagnostics,))


def by_location(d: Diagnostic) -> tuple:
    """Sort key: by file, then line and column, so the author can work down each file."""
    loc = d.location or Location("")
    return (loc.file, loc.line, loc.column, d.code)


def did_you_mean(word: str, choices: Iterable[str]) -> str | None:
    """A hint naming the closest valid choice, or listing them when none is close."""
    choices = sorted(set(choices))
    close = difflib.get_close_matches(word, choices, n=1, cutoff=0.6)
    if close:
        return f"did you mean `{close[0]}`?"
    if choices:
        return "expected one of: " + ", ".join(f"`{c}`" for c in choices)
    return None


def display_path(path: Path, root: Path) -> str:
    """A path as the author knows it: relative to the project when inside it."""
    try:
        return path.resolve().relative_to(root.resolve()).as_posix()
    except ValueError:
        return str(path)
