#!/usr/bin/env bash
# Sets up a fresh Debian machine with Node 20 (as root) for lipsync-lens: system
# packages, npm dependencies, the MediaPipe model, and a build of both extensions.
#   chromium            — headless engine for the check CLI and the real-browser tests
#   ffmpeg              — test media (shifted/silent clips) and golden audio decoding
#   python3-torch/numpy/scipy/h5py — make random-init SyncNet checkpoints and goldens in tests
set -euo pipefail
cd "$(dirname "$0")/.."

APT_PACKAGES=(chromium firefox-esr ffmpeg python3-torch python3-numpy python3-scipy python3-h5py)
missing=()
for pkg in "${APT_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
done
if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" != 0 ]; then
    echo "setup: missing system packages: ${missing[*]} — run as root or: sudo apt-get install -y ${missing[*]}" >&2
    exit 1
  fi
  echo "setup: installing ${missing[*]}"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

npm ci --no-audit --no-fund
npm run models
npm run build
