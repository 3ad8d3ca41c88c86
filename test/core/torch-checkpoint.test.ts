// The torch.save reader (legacy and zip formats), its safe pickle reader and zip reader,
// against files written by PyTorch 1.13 (scripts/golden/make_syncnet_v2_checkpoint.py)
// and a hand-written PyTorch-0.3-style legacy file, with torch.load's values as truth.
import { describe, it, before } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ensureGenerated } from '../helpers/generated';
import { readTorchCheckpoint, type TorchStateDict } from '../../src/core/convert/torch-checkpoint';
import { PickleError, PyDict, readPickle } from '../../src/core/convert/pickle';
import { WeightsFormatError } from '../../src/core/convert/weights-bundle';

const SCRIPT = 'scripts/golden/make_syncnet_v2_checkpoint.py';
let dir = '';
const bytesOf = (name: string) => new Uint8Array(readFileSync(join(dir, name)));
const load = (name: string): TorchStateDict => readTorchCheckpoint(bytesOf(name), name);

/** Runs `fn`, expects a WeightsFormatError (never a TypeError) naming `fileName` and matching `pattern`. */
function assertFormatError(fn: () => unknown, fileName: string, pattern: RegExp): string {
  let caught: unknown;
  try {
    fn();
  } catch (err) {
    caught = err;
  }
  assert.ok(caught instanceof WeightsFormatError, `expected a WeightsFormatError, got ${String(caught)}`);
  assert.ok(caught.message.includes(fileName), `message should name ${fileName}: ${caught.message}`);
  assert.match(caught.message, pattern);
  return caught.message;
}

const ascii = (text: string) => Uint8Array.from(text, (c) => c.charCodeAt(0));

before(() => {
  dir = ensureGenerated(SCRIPT, 'syncnet-v2');
});

describe('torch checkpoint reader', () => {
  it('reads the legacy and zip SyncNet v2 checkpoints to identical tensors', () => {
    const legacy = load('syncnet_v2_legacy.model');
    const zip = load('syncnet_v2_zip.model');
    // 6 convs × (weight, bias) + 6 BN × 5 (incl. num_batches_tracked) + 2 Linear × 2 + 1 BN1d × 5, per stream.
    assert.equal(legacy.size, 2 * (6 * 2 + 6 * 5 + 2 * 2 + 5));
    assert.deepEqual([...legacy.keys()], [...zip.keys()]);
    for (const [name, tensor] of legacy) {
      const other = zip.get(name)!;
      assert.deepEqual(other.shape, tensor.shape, name);
      assert.equal(other.dtype, tensor.dtype, name);
      assert.deepEqual(other.data, tensor.data, name);
    }
    assert.deepEqual(legacy.get('netcnnlip.0.weight')!.shape, [96, 3, 5, 7, 7]);
    assert.equal(legacy.get('netcnnlip.1.num_batches_tracked')!.dtype, 'int64');
  });

  const expected = () =>
    JSON.parse(readFileSync(join(dir, 'views_expected.json'), 'utf8')) as Record<
      string,
      Record<string, { shape: number[]; values: number[] }>
    >;

  for (const file of ['views_legacy.model', 'views_zip.model', 'old_style.model']) {
    it(`${file}: strided views, storage offsets, storage views and dtypes match torch.load`, () => {
      const want = expected()[file];
      const got = load(file);
      assert.deepEqual([...got.keys()], Object.keys(want));
      for (const [name, { shape, values }] of Object.entries(want)) {
        const tensor = got.get(name)!;
        assert.deepEqual(tensor.shape, shape, name);
        // float32 is exact for float32/float16/int64 sources; float64 rounds once.
        assert.deepEqual([...tensor.data], values.map(Math.fround), name);
      }
    });
  }

  it('old_style.model uses the PyTorch 0.3 constructs it is meant to test', () => {
    const raw = new TextDecoder('latin1').decode(bytesOf('old_style.model'));
    for (const marker of ['torch.cuda\nFloatStorage', '_rebuild_tensor\n', 'cuda:0'])
      assert.ok(raw.includes(marker), marker);
    assert.ok(!raw.includes('_rebuild_tensor_v2'));
  });
});

describe('torch checkpoint reader: bad files', () => {
  it('truncated legacy file', () => {
    assertFormatError(
      () => load('bad_truncated.model'),
      'bad_truncated.model',
      /truncated checkpoint — storage \S+ needs bytes up to \d+, the file has \d+/,
    );
  });

  it('truncated zip file', () => {
    assertFormatError(
      () => load('bad_truncated_zip.model'),
      'bad_truncated_zip.model',
      /truncated zip checkpoint/,
    );
  });

  it('legacy file with overwritten pickle bytes', () => {
    assertFormatError(() => load('bad_corrupt.model'), 'bad_corrupt.model', /corrupt pickle data/);
  });

  it('zip file with an altered storage (CRC-32)', () => {
    const bytes = bytesOf('syncnet_v2_zip.model');
    const middle = bytes.length >> 1; // inside the storages, which are most of the file
    bytes[middle] ^= 0x5a;
    assertFormatError(
      () => readTorchCheckpoint(bytes, 'altered.model'),
      'altered.model',
      /corrupt zip entry \S+\/data\/\d+ \(CRC-32 mismatch/,
    );
  });

  it('a text file and an empty file are not checkpoints', () => {
    assertFormatError(
      () => load('bad_not_checkpoint.model'),
      'bad_not_checkpoint.model',
      /not a torch checkpoint/,
    );
    assertFormatError(
      () => readTorchCheckpoint(new Uint8Array(0), 'empty.model'),
      'empty.model',
      /not a torch checkpoint — the file is empty/,
    );
  });

  it('a pickled whole nn.Module is refused without running anything', () => {
    assertFormatError(
      () => load('bad_whole_model.model'),
      'bad_whole_model.model',
      /unsupported pickle global torch\.nn\.modules\.linear\.Linear/,
    );
  });

  it('every prefix of the legacy header+pickle region fails cleanly', () => {
    // Cuts inside the five pickles (before the storage data) exercise every opcode handler's bounds checks.
    const bytes = bytesOf('syncnet_v2_legacy.model');
    for (let cut = 0; cut < 13000; cut += 7) {
      assertFormatError(
        () => readTorchCheckpoint(bytes.subarray(0, cut), 'cut.model'),
        'cut.model',
        /truncated|not a torch checkpoint/,
      );
    }
  });

  it('random byte damage in the pickles gives a format error or a readable file, never a crash', () => {
    const original = bytesOf('syncnet_v2_legacy.model').subarray(0, 13000); // header + pickles, no storage data
    let seed = 12345;
    const random = () => (seed = (seed * 1103515245 + 12345) >>> 0) / 2 ** 32;
    let failures = 0;
    for (let trial = 0; trial < 400; trial++) {
      const damaged = original.slice();
      damaged[Math.floor(random() * damaged.length)] = Math.floor(random() * 256);
      try {
        readTorchCheckpoint(damaged, 'damaged.model');
      } catch (err) {
        assert.ok(err instanceof WeightsFormatError, `trial ${trial}: ${String(err)}`);
        assert.ok(!/unexpected (TypeError|RangeError)/.test(err.message), `trial ${trial}: ${err.message}`);
        failures++;
      }
    }
    assert.ok(failures > 0);
  });
});

describe('safe pickle reader', () => {
  it('refuses globals that are not on the allow-list (os.system)', () => {
    // cos\nsystem\n X'echo' TUPLE1 REDUCE STOP — what a malicious checkpoint would do.
    const evil = new Uint8Array([
      ...ascii('\x80\x02cos\nsystem\nq\x00X\x04\x00\x00\x00echo'),
      0x85,
      ...ascii('R.'),
    ]);
    assert.throws(
      () => readPickle(evil, 0, { where: 'evil.pkl' }),
      (err: unknown) =>
        err instanceof PickleError && /evil\.pkl: unsupported pickle global os\.system/.test(err.message),
    );
  });

  it('reads Python 2 style OrderedDict([[k, v], ...]) with byte strings', () => {
    // PROTO 2, GLOBAL collections.OrderedDict, MARK (MARK U'a' K1 LIST) (MARK U'b' K2 LIST) LIST, TUPLE1, REDUCE, STOP
    const pkl = new Uint8Array([
      ...ascii('\x80\x02ccollections\nOrderedDict\n((U\x01aK\x01l(U\x01bK\x02ll'),
      0x85,
      ...ascii('R.'),
    ]);
    const { value, end } = readPickle(pkl, 0, { where: 'py2.pkl' });
    assert.ok(value instanceof PyDict);
    assert.deepEqual(
      [...value.items],
      [
        ['a', 1],
        ['b', 2],
      ],
    );
    assert.equal(end, pkl.length);
  });

  it('reports unknown opcodes and truncation with the offset', () => {
    assert.throws(
      () => readPickle(new Uint8Array([0x80, 0x02, 0xff]), 0, { where: 'x.pkl' }),
      /x\.pkl: corrupt pickle data: unexpected byte, not a pickle opcode \(pickle opcode 0xff at byte 2\)/,
    );
    assert.throws(
      () => readPickle(ascii('\x80\x02X\x08\x00\x00\x00abc'), 0, { where: 'x.pkl' }),
      /x\.pkl: truncated pickle data/,
    );
    assert.throws(() => readPickle(ascii('\x80\x02t.'), 0, { where: 'x.pkl' }), /no MARK/);
  });
});
