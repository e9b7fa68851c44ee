#!/usr/bin/env bash
# Makes sure ffmpeg and ffprobe are there for the emulator's media plane and its tests (test/media-plane/): Debian's
# own package, installed with apt when missing. Without them the media plane stays off and those tests are skipped.
set -euo pipefail

# FFMPEG_PATH, when set, is the only ffmpeg the emulator considers (ams-emulator/mediaPlane/processes.ts).
if [ -n "${FFMPEG_PATH:-}" ]; then
  if [ -x "$FFMPEG_PATH" ] && [ -x "$(dirname "$FFMPEG_PATH")/ffprobe" ]; then echo "ffmpeg: $FFMPEG_PATH"; exit 0; fi
  echo "FFMPEG_PATH=$FFMPEG_PATH is not an ffmpeg with ffprobe next to it" >&2
  exit 1
fi
if command -v ffmpeg >/dev/null 2>&1 && command -v ffprobe >/dev/null 2>&1; then
  echo "ffmpeg: $(command -v ffmpeg)"
  exit 0
fi

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
