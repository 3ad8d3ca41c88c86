#!/usr/bin/env bash
# The main job, the last step of README command 1 (scripts/setup.sh): a real check of a demo
# clip, its verdict printed as a user sees it. A real talking-head clip from the project's
# shared folder (../shared, or the folder given) when it is there; otherwise a clip made here
# with ffmpeg (a test pattern and a tone: no face, so the honest verdict is "can't judge — no
# face"). Run by test/engine/main-job.test.ts both ways.
#   bash scripts/main-job.sh [shared-folder]
set -euo pipefail
cd "$(dirname "$0")/.."

DEMO=${1:-../shared}/media/clips/PCAVS_misc_Audio_Source_00104.mp4
if [ ! -f "$DEMO" ]; then
  mkdir -p .cache
  DEMO=.cache/demo-no-face.mp4
  [ -f "$DEMO" ] || ffmpeg -v error -y -f lavfi -i testsrc2=size=640x360:rate=25 -f lavfi -i sine=frequency=440:sample_rate=48000 \
    -t 6 -c:v libx264 -pix_fmt yuv420p -c:a aac "$DEMO"
fi
echo "setup: checking $DEMO (npm run check)"
npm run --silent check -- "$DEMO" 2>/dev/null
