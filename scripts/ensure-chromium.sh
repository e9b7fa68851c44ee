#!/usr/bin/env bash
# Makes sure a headless Chromium is there for the browser tests (test/browser/): Debian's own package,
# installed with apt when missing. playwright-core drives it; nothing downloads a browser build of its own.
set -euo pipefail

for candidate in "${CHROMIUM_PATH:-}" /usr/bin/chromium /usr/bin/chromium-browser; do
  if [ -n "$candidate" ] && [ -x "$candidate" ]; then
    echo "chromium: $candidate"
    exit 0
  fi
done

if ! command -v apt-get >/dev/null 2>&1; then
  echo "chromium is missing and apt-get is not available: install Chromium and set CHROMIUM_PATH" >&2
  exit 1
fi
sudo=""
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null 2>&1; then sudo="sudo"; else
    echo "chromium is missing; installing it needs root (apt-get install chromium)" >&2
    exit 1
  fi
fi
echo "chromium: installing Debian's package"
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
$sudo apt-get install -y -qq --no-install-recommends chromium fonts-liberation >/dev/null
echo "chromium: $(command -v chromium)"
