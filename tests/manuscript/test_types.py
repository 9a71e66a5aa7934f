"""Entry types as data: the declarations, the entries they make, sorting, references, schemas (issue 14).

The bad declarations and entries are case folders (tests/cases/invalid/types-*, declared-*); the test books, built
in every edition, are in tests/build/test_types_books.py; rendering is in tests/render/test_types_render.py.
"""

from __future__ import annotations

import json
import pickle
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from bookforge.build.edition import word_count
from bookforge.cli import main
from bookforge.errors import BookforgeError
from bookforge.manuscript.load import load_book
from bookforge.manuscript.ordering import initial, sort_key
from bookforge.manuscript.schema import schemas
from bookforge.manuscript.typeload import load_entry_types, project_types
from bookforge.render import markup
from bookforge.render.entries import PLAIN, inline, prose
from tests.books import REPO
from tests.dictionary import make as make_dictionary

BOOKS = REPO / "tests" / "cases"
"""The cookbook and the field guide (the dictionary is generated: tests/dictionary.py)."""


def book_copy(name: str, tmp_path: Path) -> Path:
    """A test book copied with the sample's fonts."""
    root = tmp_path / name
    shutil.copytree(BOOKS / name, root)
    shutil.copytree(REPO / "assets", root / "assets", dirs_exist_ok=True)
    return root


@pytest.fixture(scope="module")
def dictionary(tmp_path_factory) -> Path:
    return make_dictionary(tmp_path_factory.mktemp("types") / "dictionary")


# --- declarations -------------------------------------------------------------------------------------------------

def test_scene_note_and_figure_are_declared_as_data_in_the_base_layout():
    problems: list = []
    types = load_entry_types(None, (), problems)

    assert problems == []
    assert types.names == ["scene", "note", "figure"]
    assert all(kind.built_in and kind.source == "(bookforge)/base/types.yaml" for kind in types)
    scene = types["scene"]
    assert [(name, field.kind, field.required) for name, field in scene.fields.items()] == [
        ("title", "line", True), ("text", "prose", True), ("context", "prose", True)]
    assert scene.title_field == "title"
    figure = types["figure"]
    assert (figure.fields["src"].kind, figure.fields["src"].alt, figure.fields["src"].decorative) == (
        "image", "alt", "decorative")
    assert figure.companions == {"alt", "decorative"} and figure.title_field is None


def test_a_label_is_chosen_by_the_book_language():
    note = load_entry_types(None, (), [])["note"]

    assert note.label("why_it_matters", "en") == "Why it matters"
    assert note.label("why_it_matters", "es-MX") == "Por qué importa"
    assert note.label("why_it_matters", "pt") == "Por que isso importa"  # bookforge's labels.yaml
    assert note.label("why_it_matters", "sw") == "Why it matters"  # no Swahili label: English
    assert note.label("why_it_matters", "fr", {"note.why_it_matters": "Enjeu"}) == "Enjeu"  # the book's own
    assert note.label("text", "de") == "Text"  # no label: the name


def test_a_field_may_be_given_by_its_kind_alone(tmp_path):
    root = book_copy("cookbook", tmp_path)
    types_file = root / "manuscript" / "types.yaml"
    written = types_file.read_text(encoding="utf-8")
    declared = "    serves:\n      kind: number\n      label: {en: Serves, es: Raciones}\n"
    assert declared in written
    types_file.write_text(written.replace(declared + "      description: How many people the dish feeds.\n",
                                          "    serves: number\n"), encoding="utf-8")

    book = load_book(root)

    assert book.entry_types["recipe"].fields["serves"].kind == "number"
    assert book.chapters[0].entries[0].serves == 4


def test_a_layout_declares_types_and_two_layouts_may_declare_one_alike(tmp_path):
    book = load_book(book_copy("field-guide", tmp_path))

    species = book.entry_types["species"]
    assert species.source == "layouts/guide-ebook/types.yaml" and not species.built_in  # the first edition's
    assert book.entry_types.names == ["scene", "note", "figure", "species"]


def test_two_layouts_that_declare_one_type_differently_are_a_mistake(tmp_path):
    root = book_copy("field-guide", tmp_path)
    ebook_types = root / "layouts" / "guide-ebook" / "types.yaml"
    ebook_types.write_text(ebook_types.read_text(encoding="utf-8").replace("default: common", "default: rare"),
                           encoding="utf-8")

    with pytest.raises(BookforgeError) as raised:
        load_book(root)

    (problem,) = raised.value.diagnostics
    assert problem.code == "duplicate-type"
    assert str(problem.location) == "layouts/guide-print/types.yaml:3:1"
    assert "first at layouts/guide-ebook/types.yaml:3:1" in problem.message


def test_entries_of_declared_types_cross_to_another_process(tmp_path):
    """Print layout sends the rendition (and its entries) to worker processes: the made classes must unpickle
    there, from the declarations."""
    book = load_book(book_copy("cookbook", tmp_path))
    pickled = tmp_path / "chapter.pickle"
    pickled.write_bytes(pickle.dumps(book.chapters[0]))
    script = ("import pickle, sys; chapter = pickle.load(open(sys.argv[1], 'rb')); entry = chapter.entries[0]; "
              "print(type(entry).__name__, entry.title, entry.serves, entry.ingredients[0], chapter.source)")

    shown = subprocess.run([sys.executable, "-c", script, str(pickled)], capture_output=True, text=True, check=True,
                           env={"PYTHONPATH": str(REPO / "src")}).stdout

    assert shown.strip() == "Recipe Leek and Potato Soup 4 3 leeks, white and pale green parts manuscript/01-soups.yaml"


# --- sorting ------------------------------------------------------------------------------------------------------

def test_collation_files_accented_letters_with_their_base_letter():
    words = ["Zebra", "éclair", "Eclair", "eclair", "ecru", "1984", "apple", "Apple", "*abide*", "ångström"]

    assert sorted(words, key=lambda w: sort_key(w, "en")) == [
        "1984", "*abide*", "ångström", "apple", "Apple", "eclair", "Eclair", "éclair", "ecru", "Zebra"]
    assert [initial(w, "en") for w in ("éclair", "Œuvre", "1984", "ßo")] == ["E", "O", "#", "S"]


def test_collation_follows_the_letters_a_language_adds():
    assert sorted(["oso", "ñandú", "nube"], key=lambda w: sort_key(w, "es")) == ["nube", "ñandú", "oso"]
    assert initial("ñandú", "es") == "Ñ" and initial("ñandú", "en") == "N"
    assert sorted(["ärlig", "zon", "apa", "åka", "öra"], key=lambda w: sort_key(w, "sv-SE")) == [
        "apa", "zon", "åka", "ärlig", "öra"]
    assert sorted(["ärger", "azur", "zahl"], key=lambda w: sort_key(w, "de")) == ["ärger", "azur", "zahl"]


def test_the_dictionary_is_sorted_and_grouped_whatever_order_its_files_have(dictionary):
    book = load_book(dictionary)

    entries = [entry for chapter in book.chapters for entry in chapter.entries]
    assert len(entries) >= 1_000
    for chapter in book.chapters:
        keys = [sort_key(entry.headword, "en") for entry in chapter.entries]
        assert keys == sorted(keys)
    written = (dictionary / "manuscript" / "01-a-l.yaml").read_text(encoding="utf-8")
    first_written = written.split("headword: ", 1)[1].split("\n", 1)[0]
    assert first_written != book.chapters[0].entries[0].headword  # the file is not in order; the book is
    headwords = [entry.headword for entry in book.chapters[0].entries]
    assert headwords.index("ecru") < headwords.index("éclair") < headwords.index("edge") if "edge" in headwords \
        else headwords.index("éclair") > headwords.index("eager")


# --- what declarations drive --------------------------------------------------------------------------------------

def test_word_counts_read_text_fields_not_numbers_flags_or_alternatives(tmp_path):
    root = book_copy("cookbook", tmp_path)
    before = word_count(load_book(root), "ebook")
    chapter = root / "manuscript" / "01-soups.yaml"
    text = chapter.read_text(encoding="utf-8")
    chapter.write_text(text.replace("    serves: 4\n", "    serves: 44\n", 1)
                       .replace("      - A handful of chives\n", "      - A handful of chives\n      - Two more words\n"),
                       encoding="utf-8")

    assert word_count(load_book(root), "ebook") == before + 3

    guide = load_book(book_copy("field-guide", tmp_path))
    alt = guide.chapters[1].entries[0].alt
    assert alt is not None and word_count(guide, "ebook") == word_count(guide, "paperback")


def test_plain_text_skips_the_parser_with_the_same_result(dictionary):
    """Every value of the test books that takes the shortcut renders as markup.inline/prose would render it."""
    import yaml

    values: list[str] = []

    def collect(node):
        if isinstance(node, str):
            values.append(node.strip())
        elif isinstance(node, dict):
            for value in node.values():
                collect(value)
        elif isinstance(node, list):
            for value in node:
                collect(value)

    for folder in (BOOKS / "cookbook", BOOKS / "field-guide", dictionary):
        for path in (folder / "manuscript").glob("*.yaml"):
            collect(yaml.safe_load(path.read_text(encoding="utf-8")))
    plain = [value for value in values if value and PLAIN.fullmatch(value)]
    assert len(plain) > 1_000
    for value in plain:
        assert inline(value, "en") == markup.inline(value, "en"), value
        assert prose(value, "en") == markup.prose(value, "en"), value


def test_schemas_carry_the_projects_types(tmp_path):
    root = book_copy("cookbook", tmp_path)
    found = {name: json.loads(text) for name, text in schemas(project_types(root)).items()}

    recipe = found["chapter.schema.json"]["$defs"]["Recipe"]
    assert recipe["description"] == "A dish, what it takes and how it is made."
    assert recipe["properties"]["ingredients"]["description"].startswith("One ingredient a line")
    assert recipe["properties"]["serves"]["title"] == "Serves"
    assert "recipe" in json.dumps(found["book.schema.json"]["$defs"]["Edition"]["properties"]["entry_types"])
    declaration = found["types.schema.json"]["$defs"]["FieldDeclaration"]
    assert "line" in json.dumps(declaration["properties"]["kind"])

    result = CliRunner().invoke(main, ["schema", "-C", str(root)])
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in (root / "manuscript" / "schema").iterdir()) == [
        "book.schema.json", "chapter.schema.json", "types.schema.json"]


def test_schema_run_in_the_project_folder_reads_its_book_yaml(tmp_path, monkeypatch):
    """`bookforge schema` with its default `-C .`: book.yaml was looked for at manuscript/manuscript/book.yaml (a
    relative path joined to its own folder), so the command failed with "file not found" in every project."""
    root = book_copy("cookbook", tmp_path)
    monkeypatch.chdir(root)

    result = CliRunner().invoke(main, ["schema"])

    assert result.exit_code == 0, result.output
    assert "Recipe" in (root / "manuscript" / "schema" / "chapter.schema.json").read_text()


def test_the_sample_and_its_committed_schemas_have_the_built_in_types_only():
    assert load_book(REPO).entry_types.names == ["scene", "note", "figure"]
    assert (REPO / "manuscript" / "schema" / "types.schema.json").read_text() == schemas()["types.schema.json"]
