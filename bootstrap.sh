#!/usr/bin/env bash
# One entry point for a fresh Debian 12 / Raspberry Pi OS machine:
#   ./bootstrap.sh run    set up, then start the kiosk with simulated devices
#   ./bootstrap.sh test   set up, then run the whole test suite
# It installs what the OS must provide (apt), makes .venv, installs the package with its extras.
set -euo pipefail
cd "$(dirname "$0")"

mode=${1:-}
case "$mode" in
  run|test|setup) shift ;;
  *) echo "usage: ./bootstrap.sh run|test|setup [extra arguments]" >&2; exit 2 ;;
esac

# CJK font, Mesa EGL for offscreen Kivy, PC/SC with a virtual reader, serial tools,
# offline speech, OCR for the scanner benchmark, systemd tools (the appliance tests verify units),
# PostgreSQL and Chromium with its driver for the central service's tests (issue 18);
# CUPS, ippeveprinter (with a private dbus-daemon for its DNS-SD start) and poppler for the A4 printer (issue 15).
APT_PACKAGES=(fonts-wqy-microhei libegl1 libgl1-mesa-dri libmtdev1 pcscd libpcsclite-dev swig
              vsmartcard-vpcd socat espeak-ng tesseract-ocr tesseract-ocr-chi-sim python3-venv systemd
              libusb-1.0-0 postgresql chromium chromium-driver
              cups cups-ipp-utils cups-client poppler-utils dbus-daemon)

missing=()
for pkg in "${APT_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
done
if [ ${#missing[@]} -gt 0 ]; then
  if ! command -v apt-get >/dev/null; then
    echo "bootstrap: this machine has no apt-get; install these by hand: ${missing[*]}" >&2; exit 1
  fi
  sudo=""
  if [ "$(id -u)" -ne 0 ]; then
    if command -v sudo >/dev/null; then sudo="sudo"; else
      echo "bootstrap: need root (or sudo) to install: ${missing[*]}" >&2; exit 1
    fi
  fi
  echo "bootstrap: installing system packages: ${missing[*]}"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

python=${PYTHON:-python3}
if ! "$python" -c 'import sys; sys.exit(sys.version_info < (3, 11))'; then
  echo "bootstrap: Python 3.11 or newer is required ($python is $("$python" --version 2>&1))" >&2; exit 1
fi
[ -x .venv/bin/python ] || "$python" -m venv .venv
stamp=.venv/.installed-$(cat pyproject.toml central/pyproject.toml | sha256sum | cut -c1-16)
if [ ! -f "$stamp" ]; then
  echo "bootstrap: installing the Python package and its extras into .venv"
  .venv/bin/python -m pip install -q --upgrade pip
  .venv/bin/python -m pip install -q -e '.[test]' -e './central[test]'  # central/: the county platform
  rm -f .venv/.installed-*; touch "$stamp"
fi

case "$mode" in
  run)  exec .venv/bin/terminal run --simulate "$@" ;;
  test) exec .venv/bin/python -m pytest "$@" ;;
  setup) echo "bootstrap: ready (.venv/bin/terminal)" ;;
esac
