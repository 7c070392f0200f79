#!/usr/bin/env bash
# Installs the Debian/Ubuntu packages the archive needs, only those that are missing.
#   runtime: Tesseract with Indonesian, English and orientation data; fonts for generated forms
#   test:    also Chromium for the browser tests (pass "test")
set -euo pipefail

packages=(tesseract-ocr tesseract-ocr-ind tesseract-ocr-eng tesseract-ocr-osd fonts-dejavu-core)
if [[ "${1:-}" == "test" ]]; then
  packages+=(chromium poppler-utils)  # poppler: the berita acara test renders with pdftoppm
fi

missing=()
for pkg in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
done
if [[ ${#missing[@]} -eq 0 ]]; then
  exit 0
fi

echo "Installing system packages: ${missing[*]}"
SUDO=""
if [[ $(id -u) -ne 0 ]]; then
  command -v sudo >/dev/null || { echo "Need root (or sudo) to install: ${missing[*]}" >&2; exit 1; }
  SUDO="sudo"
fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
