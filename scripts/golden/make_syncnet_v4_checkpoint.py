#!/usr/bin/env python3
"""Random-init SyncNet v4 checkpoint + golden embeddings for the TF.js port's tests.

Usage: make_syncnet_v4_checkpoint.py OUT_DIR

Writes into OUT_DIR:
  syncnet_v4_random.mat   the weights as a MATLAB v7.3 file laid out the way MATLAB's
                          `save -v7.3` stores a MatConvNet DagNN struct (dagnn.DagNN.saveobj):
                          512-byte userblock with the MAT-file header text, a `net` struct
                          group whose `layers` / `params` / `vars` struct arrays keep every
                          field as an (n x 1) object-reference dataset into `#refs#`
  golden.json             index of the golden tensors below (+ the figures the tests need)
  lip_input.bin           float32 [2, 5, 112, 112, 1] raw 0-255 grey levels (time-major)
  lip_embedding.bin       float32 [2, 128]
  audio_input.bin         float32 [4, 12, 20] MFCC windows
  audio_embedding.bin     float32 [4, 128]
  bad_truncated.mat       the good file cut in half
  bad_corrupt.mat         the good file with bytes overwritten inside a gzip chunk
  bad_wrong_arch.mat      a complete v7.3 file whose conv3_audio has 192 filters, not 256
  bad_not_hdf5.mat        a MATLAB v5 MAT-file header followed by junk
  bad_not_matlab.h5       an HDF5 file with a `net` group but no MATLAB userblock
  bad_no_net.mat          a MATLAB v7.3 file that holds a variable `weights`, not `net`

Semantics reproduced (MatConvNet, which the VGG model was trained in):
  * conv is cross-correlation with filters [H W Cin Cout] (MATLAB dims), like torch;
  * bnorm at test time is y = mult * (x - mean) / sigma + bias with moments = [mean sigma],
    sigma = sqrt(var + eps) (vl_nnbnorm); torch's BatchNorm gets running_var = sigma^2 - eps;
  * fc6/fc7 are dagnn.Conv layers whose filters cover the whole 6x6 (lip) / 5x4 (audio) map,
    so they are Conv2d here too and no flatten order is involved;
  * the lip input is 5 grey frames stacked as channels, minus 110.
Layer list: syncnet_lip_model_v4 / syncnet_audio_model_v4 in voletiv/syncnet-in-keras
(syncnet_functions.py); audio layers come first in net.layers, as load_syncnet_weights expects.
"""
import json
import os
import sys

import h5py
import numpy as np
import torch
from torch import nn

SEED = 20240404
# MATLAB 5x7 double; HDF5 stores it as (7, 5) in 4x3 chunks, so edge chunks overhang.
EDGE_CHUNKS = np.arange(35, dtype=np.float64).reshape(5, 7) * 0.5 - 3
BN_EPS = 1e-5
LIP_MEAN = 110.0

# (kind, name, args). conv: (kh, kw, cin, cout, pad); pool: (ph, pw, sh, sw).
AUDIO_LAYERS = [
    ('conv', 'conv1', (3, 3, 1, 64, 1)), ('bn', 'bn1', 64), ('relu', 'relu1', None),
    ('conv', 'conv2', (3, 3, 64, 128, 1)), ('bn', 'bn2', 128), ('relu', 'relu2', None),
    ('pool', 'pool2', (1, 3, 1, 2)),
    ('conv', 'conv3', (3, 3, 128, 256, 1)), ('bn', 'bn3', 256), ('relu', 'relu3', None),
    ('conv', 'conv4', (3, 3, 256, 256, 1)), ('bn', 'bn4', 256), ('relu', 'relu4', None),
    ('conv', 'conv5', (3, 3, 256, 256, 1)), ('bn', 'bn5', 256), ('relu', 'relu5', None),
    ('pool', 'pool5', (3, 3, 2, 2)),
    ('fc', 'fc6', (5, 4, 256, 256, 0)), ('bn', 'bn6', 256), ('relu', 'relu6', None),
    ('fc', 'fc7', (1, 1, 256, 128, 0)), ('bn', 'bn7', 128), ('relu', 'relu7', None),
]
LIP_LAYERS = [
    ('conv', 'conv1', (3, 3, 5, 96, 0)), ('bn', 'bn1', 96), ('relu', 'relu1', None),
    ('pool', 'pool1', (3, 3, 2, 2)),
    ('conv', 'conv2', (5, 5, 96, 256, 0)), ('bn', 'bn2', 256), ('relu', 'relu2', None),
    ('pool', 'pool2', (3, 3, 2, 2)),
    ('conv', 'conv3', (3, 3, 256, 512, 0)), ('bn', 'bn3', 512), ('relu', 'relu3', None),
    ('conv', 'conv4', (3, 3, 512, 512, 0)), ('bn', 'bn4', 512), ('relu', 'relu4', None),
    ('conv', 'conv5', (3, 3, 512, 512, 0)), ('bn', 'bn5', 512), ('relu', 'relu5', None),
    ('pool', 'pool5', (3, 3, 3, 3)),
    ('fc', 'fc6', (6, 6, 512, 256, 0)), ('bn', 'bn6', 256), ('relu', 'relu6', None),
    ('fc', 'fc7', (1, 1, 256, 128, 0)), ('bn', 'bn7', 128), ('relu', 'relu7', None),
]


class Stream(nn.Module):
    """One SyncNet v4 tower as torch modules; weights are kept in MATLAB layout too."""

    def __init__(self, layers, stream, input_offset):
        super().__init__()
        self.stream = stream
        self.input_offset = input_offset
        self.spec = layers
        mods = []
        for kind, _name, args in layers:
            if kind in ('conv', 'fc'):
                kh, kw, cin, cout, pad = args
                mods.append(nn.Conv2d(cin, cout, (kh, kw), padding=pad))
            elif kind == 'bn':
                mods.append(nn.BatchNorm2d(args, eps=BN_EPS))
            elif kind == 'relu':
                mods.append(nn.ReLU())
            else:
                ph, pw, sh, sw = args
                mods.append(nn.MaxPool2d((ph, pw), (sh, sw)))
        self.body = nn.Sequential(*mods)

    def forward(self, x):
        return self.body(x - self.input_offset).flatten(1)


def randomise(model, calibration, rng):
    """Random conv weights; BN moments from a calibration batch, then jittered, so that every
    layer sees activations of order 1 (a test on all-dead ReLUs could not fail)."""
    x = calibration - model.input_offset
    with torch.no_grad():
        for mod in model.body:
            if isinstance(mod, nn.Conv2d):
                fan_in = mod.in_channels * mod.kernel_size[0] * mod.kernel_size[1]
                mod.weight.copy_(torch.from_numpy(rng.normal(0, np.sqrt(2.0 / fan_in), mod.weight.shape)))
                mod.bias.copy_(torch.from_numpy(rng.normal(0, 0.1, mod.bias.shape)))
            elif isinstance(mod, nn.BatchNorm2d):
                c = mod.num_features
                mean = x.mean(dim=(0, 2, 3))
                std = x.std(dim=(0, 2, 3)).clamp_min(1e-2)
                sigma = std * torch.from_numpy(rng.uniform(0.8, 1.25, c))
                mod.running_mean.copy_(mean + 0.1 * std * torch.from_numpy(rng.normal(0, 1, c)))
                mod.running_var.copy_(sigma ** 2 - BN_EPS)
                mod.weight.copy_(torch.from_numpy(rng.uniform(0.5, 1.5, c)))
                mod.bias.copy_(torch.from_numpy(rng.normal(0.2, 0.3, c)))
                mod.eval()
            x = mod(x)
    # Round every parameter to float32 first: the .mat stores 'single', and the goldens
    # are computed (in float64) from exactly those values.
    with torch.no_grad():
        for t in list(model.parameters()) + [b for b in model.buffers() if b.dtype.is_floating_point]:
            t.copy_(t.float().double())
    model.eval()


def matconvnet_params(model):
    """(layer, [(param name, MATLAB-dims float32 array)]) in net.params order."""
    out = []
    for (kind, name, _args), mod in zip(model.spec, model.body):
        lname = f'{name}_{model.stream}'
        if kind in ('conv', 'fc'):
            # torch [Cout Cin H W] -> MatConvNet [H W Cin Cout]
            filters = mod.weight.detach().numpy().transpose(2, 3, 1, 0).astype(np.float32)
            biases = mod.bias.detach().numpy().astype(np.float32).reshape(-1, 1)  # [Cout 1]
            out.append((lname, kind, [(lname + 'f', filters), (lname + 'b', biases)]))
        elif kind == 'bn':
            mult = mod.weight.detach().numpy().astype(np.float32).reshape(-1, 1)
            bias = mod.bias.detach().numpy().astype(np.float32).reshape(-1, 1)
            sigma = np.sqrt(mod.running_var.detach().numpy() + BN_EPS)
            moments = np.stack([mod.running_mean.detach().numpy(), sigma], axis=1).astype(np.float32)  # [C 2]
            out.append((lname, kind, [(lname + 'm', mult), (lname + 'b', bias), (lname + 'x', moments)]))
        else:
            out.append((lname, kind, []))
    return out


# ---------------------------------------------------------------- MATLAB v7.3 writing

MAT_HEADER_TEXT = ('MATLAB 7.3 MAT-file, Platform: GLNXA64, Created on: Thu Apr  4 12:00:00 2024 '
                   'HDF5 schema 1.00 .')


def mat_header():
    """The 128-byte MAT-file header MATLAB puts at the start of the 512-byte userblock:
    116 bytes of text, 8 bytes subsystem offset, version 0x0200, endian indicator 'IM'."""
    text = MAT_HEADER_TEXT.encode('ascii').ljust(116, b' ')
    return text + b' ' * 8 + bytes([0x00, 0x02]) + b'IM'


def set_class(obj, cls):
    obj.attrs.create('MATLAB_class', np.bytes_(cls))


def set_fields(group, names):
    vlen = h5py.vlen_dtype(np.dtype('S1'))
    data = np.empty(len(names), dtype=object)
    for i, n in enumerate(names):
        data[i] = np.frombuffer(n.encode('ascii'), dtype='S1')
    group.attrs.create('MATLAB_fields', data, dtype=vlen)


class MatWriter:
    """Writes MATLAB values; anything a struct array or cell holds goes to #refs#."""

    def __init__(self, f):
        self.f = f
        self.refs = f.create_group('#refs#')
        self.count = 0
        # MATLAB's #refs#/a: an empty placeholder the real files carry.
        self.write_empty(self.refs, 'a', 'canonical empty')
        self.count = 1

    def next_name(self):
        n, name = self.count, ''
        while True:
            name = chr(ord('a') + n % 26) + name
            n //= 26
            if n == 0:
                break
        self.count += 1
        return name

    @staticmethod
    def write_empty(parent, key, cls, dims=(0, 0)):
        # An empty array is stored as its MATLAB dims (uint64) flagged MATLAB_empty.
        ds = parent.create_dataset(key, data=np.array(dims, dtype=np.uint64))
        set_class(ds, cls)
        ds.attrs.create('MATLAB_empty', np.uint8(1))
        return ds

    def write(self, parent, key, value):
        if isinstance(value, str):
            codes = np.frombuffer(value.encode('ascii'), dtype=np.uint8).astype(np.uint16)
            ds = parent.create_dataset(key, data=codes.reshape(-1, 1))  # 1 x n char -> (n, 1)
            set_class(ds, 'char')
            ds.attrs.create('MATLAB_int_decode', np.int32(2))
            return ds
        if isinstance(value, list):  # 1 x n cell
            refs = [self.write_ref(v) for v in value]
            ds = parent.create_dataset(key, (len(refs), 1), dtype=h5py.ref_dtype)
            for i, r in enumerate(refs):
                ds[i, 0] = r
            set_class(ds, 'cell')
            return ds
        if isinstance(value, dict):  # scalar struct: fields are direct children
            g = parent.create_group(key)
            set_class(g, 'struct')
            set_fields(g, list(value))
            for k, v in value.items():
                self.write(g, k, v)
            return g
        if isinstance(value, StructArray):
            return self.write_struct_array(parent, key, value)
        chunks, extra_filters = True, {}
        if isinstance(value, Chunked):
            value, chunks, extra_filters = value.array, value.chunks, value.filters
        arr = np.asarray(value)
        cls = {np.dtype('float32'): 'single', np.dtype('float64'): 'double', np.dtype('bool'): 'logical'}[arr.dtype]
        if arr.size == 0:
            return self.write_empty(parent, key, cls, arr.shape)
        if arr.ndim < 2:
            arr = arr.reshape(1, -1)
        data = arr.T.astype(np.uint8) if cls == 'logical' else arr.T  # column-major: dims reversed
        if data.size >= 4096 or chunks is not True:
            ds = parent.create_dataset(key, data=data, chunks=chunks, compression='gzip', compression_opts=3,
                                       **extra_filters)
        else:
            ds = parent.create_dataset(key, data=data)
        set_class(ds, cls)
        return ds

    def write_ref(self, value):
        return self.write(self.refs, self.next_name(), value).ref

    def write_struct_array(self, parent, key, sa):
        g = parent.create_group(key)
        set_class(g, 'struct')
        set_fields(g, sa.fields)
        for field in sa.fields:
            refs = [self.write_ref(row[field]) for row in sa.rows]
            ds = g.create_dataset(field, (len(refs), 1), dtype=h5py.ref_dtype)
            for i, r in enumerate(refs):
                ds[i, 0] = r
        return g


class Chunked:
    """An array written with explicit HDF5 chunk dims (given in HDF5 order)."""

    def __init__(self, array, chunks, **filters):
        self.array = array
        self.chunks = chunks
        self.filters = filters  # e.g. shuffle=True, fletcher32=True


class StructArray:
    def __init__(self, fields, rows):
        self.fields = fields
        self.rows = rows


def write_mat(path, variables):
    with h5py.File(path, 'w', userblock_size=512, libver='earliest') as f:
        writer = MatWriter(f)
        for name, value in variables.items():
            writer.write(f, name, value)
    with open(path, 'r+b') as fh:
        fh.write(mat_header())


def dagnn_struct(streams, override=None):
    """net as dagnn.DagNN.saveobj lays it out: vars, params, layers, meta."""
    layer_rows, param_rows, var_names = [], [], []
    for stream in streams:
        prev = f'input_{stream.stream}'
        var_names.append(prev)
        for lname, kind, params in matconvnet_params(stream):
            out = f'{lname}x'
            var_names.append(out)
            block_type = {'conv': 'dagnn.Conv', 'fc': 'dagnn.Conv', 'bn': 'dagnn.BatchNorm',
                          'relu': 'dagnn.ReLU', 'pool': 'dagnn.Pooling'}[kind]
            spec = dict((n, a) for _k, n, a in stream.spec)[lname.rsplit('_', 1)[0]]
            if kind in ('conv', 'fc'):
                block = {'size': np.array(spec[:4], dtype=np.float64), 'hasBias': np.array([True]),
                         'pad': np.full(4, spec[4], dtype=np.float64), 'stride': np.ones(2)}
            elif kind == 'pool':
                block = {'method': 'max', 'poolSize': np.array(spec[:2], dtype=np.float64),
                         'pad': np.zeros(4), 'stride': np.array(spec[2:], dtype=np.float64)}
            elif kind == 'bn':
                block = {'numChannels': np.array([float(spec)]), 'epsilon': np.array([BN_EPS])}
            else:
                block = {'leak': np.array([0.0])}
            layer_rows.append({'name': lname, 'type': block_type, 'inputs': [prev], 'outputs': [out],
                               'params': [p for p, _ in params], 'block': block})
            prev = out
            for j, (pname, value) in enumerate(params):
                if override and pname in override:
                    value = override[pname]
                # MatConvNet's defaults: bnorm moments learn at 0.05, biases at 2.
                lr = ([2.0, 1.0, 0.05] if kind == 'bn' else [1.0, 2.0])[j]
                param_rows.append({'name': pname, 'value': value,
                                   'learningRate': np.array([lr]), 'weightDecay': np.array([1.0])})
    return {
        'vars': StructArray(['name', 'precious'], [{'name': v, 'precious': np.array([False])} for v in var_names]),
        'params': StructArray(['name', 'value', 'learningRate', 'weightDecay'], param_rows),
        'layers': StructArray(['name', 'type', 'inputs', 'outputs', 'params', 'block'], layer_rows),
        'meta': {'description': 'SyncNet v4 (random init, lipsync-lens test checkpoint)',
                 'normalization': {'averageImage': np.array([LIP_MEAN])},
                 # reader edge cases: an empty array, and chunks that overhang the array
                 'classes': np.zeros((0, 3)),
                 'edgeChunks': Chunked(EDGE_CHUNKS, (4, 3)),
                 'shuffledChunks': Chunked(EDGE_CHUNKS, (4, 3), shuffle=True, fletcher32=True)},
    }


def corrupt_inside_chunk(path, dataset_path, out_path, rng):
    """Copy `path`, overwriting bytes in the middle of one gzip chunk of `dataset_path`."""
    with h5py.File(path, 'r') as f:
        info = f[dataset_path].id.get_chunk_info(0)
        start, size = info.byte_offset, info.size
    data = bytearray(open(path, 'rb').read())
    mid = start + size // 2
    data[mid:mid + 256] = rng.integers(0, 256, 256, dtype=np.uint8).tobytes()
    open(out_path, 'wb').write(bytes(data))


def find_param_value_path(path, param_name):
    """HDF5 path of net.params(i).value for the param called `param_name`."""
    with h5py.File(path, 'r') as f:
        names = [''.join(chr(c) for c in f[r[0]][:, 0]) for r in f['net/params/name']]
        i = names.index(param_name)
        return f[f['net/params/value'][i, 0]].name


def save_bin(out_dir, name, array):
    arr = np.ascontiguousarray(array, dtype=np.float32)
    arr.tofile(os.path.join(out_dir, name))
    return {'file': name, 'shape': list(arr.shape), 'dtype': 'float32'}


def main():
    out_dir = sys.argv[1]
    os.makedirs(out_dir, exist_ok=True)
    torch.manual_seed(SEED)
    torch.set_num_threads(2)
    rng = np.random.default_rng(SEED)

    audio = Stream(AUDIO_LAYERS, 'audio', 0.0).double()
    lip = Stream(LIP_LAYERS, 'lip', LIP_MEAN).double()

    # Calibration and golden inputs. Lip windows: integer grey levels 0-255, a smooth
    # gradient plus noise so neighbouring pixels correlate as in a real mouth crop.
    def lip_windows(n):
        yy, xx = np.meshgrid(np.arange(112), np.arange(112), indexing='ij')
        base = rng.uniform(60, 180, (n, 1, 1, 1)) + rng.uniform(-0.5, 0.5, (n, 5, 1, 1)) * (yy - xx)[None, None]
        return np.clip(np.round(base + rng.normal(0, 25, (n, 5, 112, 112))), 0, 255)

    # MFCC windows [N, 12, 20]: c0 (log energy) ~ N(-5, 8), higher coefficients shrink.
    def mfcc_windows(n):
        scale = np.concatenate([[8.0], 12.0 / np.sqrt(np.arange(1, 12))])[None, :, None]
        centre = np.concatenate([[-5.0], np.zeros(11)])[None, :, None]
        return centre + scale * rng.normal(0, 1, (n, 12, 20))

    randomise(audio, torch.from_numpy(mfcc_windows(16))[:, None], rng)
    randomise(lip, torch.from_numpy(lip_windows(4)), rng)

    lip_in = lip_windows(2).astype(np.float32)           # [N, 5, 112, 112] (frames = channels)
    audio_in = mfcc_windows(4).astype(np.float32)        # [N, 12, 20]
    with torch.no_grad():
        lip_emb = lip(torch.from_numpy(lip_in).double()).numpy()
        audio_emb = audio(torch.from_numpy(audio_in).double()[:, None]).numpy()
    assert lip_emb.shape == (2, 128) and audio_emb.shape == (4, 128)
    for name, emb in (('lip', lip_emb), ('audio', audio_emb)):
        live = (emb > 0).mean()
        print(f'{name} embeddings: max {emb.max():.4f}, fraction > 0: {live:.2f}')
        assert live > 0.2, f'{name} embeddings are mostly dead ReLUs; the parity test would be weak'

    good = os.path.join(out_dir, 'syncnet_v4_random.mat')
    write_mat(good, {'net': dagnn_struct([audio, lip])})

    index = {
        'checkpoint': 'syncnet_v4_random.mat',
        'seed': SEED,
        'lip_input': save_bin(out_dir, 'lip_input.bin', lip_in[..., None]),  # [N, 5, H, W, 1]
        'lip_embedding': save_bin(out_dir, 'lip_embedding.bin', lip_emb),
        'audio_input': save_bin(out_dir, 'audio_input.bin', audio_in),
        'audio_embedding': save_bin(out_dir, 'audio_embedding.bin', audio_emb),
        'bad': {},
    }

    # --- bad files
    data = open(good, 'rb').read()
    open(os.path.join(out_dir, 'bad_truncated.mat'), 'wb').write(data[:len(data) // 2])
    index['bad']['truncated'] = 'bad_truncated.mat'

    corrupt_inside_chunk(good, find_param_value_path(good, 'conv4_lipf'),
                         os.path.join(out_dir, 'bad_corrupt.mat'), rng)
    index['bad']['corrupt'] = {'file': 'bad_corrupt.mat', 'param': 'conv4_lipf'}

    # conv3_audio with 192 filters: a consistent but different network.
    p = {n: v for _l, _k, ps in matconvnet_params(audio) for n, v in ps}
    wrong = {
        'conv3_audiof': p['conv3_audiof'][..., :192], 'conv3_audiob': p['conv3_audiob'][:192],
        'bn3_audiom': p['bn3_audiom'][:192], 'bn3_audiob': p['bn3_audiob'][:192],
        'bn3_audiox': p['bn3_audiox'][:192], 'conv4_audiof': p['conv4_audiof'][:, :, :192],
    }
    write_mat(os.path.join(out_dir, 'bad_wrong_arch.mat'), {'net': dagnn_struct([audio, lip], wrong)})
    index['bad']['wrong_arch'] = {'file': 'bad_wrong_arch.mat', 'param_index': 11, 'param': 'conv3_audiof',
                                  'shape': [3, 3, 128, 192], 'expected': [3, 3, 128, 256]}

    with open(os.path.join(out_dir, 'bad_not_hdf5.mat'), 'wb') as fh:
        fh.write(b'MATLAB 5.0 MAT-file, Platform: GLNXA64, Created on: Thu Apr  4 12:00:00 2024'.ljust(116, b' '))
        fh.write(b'\0' * 8 + bytes([0x00, 0x01]) + b'IM' + rng.integers(0, 256, 4096, dtype=np.uint8).tobytes())
    index['bad']['not_hdf5'] = 'bad_not_hdf5.mat'

    with h5py.File(os.path.join(out_dir, 'bad_not_matlab.h5'), 'w') as f:
        f.create_group('net').create_dataset('params', data=np.zeros(3, dtype=np.float32))
    index['bad']['not_matlab'] = 'bad_not_matlab.h5'

    write_mat(os.path.join(out_dir, 'bad_no_net.mat'), {'weights': np.ones((2, 2), dtype=np.float32)})
    index['bad']['no_net'] = 'bad_no_net.mat'

    # Reference values for the reader test: MATLAB dims, column-major head and sum.
    checks = []
    with h5py.File(good, 'r') as f:
        names = [''.join(chr(c) for c in f[r[0]][:, 0]) for r in f['net/params/name']]
        for i in (1, 2, 5, 11, 61, 66, 70):
            ds = f[f['net/params/value'][i - 1, 0]]
            v = ds[:]
            checks.append({'index': i, 'name': names[i - 1], 'dims': list(reversed(v.shape)),
                           'chunked': ds.chunks is not None, 'head': [float(x) for x in v.ravel()[:6]],
                           'sum': float(v.astype(np.float64).sum())})
    index['param_checks'] = checks
    index['layer_names'] = [n for stream in (audio, lip) for n, _k, _p in matconvnet_params(stream)]
    index['edge_chunks'] = {'dims': [5, 7], 'column_major': [float(x) for x in EDGE_CHUNKS.ravel(order='F')]}

    with open(os.path.join(out_dir, 'golden.json'), 'w') as fh:
        json.dump(index, fh, indent=2)
    print('wrote', out_dir)


if __name__ == '__main__':
    main()
