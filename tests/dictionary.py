"""Write a dictionary book project of about 1,050 entries, or the same text as scenes (for bench/entry_types.py).

    python -m tests.dictionary OUT_DIR [--as-scenes]        (from the repository's folder)

The words are English base words (written out below, with short glosses of our own) and the words made from them
(`bright`, `brightness`, `brightly`), a few loanwords with accents (`éclair` files under E), cross references from
each derived word to its base, and verse quotations (public-domain poems) inside some definitions. The entries are
written in a shuffled order, so that the book's `sort_by` has something to do; seeded, so every run writes the same
book.
"""

from __future__ import annotations

import argparse
import random
import re
import shutil
from pathlib import Path

import yaml

from tests.books import REPO

ADJECTIVES = """
bright:giving out or full of light|calm:free from wind, noise or worry|brave:ready to face danger or pain
clever:quick to learn and to understand|cold:of a low temperature|dark:with little or no light
eager:wanting very much to do or have something|fair:treating people equally|fierce:violent and ready to attack
gentle:mild and kind, never rough|glad:pleased and thankful|grand:large and splendid in appearance
happy:feeling or showing pleasure|harsh:unpleasantly rough to the senses|heavy:of great weight
honest:telling the truth and never cheating|humble:not proud; modest|idle:not working or not in use
keen:sharp; also, eager to do something|kind:friendly, generous and thoughtful|late:coming after the usual time
lazy:unwilling to work or to use energy|light:of little weight|lively:full of life and energy
lonely:sad because one is without company|loud:making much noise|lucky:having good things happen by chance
mild:not severe or harsh|narrow:small in width|neat:tidy and in good order|noble:having fine personal qualities
odd:strange or unusual|pale:light in colour; having little colour|plain:simple, without decoration
polite:having good manners|proud:feeling pleased with what one has done|quick:moving fast|quiet:making little noise
rare:not often found or seen|rich:having a great deal of money|rough:having an uneven surface|rude:not polite
sad:feeling sorrow|safe:protected from danger|sharp:having an edge that cuts easily|shy:nervous with other people
silent:without any sound|simple:easy to understand|slow:moving at a low speed|smooth:having an even surface
soft:easy to press; not hard|solemn:serious and formal|sour:having a sharp taste, like a lemon
steady:firm and not shaking|steep:rising or falling sharply|still:not moving|strange:unusual or surprising
strict:demanding that rules be obeyed|strong:having great power of body|sudden:happening quickly and unexpectedly
sweet:having the taste of sugar|swift:moving very fast|tender:gentle and loving; also, easy to chew
thick:wide from one side to the other|thin:having little width|tidy:arranged neatly|tight:firmly held in place
timid:lacking courage or confidence|tired:in need of rest or sleep|true:in keeping with fact|ugly:unpleasant to look at
vague:not clearly expressed|vast:extremely large in area|warm:of a fairly high temperature|weak:lacking strength
weary:very tired|wet:covered with water|wide:large from side to side|wild:living in nature, not tamed
wise:having good judgement|young:having lived a short time|bitter:having a sharp, unpleasant taste
bold:willing to take risks|brief:lasting a short time|busy:having a great deal to do|cheap:low in price
clear:easy to see through or to understand|close:near in space or time|costly:costing much|crisp:firm and dry
cruel:causing pain on purpose|damp:slightly wet|dear:much loved|deep:going far down|dim:not bright
dull:not interesting; not bright|empty:containing nothing|exact:correct in every detail|faint:weak and not clear
fond:having a liking for|foolish:lacking good sense|fresh:newly made or gathered|full:holding as much as it can
grave:serious and important|great:large in size or degree|green:of the colour of grass|grim:stern and forbidding
hollow:having an empty space inside|hungry:wanting food|just:morally right and fair|lame:unable to walk well
loose:not firmly fixed|loyal:faithful to a person or cause|mad:mentally ill; also, very angry|merry:cheerful
nervous:easily worried|open:not closed|perfect:having no faults|pure:not mixed with anything else
ready:prepared for what comes|real:actually existing|ripe:ready to be gathered and eaten|sacred:holy
""".strip()

VERBS = """
abandon:to leave behind for good|accept:to take what is offered|admire:to regard with pleasure and respect
adore:to love deeply|advise:to offer a suggestion|amuse:to make someone laugh|attend:to be present at
bake:to cook in an oven|blame:to hold responsible|borrow:to take with the promise to return|burn:to be on fire
calculate:to work out with numbers|carve:to cut into a shape|challenge:to invite to a contest|charge:to ask as a price
climb:to go up|collect:to bring together|comfort:to ease the grief of|compare:to note how things are alike
complain:to say that one is not satisfied|confuse:to make unclear|consider:to think about carefully
construct:to build|continue:to go on|create:to bring into being|dance:to move to music|deliver:to bring to a place
desire:to wish for strongly|destroy:to damage beyond repair|develop:to grow or cause to grow|differ:to be unlike
discover:to find for the first time|dream:to see pictures in one's sleep|drift:to be carried along slowly
educate:to teach|encourage:to give hope or confidence|endure:to bear patiently|enjoy:to take pleasure in
escape:to get free|examine:to look at closely|excite:to stir up feeling|explain:to make clear|explore:to travel through
fasten:to fix firmly|follow:to come after|forgive:to stop being angry with|gather:to bring together|glow:to give out a steady light
govern:to rule|grant:to agree to give|guard:to watch over|guide:to show the way|harvest:to gather a crop
heal:to make well|hunt:to chase in order to catch|ignore:to pay no attention to|imagine:to form a picture in the mind
improve:to make better|include:to make part of a whole|inform:to give facts to|inspect:to look at closely
inspire:to fill with the wish to act|invent:to make for the first time|invite:to ask to come|judge:to form an opinion of
kindle:to set alight|labour:to work hard|launch:to set going|lead:to go in front|learn:to gain knowledge
linger:to stay longer than needed|listen:to give attention to a sound|manage:to be in charge of|measure:to find the size of
melt:to become liquid by heating|mend:to repair|mourn:to feel sorrow for a death|murmur:to speak softly
observe:to watch carefully|offend:to hurt the feelings of|order:to give a command|paint:to cover with colour
perform:to carry out; to act on a stage|persuade:to cause to believe|plant:to put in the ground to grow|play:to take part in a game
plead:to beg earnestly|polish:to make smooth and shiny|praise:to speak well of|prepare:to make ready|preserve:to keep safe
print:to mark letters on paper|protect:to keep from harm|provide:to supply|publish:to make public|punish:to make suffer for a wrong
pursue:to follow in order to catch|read:to look at and understand writing|receive:to be given|record:to set down for later
reform:to make better|refresh:to give new strength|remember:to bring back to mind|repair:to put right
rescue:to save from danger|resist:to stand against|respect:to think highly of|rest:to stop and relax|return:to come back
ripen:to become ripe|roam:to wander|sail:to travel on water|save:to keep from danger|search:to look for
settle:to make one's home|shelter:to protect from weather|shift:to move|sing:to make music with the voice
sketch:to draw quickly|sort:to arrange in groups|speak:to say words|spend:to pay out|spread:to open out
start:to begin|steer:to guide the course of|stroll:to walk slowly|study:to learn about|suffer:to feel pain
support:to hold up|surrender:to give up|survive:to remain alive|suspect:to think likely|teach:to give lessons
tend:to look after|thank:to express gratitude|travel:to make a journey|treasure:to value highly|trust:to believe in
visit:to go and see|wander:to move about without purpose|warn:to tell of danger|weave:to make cloth by crossing threads
welcome:to greet gladly|whisper:to speak very softly|wonder:to think curiously|worship:to honour as divine|write:to form letters
""".strip()

NOUNS = """
hope:a feeling that what one wants will happen|fear:an unpleasant feeling of danger|home:the place where one lives
breath:air taken into and sent out of the lungs|point:a sharp end; also, a purpose|harm:injury or damage
care:serious attention|help:the act of making something easier|name:the word by which one is known|rest:a period of relaxing
seam:a line where two pieces are joined|sleep:a state of rest in which the eyes are closed|thought:an idea
heart:the organ that pumps the blood|mind:the part that thinks and feels|tooth:a hard white thing in the mouth
sound:something heard|speech:the power of speaking|star:a bright point in the night sky|time:the passing of days and years
use:the act of using|voice:the sound made in speaking|word:a unit of language|worth:value|age:the length of a life
art:the making of beautiful things|blood:the red liquid of the body|cloud:a mass of water drops in the sky
colour:red, blue, green and the rest|end:the last part|faith:strong belief|father:a male parent|flaw:a fault
force:strength or power|friend:one whom one knows and likes|grace:beauty of movement|guilt:the fact of having done wrong
head:the top part of the body|heed:careful attention|joy:great happiness|law:a rule made by a state|life:the state of being alive
limit:a point beyond which one may not go|mercy:kindness to one in one's power|mother:a female parent|motion:movement
pain:the feeling of being hurt|power:the ability to act|price:the money asked|rest:a pause|sense:a power of feeling
shame:a painful feeling of having done wrong|sight:the power of seeing|skill:the ability to do well|spot:a small mark
taste:the sense by which flavour is known|thank:gratitude (now mostly in the plural)|tire:a band round a wheel|wit:the power of amusing speech
""".strip()

LOANWORDS = """
éclair:noun:a long cake of light pastry filled with cream:French, "flash of lightning"
café:noun:a small restaurant serving drinks and light meals:French, from café, "coffee"
naïve:adjective:showing a lack of experience of the world:French, feminine of naïf
résumé:noun:a summary; a short account of one's career:French, "summed up"
façade:noun:the front of a building:French, from Italian facciata
crème brûlée:noun:a custard with a crust of burnt sugar:French, "burnt cream"
über:preposition:over, above (in borrowed phrases):German
ångström:noun:a unit of length, a hundred-millionth of a centimetre:from the Swedish physicist A. J. Ångström
cliché:noun:a phrase used so often it has lost its force:French, "stereotype block"
déjà vu:noun:the feeling of having lived a moment before:French, "already seen"
élan:noun:energy and style:French
émigré:noun:one who has left one's country:French, "emigrated"
fiancé:noun:a man engaged to be married:French, "betrothed"
jalapeño:noun:a hot green chilli pepper:Mexican Spanish, from Jalapa
mañana:adverb:tomorrow; at some time in the future:Spanish
piñata:noun:a decorated container filled with sweets, broken at parties:Spanish
protégé:noun:one who is guided by an older, more experienced person:French, "protected"
rôle:noun:an actor's part (an older spelling of role):French
soirée:noun:an evening party:French, from soir, "evening"
touché:interjection:said to grant a point well made:French, "touched"
""".strip()

VERSE = [
    ("Shall I compare thee to a summer's day?\\\nThou art more lovely and more temperate", "Shakespeare, Sonnet 18"),
    ("Tyger Tyger, burning bright,\\\nIn the forests of the night", "Blake, The Tyger"),
    ("A thing of beauty is a joy for ever:\\\nIts loveliness increases", "Keats, Endymion"),
    ("I wandered lonely as a cloud\\\nThat floats on high o'er vales and hills", "Wordsworth, Daffodils"),
    ("Because I could not stop for Death –\\\nHe kindly stopped for me –", "Dickinson"),
    ("The woods are lovely, dark and deep,\\\nBut I have promises to keep", "Frost, Stopping by Woods"),
    ("Water, water, every where,\\\nNor any drop to drink", "Coleridge, The Rime of the Ancient Mariner"),
    ("Season of mists and mellow fruitfulness,\\\nClose bosom-friend of the maturing sun", "Keats, To Autumn"),
    ("Hope is the thing with feathers\\\nThat perches in the soul", "Dickinson"),
    ("Gather ye rosebuds while ye may,\\\nOld Time is still a-flying", "Herrick, To the Virgins"),
]
ORIGINS = ["Old English", "Middle English", "Old French", "Latin", "Old Norse", "Middle Dutch", "Anglo-Norman",
           "Old High German", "Late Latin", "Greek"]

TYPES = """\
# yaml-language-server: $schema=schema/types.schema.json
# A dictionary entry: the headword, how it is said and used, its senses, where it comes from, where else to look.
word:
  description: A headword with its senses, its origin and references to related words.
  title: headword
  sort_by: headword
  group_by: letter
  contents: true
  ornament: false
  fields:
    headword:
      kind: line
      required: true
      description: The word as it is looked up.
    pronunciation:
      kind: line
      label: ""
      description: How the word is said, between slashes.
    part_of_speech:
      kind: choice
      required: true
      label: ""
      values: [noun, verb, adjective, adverb, preposition, interjection]
      description: What kind of word it is.
    senses:
      kind: list
      of: prose
      numbered: true
      required: true
      label: ""
      description: What the word means, one sense an item; a quotation may follow a sense.
    etymology:
      kind: prose
      label: {en: Origin}
      description: Where the word comes from.
    see:
      kind: list
      of: reference
      to: word
      label: {en: See}
      description: Related headwords.
"""

BOOK = """\
# yaml-language-server: $schema=schema/book.schema.json
metadata:
  title: A Little Dictionary of English
  subtitle: A Thousand Words and the Words Made from Them
  creators:
    - name: The bookforge Lexicographers
      role: editor
  language: en
  identifier: urn:uuid:0b8c4a52-7a5e-4a5f-9a3b-5d1c4e2f6a10
  publisher: bookforge Test Press
  date: "2026"
  rights: Compiled for testing bookforge. Quotations are from poems in the public domain.
  description: A dictionary that tests bookforge's declared entry types at the size of a real book.

contents:
  - title-page
  - copyright-page
  - table-of-contents
{chapters}
editions:
  ebook:
    format: epub
    layout: ebook
    identifier: urn:isbn:9780000000019
{more_editions}"""
PRINT_EDITIONS = """\
  paperback:
    format: pdf
    layout: print
    identifier: urn:isbn:9780000000026
  kobo:
    format: kepub
    layout: ebook
    identifier: urn:isbn:9780000000033
"""


def _pairs(text: str) -> list[tuple[str, str]]:
    return [tuple(item.split(":", 1)) for line in text.splitlines() for item in line.split("|")]  # type: ignore[misc]


def _stem(word: str, suffix: str) -> str:
    """`happy` + `ness` -> `happiness`, `bake` + `er` -> `baker`, `gentle` + `ly` -> `gently`."""
    if suffix == "ly" and word.endswith("le"):
        return word[:-1] + "y"
    if suffix == "ly" and word.endswith("ic"):
        return word + "ally"
    if word.endswith("y") and len(word) > 2 and word[-2] not in "aeiou" and not suffix.startswith("i"):
        return word[:-1] + "i" + suffix
    if word.endswith("e") and suffix[0] in "aeiouy":
        return word[:-1] + suffix
    return word + suffix


_ONSETS = {"bl", "cl", "fl", "gl", "pl", "br", "cr", "dr", "fr", "gr", "pr", "tr", "th", "ch", "sh", "ph", "wh"}


def _syllables(word: str) -> str:
    """A dictionary's division of the word into syllables, roughly (`a·ban·don`): one consonant between vowels goes
    with the vowel after it, two are parted; a final silent `e` (`-e`, `-ed`, `-es`) makes no syllable. The
    characters are in every text font, unlike the phonetic alphabet's."""
    if " " in word:
        return " ".join(_syllables(part) for part in word.split())
    vowels = set("aeiouyéèêëáàâäíóöúüåæø")
    letters = word
    silent = len(letters) - 1 if letters.endswith("e") else len(letters) - 2 if re.search(
        r"[^td]e[ds]$", letters) else None
    is_vowel = [c in vowels and i != silent for i, c in enumerate(letters)]
    breaks = []
    i = 0
    while i < len(letters):
        if is_vowel[i]:
            j = i + 1
            while j < len(letters) and not is_vowel[j]:
                j += 1
            if j < len(letters):  # a consonant cluster letters[i+1:j] between two vowels
                cluster = letters[i + 1:j]
                onset = 2 if cluster[-2:] in _ONSETS else 1  # what starts the next syllable: `cl`, `sh`, or one
                if len(cluster) >= onset:
                    breaks.append(j - onset if len(cluster) > onset or onset == 2 else i + 1)
            i = j
        else:
            i += 1
    out = letters
    for at in reversed(breaks):
        if 0 < at < len(out):
            out = out[:at] + "·" + out[at:]
    return out


def _pronunciation(word: str, rng: random.Random) -> str:
    return _syllables(word)


def entries(rng: random.Random) -> list[dict]:
    """Every entry, as plain data, in alphabetical order of nothing in particular."""
    found: list[dict] = []
    verses = iter(VERSE * 200)

    def add(headword: str, pos: str, senses: list[str], origin: str, see: list[str]) -> None:
        if rng.random() < 0.12:  # a quotation inside the definition, as dictionaries give them
            lines, poet = next(verses)
            senses = [senses[0] + f"\n\n> {lines}\n>\n> — {poet}"] + senses[1:]
        entry = {"type": "word", "headword": headword, "pronunciation": _pronunciation(headword, rng),
                 "part_of_speech": pos, "senses": senses, "etymology": origin}
        if see:
            entry["see"] = see
        found.append(entry)

    def origin(word: str) -> str:
        return f"From {rng.choice(ORIGINS)} *{word}*, of the same meaning; first recorded before {rng.randrange(9, 17)}00."

    for word, gloss in _pairs(ADJECTIVES):
        add(word, "adjective", [gloss[0].upper() + gloss[1:] + ".", f"Of a person: seeming {word}."], origin(word), [])
        add(_stem(word, "ness"), "noun", [f"The quality or state of being {word}."], f"From *{word}* + *-ness*.", [word])
        add(_stem(word, "ly"), "adverb", [f"In a {word} manner."], f"From *{word}* + *-ly*.", [word])
    for word, gloss in _pairs(VERBS):
        add(word, "verb", [gloss[0].upper() + gloss[1:] + "."], origin(word), [])
        add(_stem(word, "er"), "noun", [f"One who or that which likes to {word}."], f"From *{word}* + *-er*.", [word])
        add(_stem(word, "ing"), "noun", [f"The act of one who {word}s.", "An instance of this."],
            f"From *{word}* + *-ing*.", [word])
        add(_stem(word, "ed"), "adjective", [f"That has been {_stem(word, 'ed')}."], f"From *{word}* + *-ed*.", [word])
    seen_nouns: set[str] = set()
    for word, gloss in _pairs(NOUNS):
        if word in seen_nouns:
            continue
        seen_nouns.add(word)
        add(word, "noun", [gloss[0].upper() + gloss[1:] + "."], origin(word), [])
        add(word + "less", "adjective", [f"Without {word}."], f"From *{word}* + *-less*.", [word])
    for line in LOANWORDS.splitlines():
        word, pos, gloss, source = line.split(":", 3)
        add(word, pos, [gloss[0].upper() + gloss[1:] + "."], f"From {source}.", [])
    headwords = {entry["headword"] for entry in found}
    unique: dict[str, dict] = {}
    for entry in found:  # a derived word that is also a base word (`rest`) is entered once
        unique.setdefault(entry["headword"], entry)
    result = list(unique.values())
    for entry in result:  # and base words point to one another now and then
        if "see" not in entry and rng.random() < 0.25:
            entry["see"] = [rng.choice(sorted(headwords))]
    rng.shuffle(result)
    return result


def as_scene(entry: dict) -> dict:
    """The same text as a scene: the headword as its title, the rest as its text and context."""
    senses = "\n\n".join(f"{n}. {sense}" if "\n" not in sense else sense for n, sense in enumerate(entry["senses"], 1))
    text = f"{entry['pronunciation']} *{entry['part_of_speech']}*\n\n{senses}"
    context = entry["etymology"] + ("".join(f" See *{word}*." for word in entry.get("see", ())))
    return {"type": "scene", "title": entry["headword"], "text": text, "context": context}


def make(out: Path, as_scenes: bool = False, print_editions: bool = True) -> Path:
    rng = random.Random(14)
    words = entries(rng)
    if out.exists():
        shutil.rmtree(out)
    manuscript = out / "manuscript"
    manuscript.mkdir(parents=True)
    shutil.copytree(REPO / "assets", out / "assets")
    first_half = [w for w in words if w["headword"][0].lower() in "abcdeéfghijkl"]
    halves = [("A–L", "01-a-l.yaml", first_half), ("M–Z", "02-m-z.yaml", [w for w in words if w not in first_half])]
    chapters = []
    for title, name, half in halves:
        items = [as_scene(w) for w in half] if as_scenes else half
        chapter = {"title": title, "entries": items}
        (manuscript / name).write_text("# yaml-language-server: $schema=schema/chapter.schema.json\n" + yaml.safe_dump(
            chapter, allow_unicode=True, sort_keys=False, width=110), encoding="utf-8")
        chapters.append(f"  - chapter: {name}")
    (manuscript / "book.yaml").write_text(BOOK.format(chapters="\n".join(chapters),
                                                      more_editions=PRINT_EDITIONS if print_editions else ""),
                                          encoding="utf-8")
    if not as_scenes:
        (manuscript / "types.yaml").write_text(TYPES, encoding="utf-8")
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", type=Path)
    parser.add_argument("--as-scenes", action="store_true", help="the same text as scenes, for comparison")
    parser.add_argument("--ebook-only", action="store_true", help="no print editions")
    args = parser.parse_args()
    make(args.out, args.as_scenes, not args.ebook_only)
    print(args.out)


if __name__ == "__main__":
    main()
