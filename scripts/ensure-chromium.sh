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

source "$(dirname "$0")/lib/apt-install.sh"
apt_install chromium chromium fonts-liberation
echo "chromium: $(command -v chromium)"
