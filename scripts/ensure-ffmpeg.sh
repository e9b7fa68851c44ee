#!/usr/bin/env bash
# Makes sure ffmpeg and ffprobe are there for the emulator's media plane and its tests (test/media-plane/): Debian's
# own package, installed with apt when missing. Without them the media plane stays off and those tests are skipped.
set -euo pipefail

for candidate in "${FFMPEG_PATH:-}" /usr/bin/ffmpeg; do
  if [ -n "$candidate" ] && [ -x "$candidate" ] && [ -x "$(dirname "$candidate")/ffprobe" ]; then
    echo "ffmpeg: $candidate"
    exit 0
  fi
done

if ! command -v apt-get >/dev/null 2>&1; then
  echo "ffmpeg is missing and apt-get is not available: install ffmpeg (with ffprobe) and set FFMPEG_PATH" >&2
  exit 1
fi
sudo=""
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null 2>&1; then sudo="sudo"; else
    echo "ffmpeg is missing; installing it needs root (apt-get install ffmpeg)" >&2
    exit 1
  fi
fi
echo "ffmpeg: installing Debian's package"
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
$sudo apt-get install -y -qq --no-install-recommends ffmpeg >/dev/null
echo "ffmpeg: $(command -v ffmpeg)"
