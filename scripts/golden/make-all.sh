#!/usr/bin/env bash
# Regenerates the committed goldens in test/golden/ (npm run golden).
#   mfcc-*.json : the real python_speech_features and speechpy (not in Debian, no PyPI
#                 here): pip install python_speech_features speechpy, or point
#                 PYTHONPATH at checkouts of both.
#   sync-*.json : torch + scipy + opencv (apt: python3-torch python3-scipy python3-opencv).
# The SyncNet test checkpoints are not goldens: the tests make them on demand into
# test/.generated/ (gitignored) with make_syncnet_v{2,4}_checkpoint.py.
set -euo pipefail
cd "$(dirname "$0")/../.."
PYTHON=${LIPSYNC_PYTHON:-/usr/bin/python3}
"$PYTHON" scripts/golden/mfcc_golden.py --out test/golden
"$PYTHON" scripts/golden/sync_golden.py test/golden
git status --short test/golden
