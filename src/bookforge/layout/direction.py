"""Which way a language's text runs: right to left for Arabic, Hebrew and the others written in their scripts."""

from __future__ import annotations

RTL_SCRIPTS = frozenset({"arab", "hebr", "syrc", "thaa", "nkoo", "adlm", "rohg", "mand", "samr"})
"""ISO 15924 codes of scripts written right to left, as a language tag's script subtag (`ku-Arab`)."""
RTL_LANGUAGES = frozenset({"ar", "arc", "ckb", "dv", "fa", "he", "iw", "ks", "ps", "sd", "ug", "ur", "yi", "syr",
                           "prs", "azb", "lrc", "mzn", "glk", "bal"})
"""Languages written right to left unless their tag names another script."""


def text_direction(language: str) -> str:
    """`rtl` or `ltr` for a BCP 47 tag: a script subtag decides (`az-Arab` is rtl, `ku-Latn` ltr), else the language."""
    subtags = language.lower().replace("_", "-").split("-")
    scripts = [tag for tag in subtags[1:] if len(tag) == 4 and tag.isalpha()]
    if scripts:
        return "rtl" if scripts[0] in RTL_SCRIPTS else "ltr"
    return "rtl" if subtags[0] in RTL_LANGUAGES else "ltr"
