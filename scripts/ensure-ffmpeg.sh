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

source "$(dirname "$0")/lib/apt-install.sh"
apt_install ffmpeg ffmpeg
echo "ffmpeg: $(command -v ffmpeg)"
