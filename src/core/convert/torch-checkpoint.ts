// Reads torch.save files without Python: the zip format (PyTorch ≥ 1.6 default:
// <prefix>/data.pkl plus one raw entry <prefix>/data/<key> per storage) and the legacy
// format (PyTorch < 1.6, or _use_new_zipfile_serialization=False; syncnet_python's
// syncnet_v2.model is one). Follows the layout torch.serialization's _legacy_load and
// _load read: legacy files are five things back to back —
//   pickle(MAGIC_NUMBER), pickle(PROTOCOL_VERSION = 1001), pickle(sys_info),
//   pickle(obj) whose storages are persistent ids ('storage', type, key, location, numel[, view]),
//   pickle([storage keys]), then per key: int64 element count + raw little-endian data.
// The result is the state_dict's tensors, materialised as contiguous float32.
import { PickleError, PyDict, readPickle, type PyGlobal } from './pickle';
import { WeightsFormatError } from './weights-bundle';
import { looksLikeZip, ZipArchive } from './zip';

export class TorchCheckpointError extends WeightsFormatError {
  override name = 'TorchCheckpointError';
}

export type TorchDType =
  'float32' | 'float64' | 'float16' | 'bfloat16' | 'int64' | 'int32' | 'int16' | 'int8' | 'uint8' | 'bool';

export interface TorchTensor {
  /** dtype in the checkpoint; `data` is always float32 (integer tensors converted too). */
  dtype: TorchDType;
  shape: number[];
  /** Contiguous, row-major values. */
  data: Float32Array;
}

/** Tensors of a state_dict in checkpoint order; non-tensor entries are left out. */
export type TorchStateDict = Map<string, TorchTensor>;

/** torch.save's legacy magic number (torch/serialization.py MAGIC_NUMBER). */
const LEGACY_MAGIC = 0x1950a86a20f9469cfc6cn;
const LEGACY_PROTOCOL_VERSION = 1001;

const STORAGE_DTYPES: Record<string, { dtype: TorchDType; bytes: number }> = {
  FloatStorage: { dtype: 'float32', bytes: 4 },
  DoubleStorage: { dtype: 'float64', bytes: 8 },
  HalfStorage: { dtype: 'float16', bytes: 2 },
  BFloat16Storage: { dtype: 'bfloat16', bytes: 2 },
  LongStorage: { dtype: 'int64', bytes: 8 },
  IntStorage: { dtype: 'int32', bytes: 4 },
  ShortStorage: { dtype: 'int16', bytes: 2 },
  CharStorage: { dtype: 'int8', bytes: 1 },
  ByteStorage: { dtype: 'uint8', bytes: 1 },
  BoolStorage: { dtype: 'bool', bytes: 1 },
};

interface StorageType extends PyGlobal {
  readonly dtype: TorchDType;
  readonly elementBytes: number;
}

/** One storage as the pickle names it; `bytes` is bound once the data is located. */
interface StorageRef {
  key: string;
  type: StorageType;
  /** Elements of the root storage (declared in the persistent id). */
  numel: number;
  bytes?: Uint8Array;
}

/** A storage or, in pre-1.0 legacy files, a view into one (element offset + length). */
interface StorageSlice {
  root: StorageRef;
  offset: number;
  numel: number;
}

interface TensorRef {
  storage: StorageSlice;
  storageOffset: number;
  size: number[];
  stride: number[];
}

const isTensorRef = (value: unknown): value is TensorRef =>
  typeof value === 'object' && value !== null && 'storage' in value && 'size' in value && 'stride' in value;

const isIntList = (value: unknown): value is number[] =>
  Array.isArray(value) && value.every((v) => Number.isSafeInteger(v) && (v as number) >= 0);

/** Allow-list for the pickle reader: storage classes and the tensor rebuild functions. */
function torchGlobals(): Map<string, PyGlobal> {
  const globals = new Map<string, PyGlobal>();
  for (const [className, { dtype, bytes }] of Object.entries(STORAGE_DTYPES)) {
    // Checkpoints saved from a GPU (as syncnet_python's were) name torch.cuda.*Storage.
    for (const module of ['torch', 'torch.cuda']) {
      const type: StorageType = { qualifiedName: `${module}.${className}`, dtype, elementBytes: bytes };
      globals.set(type.qualifiedName, type);
    }
  }
  const rebuildTensor = (args: unknown[]): TensorRef => {
    // torch._utils._rebuild_tensor(storage, storage_offset, size, stride) and
    // _rebuild_tensor_v2(..., requires_grad, backward_hooks[, metadata]) — the extra
    // arguments only matter for autograd.
    const [storage, storageOffset, size, stride] = args;
    if (!storage || typeof storage !== 'object' || !('root' in storage))
      throw new TypeError('tensor without a storage');
    if (
      !Number.isSafeInteger(storageOffset) ||
      !isIntList(size) ||
      !isIntList(stride) ||
      size.length !== stride.length
    ) {
      throw new TypeError('bad tensor offset, size or stride');
    }
    return { storage: storage as StorageSlice, storageOffset: storageOffset as number, size, stride };
  };
  const passData = (args: unknown[]): unknown => args[0];
  for (const [qualifiedName, call] of [
    ['torch._utils._rebuild_tensor', rebuildTensor],
    ['torch._utils._rebuild_tensor_v2', rebuildTensor],
    // Parameters wrap a tensor: _rebuild_parameter(data, requires_grad, backward_hooks).
    ['torch._utils._rebuild_parameter', passData],
    ['torch._utils._rebuild_parameter_with_state', passData],
    ['torch.Size', (args: unknown[]) => args[0]],
  ] as const) {
    globals.set(qualifiedName, { qualifiedName, call });
  }
  return globals;
}

/**
 * Reads a torch.save checkpoint holding a state_dict (either format). `fileName` names
 * the file in every error message.
 */
export function readTorchCheckpoint(bytes: Uint8Array, fileName: string): TorchStateDict {
  try {
    return looksLikeZip(bytes) ? readZipCheckpoint(bytes, fileName) : readLegacyCheckpoint(bytes, fileName);
  } catch (err) {
    if (err instanceof WeightsFormatError) throw err;
    // Whatever slipped through validation is still a bad file, not a crash.
    throw new TorchCheckpointError(
      `${fileName}: corrupt checkpoint (unexpected ${(err as Error)?.name ?? 'error'}: ${(err as Error)?.message ?? err})`,
    );
  }
}

/** Builds the persistent_load both formats share; storages are collected by key. */
function storageLoader(storages: Map<string, StorageRef>, fileName: string): (pid: unknown) => StorageSlice {
  return (pid) => {
    if (!Array.isArray(pid) || pid[0] !== 'storage') {
      const id = JSON.stringify(Array.isArray(pid) ? pid[0] : pid);
      throw new TorchCheckpointError(
        `${fileName}: not a state_dict checkpoint (persistent id ${id} is not a storage; ` +
          'whole pickled models are not supported)',
      );
    }
    const [, type, key, , numel, view] = pid as [string, StorageType, unknown, unknown, unknown, unknown];
    if (!type || typeof type !== 'object' || !('dtype' in type))
      throw new TypeError('storage persistent id without a storage type');
    if (typeof key !== 'string' && typeof key !== 'number')
      throw new TypeError('storage key is not a string');
    if (!Number.isSafeInteger(numel) || (numel as number) < 0)
      throw new TypeError('storage size is not a count');
    const name = String(key);
    let root = storages.get(name);
    if (!root) {
      root = { key: name, type, numel: numel as number };
      storages.set(name, root);
    }
    // Pre-1.0 legacy files may reference a view: (view_key, element offset, view size).
    if (Array.isArray(view)) {
      const [, offset, size] = view;
      if (!Number.isSafeInteger(offset) || !Number.isSafeInteger(size))
        throw new TypeError('bad storage view');
      return { root, offset: offset as number, numel: size as number };
    }
    return { root, offset: 0, numel: root.numel };
  };
}

function readZipCheckpoint(bytes: Uint8Array, fileName: string): TorchStateDict {
  const zip = new ZipArchive(bytes, fileName);
  const pklName = [...zip.entries.keys()].find((name) => name === 'data.pkl' || name.endsWith('/data.pkl'));
  if (!pklName)
    throw new TorchCheckpointError(`${fileName}: not a torch checkpoint (zip archive without data.pkl)`);
  const prefix = pklName.slice(0, -'data.pkl'.length);
  const byteOrder = zip.entries.has(`${prefix}byteorder`)
    ? new TextDecoder().decode(zip.read(`${prefix}byteorder`))
    : 'little';
  if (byteOrder !== 'little')
    throw new TorchCheckpointError(`${fileName}: big-endian checkpoints are not supported`);

  const storages = new Map<string, StorageRef>();
  const { value } = readPickle(zip.read(pklName), 0, {
    where: `${fileName} (${pklName})`,
    globals: torchGlobals(),
    persistentLoad: storageLoader(storages, fileName),
  });
  for (const storage of storages.values()) {
    const entryName = `${prefix}data/${storage.key}`;
    if (!zip.entries.has(entryName))
      throw new TorchCheckpointError(
        `${fileName}: corrupt checkpoint (storage entry ${entryName} is missing)`,
      );
    storage.bytes = zip.read(entryName);
  }
  return collectTensors(value, fileName);
}

function readLegacyCheckpoint(bytes: Uint8Array, fileName: string): TorchStateDict {
  if (bytes.length > 262 && new TextDecoder().decode(bytes.subarray(257, 262)) === 'ustar') {
    throw new TorchCheckpointError(
      `${fileName}: a PyTorch 0.1 tar checkpoint; load and re-save it with a newer PyTorch first`,
    );
  }
  let magic: unknown;
  let at: number;
  try {
    ({ value: magic, end: at } = readPickle(bytes, 0, { where: fileName }));
  } catch {
    magic = undefined;
    at = 0;
  }
  if (magic !== LEGACY_MAGIC) {
    const what =
      bytes.length === 0
        ? 'the file is empty'
        : 'neither a zip archive nor a legacy torch.save file (magic number missing)';
    throw new TorchCheckpointError(`${fileName}: not a torch checkpoint — ${what}`);
  }
  const headerPickle = (what: string): unknown => {
    const result = readPickle(bytes, at, { where: `${fileName} (${what})` });
    at = result.end;
    return result.value;
  };
  const protocol = headerPickle('protocol version');
  if (protocol !== LEGACY_PROTOCOL_VERSION)
    throw new TorchCheckpointError(
      `${fileName}: unsupported torch.save protocol version ${String(protocol)} (expected ${LEGACY_PROTOCOL_VERSION})`,
    );
  const sysInfo = headerPickle('sys_info');
  if (sysInfo instanceof PyDict && sysInfo.get('little_endian') === false) {
    throw new TorchCheckpointError(`${fileName}: big-endian checkpoints are not supported`);
  }

  const storages = new Map<string, StorageRef>();
  const main = readPickle(bytes, at, {
    where: `${fileName} (object pickle)`,
    globals: torchGlobals(),
    persistentLoad: storageLoader(storages, fileName),
  });
  at = main.end;
  const keys = headerPickle('storage key list');
  if (!Array.isArray(keys))
    throw new TorchCheckpointError(`${fileName}: corrupt checkpoint (storage key list is not a list)`);

  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  for (const key of keys) {
    const storage = storages.get(String(key));
    if (at + 8 > bytes.length)
      throw truncated(fileName, `storage ${String(key)}'s header`, at + 8, bytes.length);
    const count = view.getBigInt64(at, true);
    at += 8;
    if (!storage)
      throw new TorchCheckpointError(
        `${fileName}: corrupt checkpoint (storage key ${String(key)} is not used by any tensor)`,
      );
    if (count !== BigInt(storage.numel)) {
      throw new TorchCheckpointError(
        `${fileName}: corrupt checkpoint (storage ${storage.key} declares ${storage.numel} elements, its data header says ${count})`,
      );
    }
    const byteLength = storage.numel * storage.type.elementBytes;
    if (at + byteLength > bytes.length)
      throw truncated(fileName, `storage ${storage.key}`, at + byteLength, bytes.length);
    storage.bytes = bytes.subarray(at, at + byteLength);
    at += byteLength;
  }
  for (const storage of storages.values()) {
    if (!storage.bytes)
      throw new TorchCheckpointError(`${fileName}: corrupt checkpoint (storage ${storage.key} has no data)`);
  }
  return collectTensors(main.value, fileName);
}

function truncated(fileName: string, what: string, needed: number, size: number): TorchCheckpointError {
  return new TorchCheckpointError(
    `${fileName}: truncated checkpoint — ${what} needs bytes up to ${needed}, the file has ${size} (was the download cut short?)`,
  );
}

function collectTensors(root: unknown, fileName: string): TorchStateDict {
  if (!(root instanceof PyDict)) {
    throw new TorchCheckpointError(
      `${fileName}: not a state_dict checkpoint (the pickled object is a ${Array.isArray(root) ? 'list' : typeof root}, not a dict of tensors)`,
    );
  }
  const out: TorchStateDict = new Map();
  for (const [name, value] of root.items) {
    if (typeof name === 'string' && isTensorRef(value)) out.set(name, materialise(value, name, fileName));
  }
  return out;
}

/** Gathers a (possibly strided, offset) view of its storage into contiguous float32. */
function materialise(tensor: TensorRef, name: string, fileName: string): TorchTensor {
  const { storage, storageOffset, size, stride } = tensor;
  const { root } = storage;
  const { dtype, elementBytes } = root.type;
  const numel = size.reduce((a, b) => a * b, 1);
  const out = new Float32Array(numel);
  if (numel > 0) {
    const last = storageOffset + size.reduce((sum, n, i) => sum + (n - 1) * stride[i], 0);
    if (storageOffset < 0 || last >= storage.numel || storage.offset + storage.numel > root.numel) {
      throw new TorchCheckpointError(
        `${fileName}: corrupt checkpoint (tensor ${name} [${size}] reaches element ${last} of a ${storage.numel}-element storage)`,
      );
    }
    const bytes = root.bytes as Uint8Array;
    const base = storage.offset + storageOffset;
    const read = elementReader(
      dtype,
      new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength),
      elementBytes,
    );
    if (isContiguous(size, stride)) {
      if (dtype === 'float32' && HOST_LITTLE_ENDIAN)
        out.set(new Float32Array(bytes.slice(base * 4, (base + numel) * 4).buffer));
      else for (let i = 0; i < numel; i++) out[i] = read(base + i);
    } else {
      gatherStrided(read, base, size, stride, out);
    }
  }
  return { dtype, shape: [...size], data: out };
}

const HOST_LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

function isContiguous(size: number[], stride: number[]): boolean {
  let expected = 1;
  for (let d = size.length - 1; d >= 0; d--) {
    if (size[d] !== 1 && stride[d] !== expected) return false;
    expected *= size[d];
  }
  return true;
}

function gatherStrided(
  read: (index: number) => number,
  base: number,
  size: number[],
  stride: number[],
  out: Float32Array,
): void {
  const rank = size.length;
  const counter = new Array<number>(rank).fill(0);
  let offset = base;
  for (let i = 0; i < out.length; i++) {
    out[i] = read(offset);
    for (let d = rank - 1; d >= 0; d--) {
      counter[d]++;
      offset += stride[d];
      if (counter[d] < size[d]) break;
      offset -= stride[d] * size[d];
      counter[d] = 0;
    }
  }
}

function elementReader(dtype: TorchDType, view: DataView, elementBytes: number): (index: number) => number {
  switch (dtype) {
    case 'float32':
      return (i) => view.getFloat32(i * elementBytes, true);
    case 'float64':
      return (i) => view.getFloat64(i * elementBytes, true);
    case 'float16':
      return (i) => halfToFloat(view.getUint16(i * elementBytes, true));
    case 'bfloat16': {
      const scratch = new DataView(new ArrayBuffer(4));
      return (i) => {
        scratch.setUint32(0, view.getUint16(i * elementBytes, true) << 16);
        return scratch.getFloat32(0);
      };
    }
    case 'int64':
      return (i) => Number(view.getBigInt64(i * elementBytes, true));
    case 'int32':
      return (i) => view.getInt32(i * elementBytes, true);
    case 'int16':
      return (i) => view.getInt16(i * elementBytes, true);
    case 'int8':
      return (i) => view.getInt8(i);
    case 'uint8':
    case 'bool':
      return (i) => view.getUint8(i);
  }
}

function halfToFloat(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exponent = (h >> 10) & 0x1f;
  const fraction = h & 0x3ff;
  if (exponent === 0) return sign * 2 ** -14 * (fraction / 1024);
  if (exponent === 0x1f) return fraction ? NaN : sign * Infinity;
  return sign * 2 ** (exponent - 15) * (1 + fraction / 1024);
}

export { PickleError };
