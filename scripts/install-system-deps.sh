#!/usr/bin/env bash
# Debian packages bookforge's build and tests need beyond Python: Java for EPUBCheck, HarfBuzz's subsetter
# for WeasyPrint's font embedding, poppler and qpdf to inspect PDFs, Ghostscript's CMYK ICC profile (libgs-common)
# for the PDF/X output intent. Installs only what is missing.
# Noto (core and CJK): the open fonts of the fallback chain, for the scripts the book face does not cover
# (src/bookforge/render/fonts.py).
# Chromium: the browser that the test of `bookforge preview` drives through Playwright, and that DAISY Ace (the
# EPUB accessibility checker, installed by `npm ci`) drives through puppeteer. Node and npm for Ace.
set -euo pipefail
needed=(default-jre-headless libharfbuzz-subset0 poppler-utils qpdf libgs-common chromium fonts-noto-core
        fonts-noto-cjk)
missing=()
command -v npm >/dev/null 2>&1 || missing+=(nodejs npm)
for package in "${needed[@]}"; do
  if [ "$package" = default-jre-headless ] && command -v java >/dev/null 2>&1; then continue; fi
  dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" || missing+=("$package")
done
[ ${#missing[@]} -eq 0 ] && exit 0
echo "installing system packages: ${missing[*]}"
sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"
$sudo apt-get update -qq
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
