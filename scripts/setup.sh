#!/usr/bin/env bash
# Sets up a fresh Debian machine with Node 20 (as root) for lipsync-lens: system
# packages, npm dependencies, the MediaPipe model, a build of both extensions, and then
# the main job (scripts/main-job.sh): one real check of a demo clip with its verdict printed.
#   chromium            — headless engine for the check CLI and the real-browser tests
#   firefox-esr         — the Firefox tests (test/e2e/firefox-*.test.ts)
#   pulseaudio          — a sound output for Firefox in those tests (a private null sink)
#   libasound2-plugins  — ALSA's pulse plugin: Firefox reaches that sink through ALSA (its own PulseAudio backend deadlocks)
#   xvfb                — a virtual display for Firefox in those tests: headless Firefox without a GPU has no WebGL, which the face landmarker needs
#   xdotool             — real key presses on that display (the keyboard shortcut test in Firefox)
#   ffmpeg              — test media (shifted/silent clips) and golden audio decoding
#   python3-torch/numpy/scipy/h5py — make random-init SyncNet checkpoints and goldens in tests
#   fonts-wqy-microhei  — a CJK font, so the Chinese popup renders (test/e2e/languages.test.ts screenshots)
set -euo pipefail
cd "$(dirname "$0")/.."

APT_PACKAGES=(chromium firefox-esr pulseaudio libasound2-plugins xvfb xdotool ffmpeg python3-torch python3-numpy python3-scipy python3-h5py fonts-wqy-microhei)
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

# The main job: a real check of a demo clip, its verdict printed as a user sees it.
bash scripts/main-job.sh
