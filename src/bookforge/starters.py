"""What `bookforge new --kind KIND` starts a book with: its entry types (manuscript/types.yaml), a first chapter of
them (a companion's has prose around its entries, and a Markdown chapter follows it) and the images they show. Each
kind builds at once; the generic entry template sets its types until a layout gives them templates of their own."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Starter:
    chapter_file: str
    chapter: str
    """The first chapter file, a format string with `{schema}`."""
    types: str | None = None
    """manuscript/types.yaml, or None for a book of bookforge's own types."""
    assets: dict[str, str] = field(default_factory=dict)
    """Files under assets/ (SVG drawings), by path."""
    more_chapters: dict[str, str] = field(default_factory=dict)
    """Chapter files after the first (a Markdown chapter), by name, as written."""
    comments: dict[str, str] = field(default_factory=dict)
    """What book.yaml says of a chapter file in `contents`, by name."""

    @property
    def chapters(self) -> list[str]:
        """The chapter files in reading order."""
        return [self.chapter_file, *self.more_chapters]


COMPANION_CHAPTER = """\
# yaml-language-server: $schema={schema}
title: The First Chapter
# Prose goes in `>-` blocks: YAML reads them exactly as written (a `#`, a `*` or a `: ` in the text is safe).
text: >-
  The chapter's text, in Markdown. Paragraphs are separated by a blank line; *emphasis*, **strong** and
  [links](https://example.org) work as in Markdown, and so do footnotes.[^1]

  * * *

  A line of three asterisks between paragraphs is a scene break, printed as the layout's ornament.

  [^1]: A footnote: at the foot of the page in print, a pop-up note in the ebook.
entries:
  - type: scene
    title: A Scene
    text: >-
      What happens in the scene.
    context: >-
      Where the scene stands in the story, and why it counts.
  - text: >-
      Prose between entries needs no `type`.
  - type: note
    title: A Note
    text: >-
      A fact about the making of the work.
    why_it_matters: >-
      What the fact changes for the reader.
"""

COMPANION_MARKDOWN = """\
---
title: The Second Chapter
---
A chapter can also be a Markdown file: the lines between the `---` hold its title (and `short_title` for the
running heads), and the rest is its text.

> A quotation, whose last line names its source.
>
> — Someone Quoted

::: verse
Verse keeps its lines,
  its indentation,

and its stanzas.
:::
"""

DICTIONARY_TYPES = """\
# yaml-language-server: $schema=schema/types.schema.json
# The book's entry types (bookforge's scene, note and figure are there too). After changing one, run
# `bookforge schema` so that your editor knows it. README, "Entry types", tells every option.
word:
  description: A headword with its senses, its origin and references to related words.
  title: headword             # the field that titles an entry, and that references name
  sort_by: headword           # entries are sorted by it, in the alphabetical order of the book's language
  group_by: letter            # ... and set under the letters they start with
  contents: true              # the letters are listed in the contents
  ornament: false             # no ornament between entries
  fields:
    headword: {kind: line, required: true, description: The word as it is looked up.}
    pronunciation: {kind: line, label: "", description: "How the word is said, e.g. `ab·an·don`."}
    part_of_speech:
      kind: choice
      required: true
      label: ""
      values: [noun, verb, adjective, adverb, preposition, conjunction, interjection]
      description: What kind of word it is.
    senses:
      kind: list
      of: prose
      numbered: true
      required: true
      label: ""
      description: What the word means, one sense an item; a quotation (lines starting with `> `) may follow one.
    etymology: {kind: prose, label: {en: Origin}, description: Where the word comes from.}
    see: {kind: list, of: reference, to: word, label: {en: See}, description: Related headwords.}
"""

DICTIONARY_CHAPTER = """\
# yaml-language-server: $schema={schema}
title: The Words
introduction: Entries may be written in any order; the book sorts them.
entries:
  - type: word
    headword: dawn
    pronunciation: dawn
    part_of_speech: noun
    senses:
      - The first light of day.
      - |-
        The beginning of something.

        > Bliss was it in that dawn to be alive,\\
        > But to be young was very heaven!
        >
        > — Wordsworth, *The Prelude*
    etymology: From Old English *dagian*, "to become day".
    see: [day]
  - type: word
    headword: day
    pronunciation: day
    part_of_speech: noun
    senses:
      - The time between sunrise and sunset.
      - A period of twenty-four hours.
    etymology: From Old English *dæg*.
    see: [dawn, évening]
  - type: word
    headword: évening
    pronunciation: é·ven·ing
    part_of_speech: noun
    senses:
      - The end of the day; an old spelling, to show that `É` sorts with `E`.
    see: [day]
  - type: word
    headword: abide
    pronunciation: a·bide
    part_of_speech: verb
    senses:
      - To stay; to live in a place.
      - To put up with.
    etymology: From Old English *ābīdan*.
"""

COOKBOOK_TYPES = """\
# yaml-language-server: $schema=schema/types.schema.json
# The book's entry types (bookforge's scene, note and figure are there too). After changing one, run
# `bookforge schema` so that your editor knows it. README, "Entry types", tells every option.
recipe:
  description: A dish, what it takes and how it is made.
  contents: true              # each recipe is listed in the contents under its chapter
  ornament: false
  fields:
    title: {kind: line, required: true, description: "The dish, as the reader looks it up."}
    serves: {kind: number, label: {en: Serves}, description: How many people the dish feeds.}
    time: {kind: line, label: {en: Time}, description: "From the first step to the table, e.g. `1 hour`."}
    headnote: {kind: prose, label: "", description: A few words on the dish before the recipe.}
    ingredients:
      kind: list
      of: line
      required: true
      label: {en: Ingredients}
      description: One ingredient a line, with its quantity, in the order they are used.
    steps:
      kind: list
      of: prose
      numbered: true
      required: true
      label: {en: Method}
      description: One step an item, in order.
    notes: {kind: prose, label: {en: Notes}, description: "Variations, what to serve it with, how it keeps."}
    see_also: {kind: list, of: reference, to: recipe, label: {en: See also}, description: "Other recipes, by title."}
"""

COOKBOOK_CHAPTER = """\
# yaml-language-server: $schema={schema}
title: Breakfast
entries:
  - type: recipe
    title: Porridge
    serves: 2
    time: 10 minutes
    headnote: The oldest breakfast of all, and still the best on a cold morning.
    ingredients:
      - 100 g rolled oats
      - 500 ml milk, or half milk and half water
      - A pinch of salt
    steps:
      - Put the oats, milk and salt into a pan over a medium heat.
      - Stir as it comes to the boil, then let it bubble gently for 4 to 5 minutes, stirring, until thick.
    notes: Serve with brown sugar, honey or stewed fruit.
    see_also: [Scrambled Eggs]
  - type: recipe
    title: Scrambled Eggs
    serves: 1
    time: 5 minutes
    ingredients:
      - 2 eggs
      - 1 teaspoon butter
      - Salt and pepper
    steps:
      - Beat the eggs with a little salt.
      - Melt the butter over a low heat, add the eggs, and stir slowly until just set.
      - Take the pan off the heat while the eggs are still soft; they go on cooking.
"""

FIELD_GUIDE_TYPES = """\
# yaml-language-server: $schema=schema/types.schema.json
# The book's entry types (bookforge's scene, note and figure are there too). After changing one, run
# `bookforge schema` so that your editor knows it. README, "Entry types", tells every option.
species:
  description: One species, with a drawing, how to know it and where to find it.
  title: common_name
  contents: true
  fields:
    common_name: {kind: line, required: true, description: The name most readers know it by.}
    latin_name: {kind: line, required: true, label: "", description: "The scientific name, in italics: `*Turdus merula*`."}
    picture:
      kind: image
      required: true
      label: ""
      description: "A drawing or photograph: `{src: images/x.svg, alt: What it shows}`, with an optional `caption`."
    length: {kind: line, label: {en: Length}, description: "Its size, e.g. `24–29 cm`."}
    habitat: {kind: line, label: {en: Habitat}, description: Where it lives.}
    status: {kind: choice, values: [common, uncommon, rare], label: {en: Status}, description: How often it is seen.}
    description: {kind: prose, required: true, label: "", description: How to know it.}
    similar: {kind: list, of: reference, to: species, label: {en: Compare}, description: Species it may be taken for.}
"""

FIELD_GUIDE_CHAPTER = """\
# yaml-language-server: $schema={schema}
title: Garden Birds
entries:
  - type: species
    common_name: Blackbird
    latin_name: "*Turdus merula*"
    picture:
      src: images/blackbird.svg
      alt: A black bird with a yellow bill and a yellow ring round its eye, standing on the grass.
      caption: The male, all black but for his bill.
    length: 24–29 cm
    habitat: Gardens, parks and woods
    status: common
    description: >-
      The male is black with a bright yellow bill; the female is brown. Its song, rich and unhurried, is among
      the first heard at dawn.
    similar: [Starling]
  - type: species
    common_name: Starling
    latin_name: "*Sturnus vulgaris*"
    picture:
      src: images/starling.svg
      alt: A short-tailed dark bird with a pointed bill and pale spots.
    length: 19–22 cm
    habitat: Towns and farmland
    status: common
    description: >-
      Shorter-tailed than a blackbird, glossed with green and purple and, in winter, speckled with white. Flocks of
      thousands wheel together at dusk before they roost.
    similar: [Blackbird]
"""


def _bird(body: str, bill: str, spots: bool = False) -> str:
    """A simple drawing of a bird, as SVG (a book's images are checked from their bytes at load)."""
    dots = "".join(f'<circle cx="{x}" cy="{y}" r="2" fill="#eee"/>' for x, y in ((70, 62), (84, 70), (98, 60),
                                                                              (88, 54), (76, 76))) if spots else ""
    return ('<svg xmlns="http://www.w3.org/2000/svg" width="240" height="160" viewBox="0 0 240 160">'
            '<rect width="240" height="160" fill="#f4f1ea"/>'
            f'<ellipse cx="90" cy="70" rx="50" ry="28" fill="{body}"/>'
            f'<circle cx="142" cy="50" r="18" fill="{body}"/>'
            f'<polygon points="158,46 184,52 158,56" fill="{bill}"/>'
            f'<polygon points="42,62 6,52 12,80" fill="{body}"/>'
            '<circle cx="148" cy="46" r="3" fill="#f2c200"/>'
            '<line x1="86" y1="96" x2="80" y2="132" stroke="#7a5a2a" stroke-width="3"/>'
            '<line x1="102" y1="96" x2="106" y2="132" stroke="#7a5a2a" stroke-width="3"/>'
            f'{dots}</svg>\n')


STARTERS: dict[str, Starter] = {
    "companion": Starter("01-first-chapter.yaml", COMPANION_CHAPTER,
                         more_chapters={"02-second-chapter.md": COMPANION_MARKDOWN},
                         comments={"01-first-chapter.yaml": "a chapter in YAML: prose and typed entries",
                                   "02-second-chapter.md": "or in Markdown, with its title in front matter"}),
    "dictionary": Starter("01-words.yaml", DICTIONARY_CHAPTER, DICTIONARY_TYPES),
    "cookbook": Starter("01-breakfast.yaml", COOKBOOK_CHAPTER, COOKBOOK_TYPES),
    "field-guide": Starter("01-garden-birds.yaml", FIELD_GUIDE_CHAPTER, FIELD_GUIDE_TYPES,
                        {"images/blackbird.svg": _bird("#1c1c1c", "#f2a900"),
                         "images/starling.svg": _bird("#2b2f3a", "#e3c36a", spots=True)}),
}
