#!/usr/bin/env bash
# SHA-256 of every output of the sample and of a generated 8-chapter book (with a kepub edition added), built
# from nothing with a fixed SOURCE_DATE_EPOCH: run before and after a refactoring and diff the two listings.
#   scripts/output-digests.sh > before.txt; ...; scripts/output-digests.sh > after.txt; diff before.txt after.txt
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=${BIN:-.venv/bin}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
export SOURCE_DATE_EPOCH=1764547200
"$BIN/python" bench/make_manuscript.py "$work/eight" --words 24000 --chapters 8 >/dev/null
printf '  kobo:\n    format: kepub\n    layout: ebook\n    identifier: urn:isbn:9780000000057\n' \
  >> "$work/eight/manuscript/book.yaml"
"$BIN/bookforge" build -q -o "$work/sample" >&2
"$BIN/bookforge" build -q -C "$work/eight" -o "$work/eight-out" >&2
(cd "$work" && find sample eight-out -path '*/.cache' -prune -o -type f ! -name report.json ! -name .lock -print \
  | sort | xargs sha256sum)
