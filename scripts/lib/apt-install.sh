#!/usr/bin/env bash
# Installs Debian packages for a tool the tests need: `apt_install <tool> <package>...`, with sudo when not root.
# Sourced by the ensure-*.sh scripts; exits with a message saying what to install by hand when it cannot.

apt_install() {
  local tool="$1"; shift
  if ! command -v apt-get >/dev/null 2>&1; then
    echo "$tool is missing and apt-get is not available: install $* by hand" >&2
    exit 1
  fi
  local sudo=""
  if [ "$(id -u)" -ne 0 ]; then
    if command -v sudo >/dev/null 2>&1; then sudo="sudo"; else
      echo "$tool is missing; installing it needs root (apt-get install $*)" >&2
      exit 1
    fi
  fi
  echo "$tool: installing Debian's package"
  export DEBIAN_FRONTEND=noninteractive
  $sudo apt-get update -qq
  $sudo apt-get install -y -qq --no-install-recommends "$@" >/dev/null
}
