#!/usr/bin/env bash
# The system packages the tests need: Debian's Chromium for the browser tests, Noto fonts for PDFs,
# gettext for the check that every message is translated, poppler's pdftotext to read PDFs back, and
# HarfBuzz's subsetter, which WeasyPrint uses to embed only the glyphs a document needs (fast).
# As root they are installed; otherwise the exact command is printed and the run stops.
set -euo pipefail
missing=()
[ -x /usr/bin/chromium ] || missing+=(chromium)
fc-list 2>/dev/null | grep 'NotoSansDevanagari' >/dev/null || missing+=(fonts-noto-core)
command -v xgettext >/dev/null 2>&1 || missing+=(gettext)
command -v pdftotext >/dev/null 2>&1 || missing+=(poppler-utils)
ldconfig -p 2>/dev/null | grep 'libharfbuzz-subset.so.0' >/dev/null || missing+=(libharfbuzz-subset0)
[ ${#missing[@]} -eq 0 ] && exit 0
if [ "$(id -u)" -eq 0 ]; then
  echo "Installing ${missing[*]} with apt-get…"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
else
  echo "Khata's tests need these system packages. Install them with:"
  echo "  sudo apt-get update && sudo apt-get install -y --no-install-recommends ${missing[*]}"
  exit 1
fi
