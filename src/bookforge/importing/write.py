"""ImportedBook -> a book project that builds at once: manuscript/book.yaml (the metadata, the contents in reading
order, the four standard editions), one Markdown chapter file per chapter, the images under assets/images/."""

from __future__ import annotations

import re
import uuid
from pathlib import Path

import yaml

from bookforge.errors import BookforgeError, Diagnostic, Location
from bookforge.files import Refused, write_inside, write_refusal
from bookforge.importing.images import SOURCE_COVER
from bookforge.importing.model import ImportedBook, ImportedChapter, notice
from bookforge.manuscript.contents import BODY_MATTER, MATTER
from bookforge.manuscript.model import CREATOR_ROLES
from bookforge.manuscript.schema import BOOK_SCHEMA, CHAPTER_SCHEMA, SCHEMA_REF, schemas
from bookforge.manuscript.typeload import project_types
from bookforge.manuscript.types import TYPES_FILE

EDITIONS = (("ebook", "epub", "ebook"), ("paperback", "pdf", "print"), ("large-print", "pdf", "large-print"),
            ("pocket", "pdf", "pocket"))
"""The four standard editions, each on bookforge's own layout of its name."""
LANGUAGE = re.compile(r"^[A-Za-z]{2,3}(-[A-Za-z0-9]{1,8})*$")
DATE = re.compile(r"^\d{4}(-\d{2}(-\d{2})?)?")


def write_project(book: ImportedBook, folder: Path, source_name: str, *,
                  force: bool = False) -> tuple[list[Path], list[Diagnostic]]:
    """Write the project into `folder` (new, or empty unless `force`): the files written, and what the metadata
    lacked."""
    manuscript = folder / "manuscript"
    if manuscript.exists() and any(manuscript.iterdir()) and not force:
        raise BookforgeError([Diagnostic("folder-not-empty", f"`{manuscript}` already holds a manuscript",
                                         Location(str(manuscript)), "import into a new folder, or add --force")])
    notices: list[Diagnostic] = []
    files: dict[Path, bytes] = {}
    names = _file_names(book.chapters)
    for chapter, name in zip(book.chapters, names):
        if chapter.kind != "part":
            files[manuscript / name] = (chapter_yaml(chapter) if chapter.entries else chapter_markdown(chapter)
                                        ).encode("utf-8")
    if book.types:
        files[manuscript / TYPES_FILE] = book.types.encode("utf-8")
    for image in book.images:
        files[folder / "assets" / image.path] = image.data
    cover = book.metadata.get("cover_image")
    if cover:
        suffix = Path(cover[0]).suffix.lower() or ".img"
        target = folder / "assets" / "images" / f"{SOURCE_COVER}{suffix}"
        files[target] = cover[1]
        notices.append(notice(f"the source's cover was kept as {target.relative_to(folder)}: bookforge draws each "
                              "edition's cover from the metadata and the layout", source_name))
    metadata = book_metadata(book.metadata, source_name, notices)
    data = {"metadata": metadata, "contents": contents(book.chapters, names, notices),
            "editions": {name: {"format": fmt, "layout": layout,
                                "identifier": _uuid(f"{metadata['identifier']}/{name}")}
                         for name, fmt, layout in EDITIONS}}
    files[manuscript / "book.yaml"] = (f"# yaml-language-server: $schema={SCHEMA_REF}{BOOK_SCHEMA}\n"
                                       f"# Imported from {source_name} by `bookforge import`.\n"
                                       + yaml.safe_dump(data, allow_unicode=True, sort_keys=False, width=110)
                                       ).encode("utf-8")
    files[folder / ".gitignore"] = b"/build/\n"
    schema_folder = manuscript / "schema"
    _check_targets(folder, [*files, *(schema_folder / name for name in schemas()), folder / "layouts",
                            folder / "assets"], force)
    for path, content in files.items():
        _write(folder, path, content, force)
    for name in ("layouts", "assets"):
        (folder / name).mkdir(exist_ok=True)
    written = [*files]
    for name, text in schemas(project_types(folder)).items():
        _write(folder, schema_folder / name, text.encode("utf-8"), True)
        written.append(schema_folder / name)
    return written, notices


def _check_targets(folder: Path, targets: list[Path], force: bool) -> None:
    """Before anything is written: no target, nor a folder on the way to it, is a symbolic link (an output folder
    prepared to lead elsewhere), and, without --force, no file exists (a project's files are never overwritten)."""
    for target in targets:
        steps = [folder, *(folder / Path(*target.relative_to(folder).parts[:n])
                           for n in range(1, len(target.relative_to(folder).parts) + 1))]
        linked = next((step for step in steps if step.is_symlink()), None)
        if linked is not None or (not force and target.exists() and not target.is_dir()):
            raise BookforgeError([write_refusal(linked or target, "a symbolic link" if linked else "already there")])


def _write(folder: Path, path: Path, data: bytes, replace: bool) -> None:
    try:
        write_inside(folder, path.relative_to(folder), data, replace=replace)
    except Refused as exc:
        raise BookforgeError([write_refusal(path, exc.detail or exc.kind)]) from None


def chapter_markdown(chapter: ImportedChapter) -> str:
    """A Markdown chapter file: front matter with the title (when it has one), the prose as its body."""
    head = f"---\n{yaml.safe_dump({'title': chapter.title}, allow_unicode=True, width=1000)}---\n\n" \
        if chapter.title else ""
    return f"{head}{chapter.text.strip()}\n"


def chapter_yaml(chapter: ImportedChapter) -> str:
    """A chapter of typed entries (`--entries`): YAML with every text in a block scalar."""
    entries = [{key: value if key in ("type", "title") else Written(value) for key, value in entry.items()}
               for entry in chapter.entries]
    data = {**({"title": chapter.title} if chapter.title else {}), "entries": entries}
    dumped = yaml.dump(data, Dumper=_Dumper, allow_unicode=True, sort_keys=False, width=100)
    return f"# yaml-language-server: $schema={SCHEMA_REF}{CHAPTER_SCHEMA}\n{dumped}"


class Written(str):
    """Markdown whose lines are kept as the converter wrote them (verse, quotations, lists): a literal block (`|`),
    which YAML reads line for line, where a folded one (`>-`) would run verse together."""


class _Dumper(yaml.SafeDumper):
    pass


_Dumper.add_representer(Written, lambda dumper, text: dumper.represent_scalar("tag:yaml.org,2002:str", text.strip(),
                                                                              style="|"))


def contents(chapters: tuple[ImportedChapter, ...], names: list[str], notices: list[Diagnostic]) -> list[object]:
    """book.yaml's `contents`: generated pages, then each file under its kind; matter of no particular type is
    front or back matter by where it stands; a part holds the chapters up to the next part or the back matter (a
    part with none is left out, and reported)."""
    items: list[object] = ["title-page", "copyright-page", "table-of-contents"]
    body_seen = False
    part: dict | None = None
    parts: list[tuple[ImportedChapter, dict]] = []
    last_body = max((n for n, c in enumerate(chapters) if c.kind in ("chapter", "part", *BODY_MATTER)), default=-1)
    for number, (chapter, name) in enumerate(zip(chapters, names)):
        kind = chapter.kind
        if kind in ("frontmatter", "backmatter"):
            kind = "frontmatter" if not body_seen else "backmatter" if number > last_body else "chapter"
        if kind == "part":
            part = {"part": chapter.title or "Part", **({"label": chapter.label} if chapter.label else {}),
                    **({"text": chapter.text} if chapter.text.strip() else {}), "contents": []}
            items.append(part)
            parts.append((chapter, part))
            body_seen = True
            continue
        body_seen = body_seen or kind in ("chapter", *BODY_MATTER)
        item = {kind if kind in MATTER or kind in ("frontmatter", "backmatter") else "chapter": name}
        if part is not None and number <= last_body and kind not in ("frontmatter", "backmatter"):
            part["contents"].append(item)
        else:
            items.append(item)
    empty = [(chapter, item) for chapter, item in parts if not item["contents"]]
    for chapter, item in empty:
        notices.append(notice(f"the part `{item['part']}` has no chapter after it: it was left out of the contents",
                              chapter.source))
    return [item for item in items if all(item is not left_out for _, left_out in empty)]


def book_metadata(source: dict, source_name: str, notices: list[Diagnostic]) -> dict[str, object]:
    """book.yaml's metadata from a source's (whose text values are inline Markdown already), with what is missing
    or malformed made good and reported."""
    title = str(source.get("title") or "").strip() or Path(source_name).stem.replace("-", " ").replace("_", " ")
    creators = [c for c in source.get("creators") or [] if c.get("role", "author") in CREATOR_ROLES]
    if not creators:
        creators = [{"name": "Unknown Author"}]
        notices.append(notice("the source names no author: book.yaml says `Unknown Author`", source_name))
    language = str(source.get("language") or "").strip()
    if not LANGUAGE.match(language):
        if language:
            notices.append(notice(f"`{language}` is not a language tag: book.yaml says `en`", source_name))
        language = "en"
    identifier = str(source.get("identifier") or "").strip() or f"{title}/{creators[0]['name']}"
    metadata: dict[str, object] = {"title": title}
    if source.get("subtitle"):
        metadata["subtitle"] = str(source["subtitle"])
    metadata.update({"creators": creators, "language": language,
                     "identifier": identifier if identifier.startswith("urn:") else _uuid(identifier)})
    for key in ("publisher", "rights"):
        if source.get(key):
            metadata[key] = str(source[key])
    date = DATE.match(str(source.get("date") or ""))
    if date:
        metadata["date"] = date.group()
    if source.get("description"):
        metadata["description"] = str(source["description"])
    if source.get("subjects"):
        metadata["subjects"] = [str(s) for s in source["subjects"]]
    series = source.get("series")
    if series and series.get("name"):
        number = str(series.get("number") or "").strip()
        metadata["series"] = {"name": series["name"],
                              **({"number": number} if re.fullmatch(r"\d+(\.\d+)?", number) else {})}
    return metadata


def _file_names(chapters: tuple[ImportedChapter, ...]) -> list[str]:
    names, seen = [], set()
    for number, chapter in enumerate(chapters, 1):
        words = re.sub(r"[^a-z0-9]+", "-", (chapter.title or chapter.kind).lower()).strip("-").split("-")
        stem = f"{number:03d}-" + ("-".join(words[:5]) or chapter.kind)
        suffix = ".yaml" if chapter.entries else ".md"
        name = f"{stem}{suffix}"
        while name in seen:
            name = f"{stem}-{len(seen)}{suffix}"
        seen.add(name)
        names.append(name)
    return names


def _uuid(seed: str) -> str:
    return f"urn:uuid:{uuid.uuid5(uuid.NAMESPACE_URL, seed)}"
