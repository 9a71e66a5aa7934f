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


def labels_for(language: str) -> dict[str, str]:
    """Labels for a BCP 47 tag, falling back from `es-MX` to `es` to English for anything missing."""
    primary = language.split("-")[0].lower()
    return {**LABELS["en"], **LABELS.get(primary, {})}
