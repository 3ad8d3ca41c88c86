#!/usr/bin/python3
"""Random-init SyncNet v2 checkpoints, golden inputs/embeddings and bad files for the tests.

Usage: /usr/bin/python3 scripts/golden/make_syncnet_v2_checkpoint.py OUT_DIR

The module below is written from the architecture of syncnet_python's `S`
(SyncNetModel.py): the layer list, kernel sizes, strides and paddings are the same,
so the state_dict keys (netcnnaud.*, netfcaud.*, netcnnlip.*, netfclip.*) and shapes
match the official syncnet_v2.model.

Writes into OUT_DIR:
  syncnet_v2_legacy.model   state_dict, torch.save(..., _use_new_zipfile_serialization=False)
  syncnet_v2_zip.model      state_dict, zip format
  lip_input.bin             float32 [2,5,224,224,3]: time-major, BGR, raw 0-255 (the TF.js layout)
  lip_embedding.bin         float32 [2,1024]  forward_lip equivalent
  audio_input.bin           float32 [4,13,20] MFCC windows (coefficients x 10-ms rows)
  audio_embedding.bin       float32 [4,1024]  forward_aud equivalent
  golden.json               index of the above (shapes, files, descriptions)
  bad_truncated.model       first 60 % of the legacy file
  bad_truncated_zip.model   first 60 % of the zip file
  bad_corrupt.model         legacy file with a run of bytes overwritten in the pickle and another in the storage data
  bad_corrupt_storage.model legacy file with only the storage-data run overwritten (NaN floats)
  bad_fc512.model           same key names, but the fc layers end in 512 (not 1024) features
  bad_other_net.model       a different network's state_dict (a small CNN)
  bad_not_checkpoint.model  a text file
  bad_whole_model.model     torch.save of a whole nn.Module (not a state_dict)
  views_legacy.model, views_zip.model  transposed / sliced / expanded views and
                            float64 / float16 / int64 / 0-d tensors
  old_style.model           a hand-written legacy file shaped like PyTorch 0.3 on a GPU
                            (torch.cuda.FloatStorage, _rebuild_tensor, Python-2-style
                            OrderedDict([[k, v], ...]), a storage view), checked with torch.load
  views_expected.json       expected contiguous values of the two above, from torch.load
"""
import collections
import io
import json
import os
import pickle
import pickletools
import struct
import sys

import numpy as np
import torch
import torch.nn as nn

SEED = 20240611


def conv_bn_relu(conv, channels, bn=nn.BatchNorm2d, inplace=True):
    return [conv, bn(channels), nn.ReLU(inplace=inplace)]


class SyncNetV2(nn.Module):
    """Same layers and indices as syncnet_python SyncNetModel.S (num_layers_in_fc_layers=fc_out)."""

    def __init__(self, fc_out=1024):
        super().__init__()
        # netcnnaud: MFCC 1x13x20 -> 512x1x1 (S.netcnnaud)
        self.netcnnaud = nn.Sequential(
            *conv_bn_relu(nn.Conv2d(1, 64, (3, 3), (1, 1), (1, 1)), 64),
            nn.MaxPool2d((1, 1), (1, 1)),
            *conv_bn_relu(nn.Conv2d(64, 192, (3, 3), (1, 1), (1, 1)), 192),
            nn.MaxPool2d((3, 3), (1, 2)),
            *conv_bn_relu(nn.Conv2d(192, 384, (3, 3), padding=(1, 1)), 384),
            *conv_bn_relu(nn.Conv2d(384, 256, (3, 3), padding=(1, 1)), 256),
            *conv_bn_relu(nn.Conv2d(256, 256, (3, 3), padding=(1, 1)), 256),
            nn.MaxPool2d((3, 3), (2, 2)),
            *conv_bn_relu(nn.Conv2d(256, 512, (5, 4), padding=(0, 0)), 512, inplace=False),
        )
        self.netfcaud = nn.Sequential(nn.Linear(512, 512), nn.BatchNorm1d(512), nn.ReLU(), nn.Linear(512, fc_out))
        self.netfclip = nn.Sequential(nn.Linear(512, 512), nn.BatchNorm1d(512), nn.ReLU(), nn.Linear(512, fc_out))
        # netcnnlip: 3x5x224x224 -> 512x1x1x1 (S.netcnnlip)
        bn3 = nn.BatchNorm3d
        self.netcnnlip = nn.Sequential(
            *conv_bn_relu(nn.Conv3d(3, 96, (5, 7, 7), (1, 2, 2), 0), 96, bn3),
            nn.MaxPool3d((1, 3, 3), (1, 2, 2)),
            *conv_bn_relu(nn.Conv3d(96, 256, (1, 5, 5), (1, 2, 2), (0, 1, 1)), 256, bn3),
            nn.MaxPool3d((1, 3, 3), (1, 2, 2), (0, 1, 1)),
            *conv_bn_relu(nn.Conv3d(256, 256, (1, 3, 3), padding=(0, 1, 1)), 256, bn3),
            *conv_bn_relu(nn.Conv3d(256, 256, (1, 3, 3), padding=(0, 1, 1)), 256, bn3),
            *conv_bn_relu(nn.Conv3d(256, 256, (1, 3, 3), padding=(0, 1, 1)), 256, bn3),
            nn.MaxPool3d((1, 3, 3), (1, 2, 2)),
            *conv_bn_relu(nn.Conv3d(256, 512, (1, 6, 6), padding=0), 512, bn3),
        )

    # S.forward_aud / S.forward_lip: CNN, flatten, FC.
    def forward_aud(self, x):
        mid = self.netcnnaud(x)
        return self.netfcaud(mid.view(mid.size(0), -1))

    def forward_lip(self, x):
        mid = self.netcnnlip(x)
        return self.netfclip(mid.view(mid.size(0), -1))


def synthetic_mfcc(rng, n):
    """MFCC windows [n,13,20] in python_speech_features' ranges: c0 is the log frame
    energy (appendEnergy=True, ~8-20 for int16 speech), c1..c12 are liftered cepstra
    (tens, shrinking with the index); smooth over the 10-ms rows like real speech."""
    t = np.arange(20)[None, :]
    out = np.empty((n, 13, 20), np.float32)
    for i in range(n):
        out[i, 0] = 14 + 3 * np.sin(2 * np.pi * t[0] / rng.uniform(6, 20) + rng.uniform(0, 6)) + rng.normal(0, 0.5, 20)
        for k in range(1, 13):
            scale = 25.0 / (1 + 0.25 * k)
            base = rng.normal(0, scale)
            wave = 0.5 * scale * np.sin(2 * np.pi * t[0] / rng.uniform(5, 25) + rng.uniform(0, 6))
            out[i, k] = base + wave + rng.normal(0, 0.1 * scale, 20)
    return out


def synthetic_face_window(rng):
    """A smooth face-like 5-frame window [5,224,224,3] in BGR 0-255: skin-tone ellipse,
    darker eyes, a mouth that opens over the frames, a vertical background gradient."""
    yy, xx = np.mgrid[0:224, 0:224].astype(np.float32)
    frames = []
    for f in range(5):
        img = np.empty((224, 224, 3), np.float32)
        img[..., 0] = 60 + 0.3 * yy  # B
        img[..., 1] = 70 + 0.2 * yy  # G
        img[..., 2] = 90 + 0.1 * xx  # R
        face = ((xx - 112) / 80) ** 2 + ((yy - 112) / 100) ** 2
        skin = np.clip(1.5 - face * 1.5, 0, 1)[..., None]
        img = img * (1 - skin) + np.array([120, 150, 200], np.float32) * skin
        for ex in (80, 144):
            eye = np.exp(-(((xx - ex) / 10) ** 2 + ((yy - 90) / 6) ** 2))[..., None]
            img = img * (1 - 0.8 * eye) + 30 * 0.8 * eye
        opening = 4 + 6 * f
        mouth = np.exp(-(((xx - 112) / 28) ** 2 + ((yy - 160) / opening) ** 2))[..., None]
        img = img * (1 - 0.9 * mouth) + np.array([40, 40, 110], np.float32) * 0.9 * mouth
        img += rng.normal(0, 2, img.shape)
        frames.append(np.clip(np.round(img), 0, 255))
    return np.stack(frames).astype(np.float32)


def calibrate_and_randomise_bn(model, lip_nchw, mfcc_nchw, gen):
    """Running stats from a train-mode pass over a calibration batch (so activations stay
    in a sane range), then perturbed together with the affine params so BatchNorm parity
    (eval mode, eps 1e-5) is really exercised."""
    bns = [m for m in model.modules() if isinstance(m, nn.modules.batchnorm._BatchNorm)]
    for bn in bns:
        bn.reset_running_stats()
        bn.momentum = None  # cumulative average = this batch's statistics
    model.train()
    with torch.no_grad():
        model.forward_lip(lip_nchw)
        model.forward_aud(mfcc_nchw)
        for bn in bns:
            c = bn.num_features
            bn.running_mean.add_(0.1 * bn.running_var.sqrt() * torch.randn(c, generator=gen))
            bn.running_var.mul_(torch.empty(c).uniform_(0.7, 1.4, generator=gen))
            bn.weight.copy_(torch.empty(c).uniform_(0.6, 1.5, generator=gen))
            bn.bias.copy_(0.2 * torch.randn(c, generator=gen))
            bn.momentum = 0.1
    model.eval()


def pickle_regions(path):
    """Byte ranges of the five pickles at the head of a legacy torch.save file
    (magic, protocol, sys_info, object, storage keys); the storage data follows."""
    regions = []
    with open(path, 'rb') as f:
        for _ in range(5):
            start = f.tell()
            for _op, _arg, pos in pickletools.genops(f):
                pass
            regions.append((start, f.tell()))
    return regions


class _OldStorage:
    """A storage as PyTorch 0.3 pickled it: a persistent id, maybe a view of a root."""

    def __init__(self, root_key, root_numel, view=None):
        self.root_key, self.root_numel, self.view = root_key, root_numel, view


class _OldTensor:
    def __init__(self, storage, offset, size, stride):
        self.args = (storage, offset, size, stride)

    def __reduce__(self):  # PyTorch < 0.4: Tensor.__reduce__ -> torch._utils._rebuild_tensor
        return (torch._utils._rebuild_tensor, self.args)


class _Py2OrderedDict:
    def __init__(self, items):
        self.items = items

    def __reduce__(self):  # Python 2's OrderedDict.__reduce__: (cls, ([[k, v], ...],))
        return (collections.OrderedDict, ([[k, v] for k, v in self.items],))


def write_old_style_checkpoint(path, rng):
    """The legacy layout torch.serialization._legacy_load reads, written by hand the way
    PyTorch 0.3 wrote it from a GPU: magic, protocol, sys_info, object, keys, data."""
    roots = {'94811': rng.normal(size=60).astype('<f4'), '94812': rng.normal(size=20).astype('<f4')}
    a, b = (_OldStorage(k, v.size) for k, v in roots.items())
    a_view = _OldStorage('94811', 60, view=('94813', 10, 20))
    state = _Py2OrderedDict([
        ('conv.weight', _OldTensor(a, 0, (3, 4, 5), (20, 5, 1))),
        ('fc.weight', _OldTensor(b, 0, (5, 4), (1, 5))),        # transposed (non-contiguous)
        ('view.bias', _OldTensor(a_view, 2, (6,), (3,))),      # strided, in a storage view
    ])

    class OldPickler(pickle.Pickler):
        def persistent_id(self, obj):
            if isinstance(obj, _OldStorage):
                return ('storage', torch.cuda.FloatStorage, obj.root_key, 'cuda:0', obj.root_numel, obj.view)
            return None

    buf = io.BytesIO()
    for header in (0x1950a86a20f9469cfc6c, 1001, {'protocol_version': 1001, 'little_endian': True, 'type_sizes': {'short': 2, 'int': 4, 'long': 8}}):
        pickle.dump(header, buf, protocol=2)
    OldPickler(buf, protocol=2).dump(state)
    pickle.dump(list(roots), buf, protocol=2)
    for data in roots.values():
        buf.write(struct.pack('<q', data.size) + data.tobytes())
    with open(path, 'wb') as f:
        f.write(buf.getvalue())


def write_view_checkpoints(out, rng):
    base = torch.from_numpy(rng.normal(size=(4, 6)).astype(np.float32))
    state = collections.OrderedDict([
        ('transposed', base.t()),
        ('sliced', base[1:3, 2:5]),
        ('expanded', torch.arange(3.0).expand(4, 3)),
        ('double', torch.from_numpy(rng.normal(size=(2, 3)))),
        ('half', torch.tensor([0.5, -2.0, 65504.0, 6e-8], dtype=torch.float16)),
        ('long', torch.tensor([3, -7, 1 << 40])),
        ('scalar', torch.tensor(2.5)),
    ])
    torch.save(state, os.path.join(out, 'views_legacy.model'), _use_new_zipfile_serialization=False)
    torch.save(state, os.path.join(out, 'views_zip.model'))
    write_old_style_checkpoint(os.path.join(out, 'old_style.model'), rng)
    expected = {}
    for name in ('views_legacy.model', 'views_zip.model', 'old_style.model'):
        loaded = torch.load(os.path.join(out, name), map_location='cpu')
        expected[name] = {k: {'shape': list(v.shape), 'values': v.contiguous().double().flatten().tolist()} for k, v in loaded.items()}
    with open(os.path.join(out, 'views_expected.json'), 'w') as f:
        json.dump(expected, f)


def main():
    out = sys.argv[1]
    os.makedirs(out, exist_ok=True)
    torch.manual_seed(SEED)
    gen = torch.Generator().manual_seed(SEED + 1)
    rng = np.random.default_rng(SEED)
    torch.set_num_threads(2)

    model = SyncNetV2()
    calib_lip = torch.from_numpy(np.stack([synthetic_face_window(rng), rng.integers(0, 256, (5, 224, 224, 3)).astype(np.float32)]))
    calib_mfcc = torch.from_numpy(synthetic_mfcc(rng, 8))
    # TF layout [N,5,H,W,C] -> syncnet_python's [N,C,5,H,W] (SyncNetInstance.evaluate: transpose (0,3,4,1,2))
    calibrate_and_randomise_bn(model, calib_lip.permute(0, 4, 1, 2, 3).contiguous(), calib_mfcc[:, None], gen)

    legacy = os.path.join(out, 'syncnet_v2_legacy.model')
    zipped = os.path.join(out, 'syncnet_v2_zip.model')
    state = model.state_dict()
    torch.save(state, legacy, _use_new_zipfile_serialization=False)
    torch.save(state, zipped)

    # Golden inputs: one random-noise window, one smooth face-like window; 4 MFCC windows.
    lip = np.stack([rng.integers(0, 256, (5, 224, 224, 3)).astype(np.float32), synthetic_face_window(rng)])
    mfcc = synthetic_mfcc(rng, 4)
    with torch.no_grad():
        lip_emb = model.forward_lip(torch.from_numpy(lip).permute(0, 4, 1, 2, 3).contiguous()).numpy()
        # SyncNetInstance.evaluate: cct[:,:,:,v*4:v*4+20] -> [N,1,13,20]
        aud_emb = model.forward_aud(torch.from_numpy(mfcc)[:, None]).numpy()

    files = {
        'lip_input': (lip, 'lip windows [N,5,224,224,3] time-major, BGR, raw 0-255; window 0 noise, window 1 face-like'),
        'lip_embedding': (lip_emb, 'forward_lip of lip_input (permuted to [N,3,5,224,224])'),
        'audio_input': (mfcc, 'MFCC windows [N,13,20] (coefficient x 10-ms row)'),
        'audio_embedding': (aud_emb, 'forward_aud of audio_input[:,None]'),
    }
    index = {'seed': SEED, 'torch': torch.__version__, 'checkpoints': {'legacy': os.path.basename(legacy), 'zip': os.path.basename(zipped)}, 'tensors': {}}
    for name, (arr, desc) in files.items():
        arr = np.ascontiguousarray(arr, dtype='<f4')
        arr.tofile(os.path.join(out, name + '.bin'))
        index['tensors'][name] = {'file': name + '.bin', 'shape': list(arr.shape), 'dtype': 'float32', 'description': desc}

    # ---- bad files ----
    raw = open(legacy, 'rb').read()
    open(os.path.join(out, 'bad_truncated.model'), 'wb').write(raw[: int(len(raw) * 0.6)])
    raw_zip = open(zipped, 'rb').read()
    open(os.path.join(out, 'bad_truncated_zip.model'), 'wb').write(raw_zip[: int(len(raw_zip) * 0.6)])

    regions = pickle_regions(legacy)
    obj_start, obj_end = regions[3]
    data_start = regions[4][1]
    pickle_hit = obj_start + (obj_end - obj_start) * 2 // 5
    storage_hit = data_start + (len(raw) - data_start) // 2
    # 0xFF is no pickle opcode, and 0xFFFFFFFF read as float32 is NaN.
    both = bytearray(raw)
    both[pickle_hit: pickle_hit + 16] = b'\xff' * 16
    both[storage_hit: storage_hit + 64] = b'\xff' * 64
    open(os.path.join(out, 'bad_corrupt.model'), 'wb').write(bytes(both))
    storage_only = bytearray(raw)
    storage_only[storage_hit: storage_hit + 64] = b'\xff' * 64
    open(os.path.join(out, 'bad_corrupt_storage.model'), 'wb').write(bytes(storage_only))

    torch.manual_seed(SEED + 2)
    torch.save(SyncNetV2(fc_out=512).state_dict(), os.path.join(out, 'bad_fc512.model'), _use_new_zipfile_serialization=False)
    other = nn.Sequential(nn.Conv2d(3, 8, 3), nn.BatchNorm2d(8), nn.ReLU(), nn.Flatten(), nn.Linear(8, 4))
    torch.save(other.state_dict(), os.path.join(out, 'bad_other_net.model'))
    torch.save(nn.Linear(2, 2), os.path.join(out, 'bad_whole_model.model'), _use_new_zipfile_serialization=False)
    write_view_checkpoints(out, rng)
    open(os.path.join(out, 'bad_not_checkpoint.model'), 'w').write('This is not a checkpoint, just some text.\n' * 20)

    index['bad'] = {
        'truncated': 'bad_truncated.model', 'truncated_zip': 'bad_truncated_zip.model',
        'corrupt': 'bad_corrupt.model', 'corrupt_storage': 'bad_corrupt_storage.model',
        'fc512': 'bad_fc512.model', 'other_net': 'bad_other_net.model', 'not_checkpoint': 'bad_not_checkpoint.model',
        'whole_model': 'bad_whole_model.model',
    }
    index['corruption'] = {'pickle_offset': pickle_hit, 'storage_offset': storage_hit}
    with open(os.path.join(out, 'golden.json'), 'w') as f:
        json.dump(index, f, indent=1)
    print('syncnet v2 goldens written to', out, '| lip emb |max|', float(np.abs(lip_emb).max()), '| audio emb |max|', float(np.abs(aud_emb).max()))


if __name__ == '__main__':
    main()
