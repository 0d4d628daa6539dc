#!/usr/bin/env bash
# Installs Debian's Chromium for the browser SDK's end-to-end tests (playwright-core drives it at
# /usr/bin/chromium). Nothing downloads a browser build of its own: only Debian's package is used,
# because the machines reach Debian's mirrors but not the browser builds' download hosts.
# Idempotent: when /usr/bin/chromium exists it changes nothing.
set -euo pipefail

CHROMIUM=/usr/bin/chromium

if [ -x "$CHROMIUM" ]; then
  echo "install-chromium: $CHROMIUM is present ($("$CHROMIUM" --version 2>/dev/null || echo 'version unknown')); nothing to do"
  exit 0
fi

# apt-get needs root; CI and the development machines run as root, elsewhere use sudo when it is there.
SUDO=""
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null 2>&1; then SUDO="sudo"; else
    echo "install-chromium: $CHROMIUM is missing and installing it needs root (apt-get install chromium)" >&2
    exit 1
  fi
fi

echo "install-chromium: $CHROMIUM is missing; running apt-get update"
$SUDO apt-get update
echo "install-chromium: running apt-get install -y --no-install-recommends chromium"
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y --no-install-recommends chromium
echo "install-chromium: installed $("$CHROMIUM" --version)"
