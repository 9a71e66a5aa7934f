"""Words bookforge itself puts into a book, in the book's language."""

from __future__ import annotations

LABELS: dict[str, dict[str, str]] = {
    "en": {"contents": "Contents", "title_page": "Title Page", "copyright": "Copyright",
           "context": "Context", "why_it_matters": "Why it matters", "by": "by", "start": "Start of Content",
           "landmarks": "Landmarks", "edition": "Edition", "identifier": "Identifier", "cover": "Cover",
           "pages": "Pages"},
    "es": {"contents": "Índice", "title_page": "Portada", "copyright": "Derechos",
           "context": "Contexto", "why_it_matters": "Por qué importa", "by": "por", "start": "Inicio del contenido",
           "landmarks": "Puntos de referencia", "edition": "Edición", "identifier": "Identificador",
           "cover": "Cubierta", "pages": "Páginas"},
    "fr": {"contents": "Table des matières", "title_page": "Page de titre", "copyright": "Droits",
           "context": "Contexte", "why_it_matters": "Pourquoi c’est important", "by": "par",
           "start": "Début du contenu", "landmarks": "Repères", "edition": "Édition", "identifier": "Identifiant",
           "cover": "Couverture", "pages": "Pages"},
    "de": {"contents": "Inhalt", "title_page": "Titelseite", "copyright": "Impressum",
           "context": "Kontext", "why_it_matters": "Warum es wichtig ist", "by": "von", "start": "Textbeginn",
           "landmarks": "Orientierungspunkte", "edition": "Ausgabe", "identifier": "Kennung",
           "cover": "Umschlag", "pages": "Seiten"},
}


# Front and back matter, parts and notes, credits and the copyright page. `{}` is a name (or names joined by
# `and`); a series line has `{series}` and `{number}`.
MATTER_LABELS: dict[str, dict[str, str]] = {
    "en": {"half_title": "Half Title", "dedication": "Dedication", "epigraph": "Epigraph", "foreword": "Foreword",
           "preface": "Preface", "introduction": "Introduction", "prologue": "Prologue", "epilogue": "Epilogue",
           "afterword": "Afterword", "acknowledgements": "Acknowledgements", "about_the_author": "About the Author",
           "colophon": "Colophon", "notes": "Notes", "also_by": "Also by {}", "and": "and",
           "series_number": "{series}, Book {number}",
           "credit_editor": "Edited by {}", "credit_translator": "Translated by {}",
           "credit_illustrator": "Illustrated by {}", "credit_photographer": "Photographs by {}",
           "credit_foreword": "Foreword by {}", "credit_introduction": "Introduction by {}",
           "credit_narrator": "Narrated by {}", "credit_contributor": "With contributions by {}",
           "credit_author": "By {}"},
    "es": {"half_title": "Anteportada", "dedication": "Dedicatoria", "epigraph": "Epígrafe", "foreword": "Prólogo",
           "preface": "Prefacio", "introduction": "Introducción", "prologue": "Prólogo", "epilogue": "Epílogo",
           "afterword": "Posfacio", "acknowledgements": "Agradecimientos", "about_the_author": "Sobre el autor",
           "colophon": "Colofón", "notes": "Notas", "also_by": "Otras obras de {}", "and": "y",
           "series_number": "{series}, libro {number}",
           "credit_editor": "Edición de {}", "credit_translator": "Traducción de {}",
           "credit_illustrator": "Ilustraciones de {}", "credit_photographer": "Fotografías de {}",
           "credit_foreword": "Prólogo de {}", "credit_introduction": "Introducción de {}",
           "credit_narrator": "Narración de {}", "credit_contributor": "Con la colaboración de {}",
           "credit_author": "De {}"},
    "fr": {"half_title": "Faux-titre", "dedication": "Dédicace", "epigraph": "Épigraphe", "foreword": "Avant-propos",
           "preface": "Préface", "introduction": "Introduction", "prologue": "Prologue", "epilogue": "Épilogue",
           "afterword": "Postface", "acknowledgements": "Remerciements", "about_the_author": "À propos de l’auteur",
           "colophon": "Colophon", "notes": "Notes", "also_by": "Du même auteur", "and": "et",
           "series_number": "{series}, tome {number}",
           "credit_editor": "Édité par {}", "credit_translator": "Traduit par {}",
           "credit_illustrator": "Illustrations de {}", "credit_photographer": "Photographies de {}",
           "credit_foreword": "Avant-propos de {}", "credit_introduction": "Introduction de {}",
           "credit_narrator": "Lu par {}", "credit_contributor": "Avec la collaboration de {}",
           "credit_author": "Par {}"},
    "de": {"half_title": "Schmutztitel", "dedication": "Widmung", "epigraph": "Motto", "foreword": "Geleitwort",
           "preface": "Vorwort", "introduction": "Einleitung", "prologue": "Prolog", "epilogue": "Epilog",
           "afterword": "Nachwort", "acknowledgements": "Danksagung", "about_the_author": "Über den Autor",
           "colophon": "Impressum", "notes": "Anmerkungen", "also_by": "Weitere Bücher von {}", "and": "und",
           "series_number": "{series}, Band {number}",
           "credit_editor": "Herausgegeben von {}", "credit_translator": "Übersetzt von {}",
           "credit_illustrator": "Illustriert von {}", "credit_photographer": "Fotos von {}",
           "credit_foreword": "Mit einem Geleitwort von {}", "credit_introduction": "Mit einer Einleitung von {}",
           "credit_narrator": "Gelesen von {}", "credit_contributor": "Unter Mitarbeit von {}",
           "credit_author": "Von {}"},
}


def labels_for(language: str) -> dict[str, str]:
    """Labels for a BCP 47 tag, falling back from `es-MX` to `es` to English for anything missing."""
    primary = language.split("-")[0].lower()
    return {**LABELS["en"], **MATTER_LABELS["en"], **LABELS.get(primary, {}), **MATTER_LABELS.get(primary, {})}
