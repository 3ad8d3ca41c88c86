#!/usr/bin/python3
"""Golden numbers for the sync core (offset search) and the face crops.

Regenerate from the repo root:

    /usr/bin/python3 scripts/golden/sync_golden.py test/golden

Needs Debian's python3-torch (1.13), python3-numpy, python3-scipy and python3-opencv
(`apt-get install -y python3-opencv`). Writes test/golden/sync-offset.json and
test/golden/sync-crop.json; both are committed and small.

What is reproduced (our own code, following syncnet_python step by step):
  * SyncNetInstance.calc_pdist + evaluate: zero-pad the audio embeddings by vshift,
    torch.nn.functional.pairwise_distance (eps=1e-6) per shift, mean over windows,
    torch.min / torch.median, fconf and scipy.signal.medfilt(kernel_size=9);
  * run_pipeline.crop_video: box half size and centre, medfilt(kernel_size=13), pad by
    int(bs*(1+2*cs)) with 110, the int() crop indices in padded coordinates, resize.
Inputs are generated from seeds with a 32-bit LCG that test/core/*.test.ts
re-implements, so the JSON stores seeds plus a SHA-256 of the generated float32 bytes
instead of the embeddings themselves.
"""
import base64
import hashlib
import json
import os
import sys

import cv2
import numpy as np
import torch
from scipy import signal

VSHIFT = 15
CROP_SCALE = 0.4
PAD_VALUE = 110


class Lcg:
    """x <- (1664525 x + 1013904223) mod 2^32; uniform() = x / 2^32 in [0, 1)."""

    def __init__(self, seed):
        self.state = seed & 0xFFFFFFFF

    def uniform(self):
        self.state = (1664525 * self.state + 1013904223) & 0xFFFFFFFF
        return self.state / 4294967296.0


def f32_b64(values):
    return base64.b64encode(np.asarray(values, dtype='<f4').tobytes()).decode('ascii')


def u8_b64(values):
    return base64.b64encode(np.asarray(values, dtype=np.uint8).tobytes()).decode('ascii')


def floats(values):
    """float32 values as JSON numbers that parse back to the same float32."""
    return [float(v) for v in np.asarray(values, dtype=np.float32).ravel()]


# ---------------------------------------------------------------- offset search

def make_embeddings(case):
    """Lip rows uniform in [-1, 1); audio row j = mix*lip[j+shift] + (1-mix)*noise[j]
    (plain noise where j+shift is outside), so the planted answer is offset = shift."""
    n, dim = case['windows'], case['dim']
    if case['kind'] == 'zeros':
        return np.zeros((n, dim), np.float32), np.zeros((n, dim), np.float32)
    rng = Lcg(case['seed'])
    lip = [[np.float32(2.0 * rng.uniform() - 1.0) for _ in range(dim)] for _ in range(n)]
    noise = [[np.float32(2.0 * rng.uniform() - 1.0) for _ in range(dim)] for _ in range(n)]
    mix, shift = case['mix'], case['shift']
    audio = []
    for j in range(n):
        src = j + shift
        if 0 <= src < n:
            audio.append([np.float32(mix * float(lip[src][d]) + (1.0 - mix) * float(noise[j][d])) for d in range(dim)])
        else:
            audio.append(noise[j])
    return np.asarray(lip, np.float32), np.asarray(audio, np.float32)


def offset_search(lip, audio, vshift):
    """calc_pdist + the 'Compute offset' block of SyncNetInstance.evaluate."""
    feat1, feat2 = torch.from_numpy(lip), torch.from_numpy(audio)
    width = 2 * vshift + 1
    padded = torch.nn.functional.pad(feat2, (0, 0, vshift, vshift))
    dists = [torch.nn.functional.pairwise_distance(feat1[[i], :].repeat(width, 1), padded[i:i + width, :])
             for i in range(len(feat1))]
    mdist = torch.mean(torch.stack(dists, 1), 1)
    minval, minidx = torch.min(mdist, 0)
    median = torch.median(mdist)
    fdist = np.stack([d[minidx].numpy() for d in dists])
    fconf = median.numpy() - fdist
    fconfm = signal.medfilt(fconf, kernel_size=9)
    return {
        'dists': f32_b64(torch.stack(dists, 0).numpy()),
        'meanDists': floats(mdist.numpy()),
        'argmin': int(minidx),
        'offsetFrames': int(vshift - minidx),
        'minDist': float(minval),
        'medianDist': float(median),
        'confidence': float(median - minval),
        'rawWindowConfidence': floats(fconf),
        'windowConfidence': floats(fconfm),
    }


OFFSET_CASES = [
    {'name': 'n40-d64-shift+3', 'kind': 'lcg', 'seed': 1, 'windows': 40, 'dim': 64, 'shift': 3, 'mix': 0.75},
    {'name': 'n12-d1024-shift-2', 'kind': 'lcg', 'seed': 2, 'windows': 12, 'dim': 1024, 'shift': -2, 'mix': 0.75},
    {'name': 'n7-d32-noise', 'kind': 'lcg', 'seed': 3, 'windows': 7, 'dim': 32, 'shift': 0, 'mix': 0.0},
    {'name': 'n1-d16', 'kind': 'lcg', 'seed': 4, 'windows': 1, 'dim': 16, 'shift': 0, 'mix': 0.75},
    {'name': 'n3-d4-zeros-ties', 'kind': 'zeros', 'seed': 0, 'windows': 3, 'dim': 4, 'shift': 0, 'mix': 0.0},
]


def offset_golden():
    cases = []
    for case in OFFSET_CASES:
        lip, audio = make_embeddings(case)
        digest = hashlib.sha256(lip.astype('<f4').tobytes() + audio.astype('<f4').tobytes()).hexdigest()
        result = offset_search(lip, audio, VSHIFT)
        cases.append({**case, 'vshift': VSHIFT, 'sha256': digest, **result})
        print('%-20s offset %+d  min %.4f  conf %.4f' % (case['name'], result['offsetFrames'],
                                                        result['minDist'], result['confidence']))
    # torch.min must report the first index on ties (all distances equal in the zeros case).
    assert cases[-1]['argmin'] == 0, cases[-1]['argmin']
    return {'torch': torch.__version__, 'cases': cases}


# ---------------------------------------------------------------- face crops

def face_track(seed, frames):
    """A drifting face box with detector jitter and two outlier frames (for medfilt)."""
    rng = Lcg(seed)
    boxes = []
    for f in range(frames):
        cx = 320.0 + 1.5 * f + 6.0 * (rng.uniform() - 0.5)
        cy = 200.0 - 0.75 * f + 6.0 * (rng.uniform() - 0.5)
        w = 90.0 + 8.0 * (rng.uniform() - 0.5)
        h = 110.0 + 8.0 * (rng.uniform() - 0.5)
        if f in (9, 17):
            w, cx = w * 1.6, cx + 40.0
        boxes.append([cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2])
    return boxes


def crop_indices(boxes):
    """crop_video: per-frame half size/centre, medfilt 13, then padded-coordinate ints."""
    s = [max(b[3] - b[1], b[2] - b[0]) / 2 for b in boxes]
    y = [(b[1] + b[3]) / 2 for b in boxes]
    x = [(b[0] + b[2]) / 2 for b in boxes]
    s, x, y = (signal.medfilt(v, kernel_size=13) for v in (s, x, y))
    frames = []
    for bs, cx, cy in zip(s, x, y):
        bsi = int(bs * (1 + 2 * CROP_SCALE))
        my, mx = cy + bsi, cx + bsi
        frames.append({'bsi': bsi, 'rows': [int(my - bs), int(my + bs * (1 + 2 * CROP_SCALE))],
                       'cols': [int(mx - bs * (1 + CROP_SCALE)), int(mx + bs * (1 + CROP_SCALE))]})
    return {'halfSize': list(map(float, s)), 'centerX': list(map(float, x)), 'centerY': list(map(float, y)),
            'frames': frames}


def synthetic_image(width, height, channels):
    """value(x, y, c) = (37x + 11y + 71c + (x*y mod 13)) mod 256, row-major interleaved."""
    img = np.zeros((height, width, channels), np.uint8)
    for yy in range(height):
        for xx in range(width):
            for c in range(channels):
                img[yy, xx, c] = (37 * xx + 11 * yy + 71 * c + (xx * yy) % 13) % 256
    return img


def padded_crop(img, cx, cy, bs):
    """crop_video's np.pad + slice for one frame."""
    bsi = int(bs * (1 + 2 * CROP_SCALE))
    frame = np.pad(img, ((bsi, bsi), (bsi, bsi), (0, 0)), 'constant', constant_values=(PAD_VALUE, PAD_VALUE))
    my, mx = cy + bsi, cx + bsi
    face = frame[int(my - bs):int(my + bs * (1 + 2 * CROP_SCALE)), int(mx - bs * (1 + CROP_SCALE)):int(mx + bs * (1 + CROP_SCALE))]
    rect = [int(mx - bs * (1 + CROP_SCALE)) - bsi, int(my - bs) - bsi,
            int(mx + bs * (1 + CROP_SCALE)) - bsi, int(my + bs * (1 + 2 * CROP_SCALE)) - bsi]
    return face, rect


def resize_both(face, out_w, out_h):
    """torch bilinear (align_corners=False) on float, and cv2.resize INTER_LINEAR on uint8."""
    t = torch.from_numpy(face.astype(np.float32)).permute(2, 0, 1).unsqueeze(0)
    t = torch.nn.functional.interpolate(t, size=(out_h, out_w), mode='bilinear', align_corners=False)
    torch_out = t[0].permute(1, 2, 0).numpy()
    cv2_out = cv2.resize(face, (out_w, out_h), interpolation=cv2.INTER_LINEAR)
    return torch_out, cv2_out


def crop_golden():
    track = face_track(7, 30)
    short = face_track(8, 5)
    img = synthetic_image(64, 48, 3)
    pixel_cases = []
    for name, cx, cy, bs, sizes in [
        ('inside', 30.0, 20.0, 9.7, [(224, 224), (20, 13)]),
        ('bottom-left-edge', 8.0, 40.0, 12.0, [(224, 224), (50, 17)]),
    ]:
        face, rect = padded_crop(img, cx, cy, bs)
        outputs = []
        for out_w, out_h in sizes:
            torch_out, cv2_out = resize_both(face, out_w, out_h)
            entry = {'width': out_w, 'height': out_h}
            if out_w * out_h > 2000:
                rows = [0, 37, out_h - 1]
                entry.update({'rows': rows, 'torchRows': f32_b64(torch_out[rows]), 'cv2Rows': u8_b64(cv2_out[rows])})
            else:
                entry.update({'torch': f32_b64(torch_out), 'cv2': u8_b64(cv2_out)})
            outputs.append(entry)
        pixel_cases.append({'name': name, 'centerX': cx, 'centerY': cy, 'halfSize': bs,
                            'rect': rect, 'cropShape': list(face.shape), 'outputs': outputs})

    # v4 mouth path on the same image: box per MOUTH rule (centre of the landmark bounding
    # box, side 0.65*faceWidth, square), cv2.resize to 112 then BGR2GRAY.
    lips = [[20.5, 30.0], [27.0, 27.5], [34.25, 30.5], [27.5, 34.0]]
    face_width = 40.0
    cx = (min(p[0] for p in lips) + max(p[0] for p in lips)) / 2
    cy = (min(p[1] for p in lips) + max(p[1] for p in lips)) / 2
    side = 0.65 * face_width
    size = int(np.floor(side + 0.5))
    left, top = int(np.floor(cx - side / 2 + 0.5)), int(np.floor(cy - side / 2 + 0.5))
    padded = np.pad(img, ((size, size), (size, size), (0, 0)), 'constant', constant_values=(PAD_VALUE, PAD_VALUE))
    mouth = padded[top + size:top + 2 * size, left + size:left + 2 * size]
    mouth_gray = cv2.cvtColor(cv2.resize(mouth, (112, 112), interpolation=cv2.INTER_LINEAR), cv2.COLOR_BGR2GRAY)

    mouth_rows = [0, 40, 56, 111]
    return {
        'cv2': cv2.__version__,
        'cropScale': CROP_SCALE,
        'tracks': [{'name': 'drift-30', 'boxes': track, **crop_indices(track)},
                   {'name': 'short-5', 'boxes': short, **crop_indices(short)}],
        'image': {'width': 64, 'height': 48, 'channels': 3},
        'pixelCases': pixel_cases,
        'gray': u8_b64(cv2.cvtColor(img, cv2.COLOR_BGR2GRAY)),
        'mouth': {'lips': lips, 'faceWidth': face_width, 'rect': [left, top, left + size, top + size],
                  'rows': mouth_rows, 'grayRows': u8_b64(mouth_gray[mouth_rows])},
    }


def main():
    out_dir = sys.argv[1] if len(sys.argv) > 1 else os.path.join('test', 'golden')
    os.makedirs(out_dir, exist_ok=True)
    for name, data in [('sync-offset.json', offset_golden()), ('sync-crop.json', crop_golden())]:
        path = os.path.join(out_dir, name)
        with open(path, 'w') as f:
            json.dump(data, f, separators=(',', ':'))
            f.write('\n')
        print('wrote %s (%d bytes)' % (path, os.path.getsize(path)))


if __name__ == '__main__':
    main()
