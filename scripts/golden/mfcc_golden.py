#!/usr/bin/python3
"""Golden MFCC values for src/core/audio (test/core/mfcc.test.ts).

The values come from the REAL reference libraries, never from a re-implementation:
  * python_speech_features.mfcc(signal, 16000) with its defaults — what syncnet_python
    (SyncNetInstance.py) computes on the int16 samples scipy.io.wavfile returns ("v2").
  * speechpy.feature.mfcc(signal, 16000, frame_length=0.010, frame_stride=0.010,
    num_cepstral=13) — the SyncNet v4 (Keras port) front end; the TS side drops c0.

How to regenerate (from the repo root):
  Either install the libraries:
      pip install python_speech_features==0.6 speechpy==2.4 numpy scipy
      python3 scripts/golden/mfcc_golden.py
  or point PYTHONPATH at source checkouts of
  github.com/jameslyons/python_speech_features and github.com/astorfi/speechpy:
      PYTHONPATH=/tmp/ref/jameslyons+python_speech_features:/tmp/ref/astorfi+speechpy \\
          /usr/bin/python3 scripts/golden/mfcc_golden.py
  Options: --shared DIR (default ../shared, or $LIPSYNC_SHARED) for the real-speech
  case, --out DIR (default test/golden).

Writes test/golden/mfcc-<case>.json, one file per case (each < 300 KB):
  synthetic cases store their int16 input as base64 (little-endian) so the test feeds the
  exact samples the reference saw; the real-speech case stores NO media: only the ffmpeg
  command, the sample range and the sha256 of the decoded PCM, which the test re-decodes
  from ../shared/media/clips and checks before comparing.
Outputs are rounded to 6 decimals (error <= 5e-7, far inside the 1e-3 test tolerance).
"""
import argparse
import base64
import hashlib
import json
import os
import subprocess
import sys

import numpy as np
from scipy.signal import lfilter

import python_speech_features
import speechpy

SAMPLE_RATE = 16000

# The real-speech excerpt: a GRID sentence (LipNet evaluation sample, real-in-sync in
# shared/media/MANIFEST.tsv), decoded to 16 kHz mono s16le, samples [8000, 40000) = 0.5-2.5 s.
REAL_CLIP = 'LipNet_evaluation_samples_GRID_bbaf2n.mpg'
REAL_RANGE = (8000, 40000)
FFMPEG_ARGS = ['-nostdin', '-v', 'error', '-i', '{clip}', '-vn', '-ac', '1', '-ar', '16000',
               '-f', 's16le', '-acodec', 'pcm_s16le', '-']


def speech_like(rng, num_samples, peak=12000.0):
    """Seeded speech-like int16 signal: a glottal-like harmonic source with a wandering f0,
    formant resonators whose targets change per "syllable", 4 Hz syllable-rate amplitude
    modulation, breath noise and a few fricative-like noise bursts."""
    t = np.arange(num_samples) / SAMPLE_RATE
    f0 = 125 + 25 * np.sin(2 * np.pi * 0.7 * t) + 8 * np.sin(2 * np.pi * 2.3 * t + 1.0)
    phase = 2 * np.pi * np.cumsum(f0) / SAMPLE_RATE
    source = np.zeros(num_samples)
    for k in range(1, 60):
        # fade each harmonic out before Nyquist so nothing aliases
        weight = np.clip((7600 - k * f0) / 400, 0, 1) / k ** 0.9
        source += weight * np.sin(k * phase + rng.uniform(0, 2 * np.pi))

    vowels = [(700, 1220, 2600), (300, 2300, 3000), (500, 900, 2500), (400, 1900, 2700)]
    segment = SAMPLE_RATE // 4  # one "syllable" = 250 ms
    voiced = np.zeros(num_samples)
    states = [np.zeros(2) for _ in range(3)]
    for start in range(0, num_samples, segment):
        piece = source[start:start + segment]
        formants = vowels[rng.integers(len(vowels))]
        for i, (freq, bandwidth) in enumerate(zip(formants, (90, 120, 160))):
            r = np.exp(-np.pi * bandwidth / SAMPLE_RATE)
            a = [1, -2 * r * np.cos(2 * np.pi * freq / SAMPLE_RATE), r * r]
            piece, states[i] = lfilter([1 - r], a, piece, zi=states[i])
        voiced[start:start + segment] = piece

    envelope = (0.5 * (1 - np.cos(2 * np.pi * 4.0 * t + 0.3))) ** 1.5
    signal = voiced / np.max(np.abs(voiced)) * envelope
    signal += 0.01 * rng.standard_normal(num_samples)
    hiss = lfilter([1, -1], [1], rng.standard_normal(num_samples))  # high-passed noise
    bursts = np.zeros(num_samples)
    for centre in rng.integers(0, num_samples, size=max(1, num_samples // 8000)):
        width = 800
        lo, hi = max(0, centre - width), min(num_samples, centre + width)
        bursts[lo:hi] = np.hanning(2 * width)[lo - (centre - width):hi - (centre - width)]
    signal += 0.08 * hiss * bursts
    signal = signal / np.max(np.abs(signal)) * peak
    return np.clip(np.round(signal), -32768, 32767).astype(np.int16)


def synthetic_cases():
    rng = np.random.default_rng(20240611)
    with_silence = np.concatenate([
        speech_like(rng, 6400),
        np.zeros(8000, dtype=np.int16),  # 0.5 s of digital silence: exercises the eps floor
        speech_like(rng, 4800),
        np.zeros(3200, dtype=np.int16),
    ])
    return [
        ('speechlike', 'seeded speech-like signal, 1.5 s', speech_like(rng, 24000)),
        ('silence', 'speech-like with 0.5 s and 0.2 s of digital silence (eps floor)', with_silence),
        ('odd-length', 'speech-like, 8123 samples: not a multiple of the 160 hop', speech_like(rng, 8123)),
        ('short', '250 samples: shorter than one 400-sample v2 frame', speech_like(rng, 250)),
        ('tiny', '100 samples: shorter than one 160-sample v4 frame', speech_like(rng, 100)),
    ]


def rounded(matrix):
    return [[round(float(v), 6) for v in row] for row in np.asarray(matrix)]


def reference_outputs(signal):
    v2 = python_speech_features.mfcc(signal, SAMPLE_RATE)
    try:
        v4 = speechpy.feature.mfcc(signal, SAMPLE_RATE, frame_length=0.010, frame_stride=0.010,
                                   num_cepstral=13)
        v4_entry = {'rows': int(v4.shape[0]), 'coefficients': int(v4.shape[1]), 'data': rounded(v4)}
    except Exception as error:  # speechpy raises for a signal shorter than one frame
        v4_entry = {'rows': 0, 'coefficients': 13, 'error': f'{type(error).__name__}: {error}'}
    return (
        {'rows': int(v2.shape[0]), 'coefficients': int(v2.shape[1]), 'data': rounded(v2)},
        v4_entry,
    )


def filterbank_edges():
    """Integer FFT-bin edges of both filterbanks, recomputed the way each library does
    (base.get_filterbanks / feature.filterbanks) so the TS test can check them exactly."""
    psf_mel = np.linspace(python_speech_features.base.hz2mel(0),
                          python_speech_features.base.hz2mel(8000), 28)
    psf_bins = np.floor((512 + 1) * python_speech_features.base.mel2hz(psf_mel) / SAMPLE_RATE)
    fb = python_speech_features.get_filterbanks(26, 512, SAMPLE_RATE, 0, None)
    sp_mel = np.linspace(speechpy.functions.frequency_to_mel(300),
                         speechpy.functions.frequency_to_mel(8000), 42)
    sp_bins = np.floor((257 + 1) * speechpy.functions.mel_to_frequency(sp_mel) / SAMPLE_RATE)
    sp_fb = speechpy.feature.filterbanks(40, 257, SAMPLE_RATE, 0, None)
    return {
        'psf': {'bins': [int(b) for b in psf_bins], 'weightSum': float(fb.sum())},
        'speechpy': {'bins': [int(b) for b in sp_bins], 'weightSum': float(sp_fb.sum())},
    }


def source_provenance():
    files = [python_speech_features.base.__file__, python_speech_features.sigproc.__file__,
             speechpy.feature.__file__, speechpy.processing.__file__, speechpy.functions.__file__]
    return {os.path.basename(os.path.dirname(f)) + '/' + os.path.basename(f):
            hashlib.sha256(open(f, 'rb').read()).hexdigest() for f in files}


def write(out_dir, name, payload):
    path = os.path.join(out_dir, f'mfcc-{name}.json')
    with open(path, 'w') as f:
        json.dump(payload, f, separators=(',', ':'))
    size = os.path.getsize(path)
    assert size < 300_000, f'{path} is {size} bytes'
    print(f'wrote {path} ({size} bytes)')


def main():
    repo_root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    parser = argparse.ArgumentParser()
    parser.add_argument('--out', default=os.path.join(repo_root, 'test', 'golden'))
    parser.add_argument('--shared', default=os.environ.get('LIPSYNC_SHARED',
                                                           os.path.join(repo_root, '..', 'shared')))
    args = parser.parse_args()
    os.makedirs(args.out, exist_ok=True)

    common = {
        'generator': 'scripts/golden/mfcc_golden.py',
        'reference': {
            'v2': 'python_speech_features.mfcc(signal, 16000) (all defaults)',
            'v4': 'speechpy.feature.mfcc(signal, 16000, frame_length=0.010, frame_stride=0.010, '
                  'num_cepstral=13); TS mfccSyncnetV4 = columns 1..12',
        },
        'referenceSourceSha256': source_provenance(),
        'numpy': np.__version__,
    }

    for name, description, signal in synthetic_cases():
        v2, v4 = reference_outputs(signal)
        payload = dict(common, case=name, description=description, sampleRate=SAMPLE_RATE,
                       numSamples=int(signal.size),
                       int16Base64=base64.b64encode(signal.astype('<i2').tobytes()).decode(),
                       v2=v2, v4=v4)
        if name == 'speechlike':
            payload['filterbankEdges'] = filterbank_edges()
        write(args.out, name, payload)

    clip = os.path.join(args.shared, 'media', 'clips', REAL_CLIP)
    if not os.path.exists(clip):
        print(f'real-speech case NOT regenerated: {clip} is absent', file=sys.stderr)
        return
    ffmpeg_args = [a.replace('{clip}', clip) for a in FFMPEG_ARGS]
    pcm = subprocess.run(['ffmpeg', *ffmpeg_args], check=True, capture_output=True).stdout
    decoded = np.frombuffer(pcm, dtype='<i2')
    excerpt = decoded[REAL_RANGE[0]:REAL_RANGE[1]].astype(np.int16)
    assert excerpt.size == REAL_RANGE[1] - REAL_RANGE[0], 'clip shorter than the excerpt'
    v2, v4 = reference_outputs(excerpt)
    ffmpeg_version = subprocess.run(['ffmpeg', '-version'], capture_output=True,
                                    text=True).stdout.splitlines()[0]
    write(args.out, 'real-speech', dict(
        common, case='real-speech',
        description=f'{REAL_CLIP}, 16 kHz mono s16le samples {REAL_RANGE[0]}..{REAL_RANGE[1]}',
        sampleRate=SAMPLE_RATE, numSamples=int(excerpt.size),
        clip=f'media/clips/{REAL_CLIP}', ffmpegArgs=FFMPEG_ARGS, ffmpegVersion=ffmpeg_version,
        sampleRange=list(REAL_RANGE),
        excerptSha256=hashlib.sha256(excerpt.astype('<i2').tobytes()).hexdigest(),
        v2=v2, v4=v4))


if __name__ == '__main__':
    main()
