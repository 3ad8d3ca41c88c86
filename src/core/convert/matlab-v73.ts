// Reader for MATLAB v7.3 MAT-files: HDF5 files behind a 512-byte MATLAB userblock. The
// HDF5 side (superblock, object headers, groups, chunked storage) is hdf5.ts; this file
// holds what MATLAB means by it.
//
// MATLAB conventions (MathWorks "MAT-File Versions"; HDF5 layout as h5py sees it):
//   * arrays are column-major, so HDF5 dims are MATLAB dims reversed and the HDF5 bytes in
//     C order are the MATLAB array in column-major order — MatArray keeps MATLAB dims and
//     column-major data, no transposition happens here;
//   * every object carries a MATLAB_class attribute ('double', 'single', 'char', 'cell',
//     'struct', ...); char arrays are uint16 code units; empty arrays are a uint64 dims
//     vector flagged with a MATLAB_empty attribute;
//   * a scalar struct is a group whose fields are its members; a struct array or cell keeps
//     each element in the '#refs#' group and stores object references to it.
import { Hdf5File } from './hdf5';
import { WeightsFormatError } from './weights-bundle';

/** A MAT-file that cannot be read; the message names the file and what is wrong. */
export class MatFileError extends WeightsFormatError {
  override name = 'MatFileError';
}

const MATLAB_V73_HEADER = 'MATLAB 7.3 MAT-file';

/** A MATLAB numeric array: MATLAB dims and column-major data, as stored. */
export interface MatArray {
  matlabClass: string;
  dims: number[];
  data:
    | Float32Array
    | Float64Array
    | Int8Array
    | Uint8Array
    | Int16Array
    | Uint16Array
    | Int32Array
    | Uint32Array;
}

const NUMERIC_CLASSES = new Set([
  'double',
  'single',
  'int8',
  'uint8',
  'int16',
  'uint16',
  'int32',
  'uint32',
  'int64',
  'uint64',
  'logical',
]);

/** One MATLAB value in the file (a variable, a struct field, a cell element). */
export class MatNode {
  constructor(
    readonly file: MatFile,
    readonly address: number,
    readonly path: string,
  ) {}

  private get h5(): Hdf5File {
    return this.file.hdf5;
  }

  get isGroup(): boolean {
    return !this.h5.isDataset(this.address);
  }

  /** MATLAB_class attribute ('struct', 'cell', 'char', 'single', …); '' when absent. */
  get matlabClass(): string {
    const cls = this.h5.attribute(this.address, 'MATLAB_class');
    return typeof cls === 'string' ? cls : '';
  }

  get isEmpty(): boolean {
    return !this.isGroup && Boolean(this.h5.attribute(this.address, 'MATLAB_empty'));
  }

  get isReferenceArray(): boolean {
    return !this.isGroup && this.h5.datasetType(this.address).kind === 'reference';
  }

  /** Field / member names of a struct group (not '#refs#' and friends). */
  fieldNames(): string[] {
    if (!this.isGroup) return [];
    return [...this.h5.links(this.address).keys()].filter((k) => !k.startsWith('#'));
  }

  field(name: string): MatNode {
    const links = this.isGroup ? this.h5.links(this.address) : undefined;
    const address = links?.get(name);
    if (address === undefined) {
      const have = this.fieldNames();
      this.file.fail(
        `${this.path} has no field '${name}'${have.length ? ` (fields: ${have.join(', ')})` : ''}`,
      );
    }
    return new MatNode(this.file, address, `${this.path}.${name}`);
  }

  hasField(name: string): boolean {
    return this.isGroup && this.h5.links(this.address).has(name);
  }

  /** MATLAB dims (HDF5 dims reversed); an empty array reports its stored dims. */
  get dims(): number[] {
    if (this.isGroup) return [1, 1];
    if (this.isEmpty) return this.readEmptyDims();
    const dims = this.h5.datasetDims(this.address).slice().reverse();
    return dims.length === 0 ? [1, 1] : dims.length === 1 ? [dims[0], 1] : dims;
  }

  /** An empty array stores its MATLAB dims (e.g. [0 0]) as uint64 values. */
  private readEmptyDims(): number[] {
    const raw = this.h5.readRaw(this.address, this.path);
    const view = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
    const dims: number[] = [];
    for (let i = 0; i + 8 <= raw.length; i += 8) dims.push(view.getUint32(i, true));
    return dims.length ? dims : [0, 0];
  }

  /** Followed object references of a cell or struct-array field, in MATLAB linear order. */
  references(): MatNode[] {
    if (!this.isReferenceArray)
      this.file.fail(`${this.path} is not a cell or struct-array field (no object references)`);
    const raw = this.h5.readRaw(this.address, this.path);
    const view = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
    const nodes: MatNode[] = [];
    for (let i = 0; i + 8 <= raw.length; i += 8) {
      const lo = view.getUint32(i, true);
      const hi = view.getUint32(i + 4, true);
      const address = hi * 0x100000000 + lo;
      const name = `${this.path}(${nodes.length + 1})`;
      if (address === 0 || (lo === 0xffffffff && hi === 0xffffffff))
        this.file.fail(`${name} is a null object reference`);
      nodes.push(new MatNode(this.file, address, name));
    }
    return nodes;
  }

  /** The elements of a struct-array field: followed references, or the value itself for a 1×1 struct. */
  elements(): MatNode[] {
    return this.isReferenceArray ? this.references() : [this];
  }

  /** A char array as a string (MATLAB stores UTF-16 code units in uint16). */
  readString(): string {
    if (this.isGroup || this.matlabClass !== 'char')
      this.file.fail(`${this.path} is not a char array (class '${this.matlabClass || 'none'}')`);
    if (this.isEmpty) return '';
    const codes = this.readTyped();
    return String.fromCharCode(...codes);
  }

  /** A cell array of char arrays (e.g. DagNN layer.params) as strings. */
  readStringCell(): string[] {
    if (this.isEmpty) return [];
    return this.references().map((n) => n.readString());
  }

  /** A numeric array with MATLAB dims and column-major data. */
  readArray(): MatArray {
    const cls = this.matlabClass;
    if (this.isGroup || !NUMERIC_CLASSES.has(cls))
      this.file.fail(`${this.path} is not a numeric array (class '${cls || 'none'}')`);
    if (this.isEmpty) return { matlabClass: cls, dims: this.dims, data: new Float64Array(0) };
    return { matlabClass: cls, dims: this.dims, data: this.readTyped() };
  }

  private readTyped(): MatArray['data'] {
    const type = this.h5.datasetType(this.address);
    const raw = this.h5.readRaw(this.address, this.path);
    // Copy: typed-array views need aligned offsets, and the result outlives the file bytes.
    const buffer = new Uint8Array(raw).buffer;
    if (type.kind === 'float' && type.size === 4) return new Float32Array(buffer);
    if (type.kind === 'float' && type.size === 8) return new Float64Array(buffer);
    if (type.kind === 'int') {
      if (type.size === 1) return type.signed ? new Int8Array(buffer) : new Uint8Array(buffer);
      if (type.size === 2) return type.signed ? new Int16Array(buffer) : new Uint16Array(buffer);
      if (type.size === 4) return type.signed ? new Int32Array(buffer) : new Uint32Array(buffer);
    }
    return this.file.fail(`${this.path} has an unsupported element type (${type.kind}, ${type.size} bytes)`);
  }
}

/** A MATLAB v7.3 MAT-file held in memory. */
export class MatFile {
  readonly hdf5: Hdf5File;

  constructor(
    bytes: Uint8Array,
    readonly fileName: string,
  ) {
    if (Hdf5File.findSuperblock(bytes) < 0) {
      // An older MAT-file (v5–v7) is no HDF5 file; say which version it is and what to do.
      const head = new TextDecoder('latin1').decode(bytes.subarray(0, 20));
      if (/^MATLAB [1-7]\.\d MAT-file/.test(head) && !head.startsWith(MATLAB_V73_HEADER)) {
        this.fail(
          `not an HDF5 file: it is a ${head.slice(0, 10).trim()} MAT-file; only MATLAB v7.3 files can be read — ` +
            "re-save it in MATLAB with save(..., '-v7.3')",
        );
      }
    }
    this.hdf5 = new Hdf5File(bytes, fileName, (message) => new MatFileError(message));
    const header = new TextDecoder('latin1').decode(bytes.subarray(0, MATLAB_V73_HEADER.length));
    if (this.hdf5.superblockOffset !== 512 || header !== MATLAB_V73_HEADER) {
      this.fail(
        `is an HDF5 file but not a MATLAB v7.3 MAT-file (no '${MATLAB_V73_HEADER}' header in a 512-byte user block)`,
      );
    }
  }

  fail(msg: string): never {
    throw new MatFileError(`${this.fileName}: ${msg}`);
  }

  /** Names of the top-level variables. */
  variableNames(): string[] {
    return [...this.hdf5.links(this.hdf5.rootAddress).keys()].filter((k) => !k.startsWith('#'));
  }

  variable(name: string): MatNode {
    const address = this.hdf5.links(this.hdf5.rootAddress).get(name);
    if (address === undefined) {
      const have = this.variableNames();
      this.fail(
        `missing variable '${name}' (the file holds ${have.length ? have.map((v) => `'${v}'`).join(', ') : 'no variables'})`,
      );
    }
    return new MatNode(this, address, name);
  }
}

/** Opens a MATLAB v7.3 MAT-file; `fileName` is used in error messages. */
export function readMatV73(bytes: Uint8Array, fileName: string): MatFile {
  return new MatFile(bytes, fileName);
}
