// A minimal, safe reader for Python pickles (protocols 0–5) as torch.save writes them.
// It never runs code: GLOBAL / STACK_GLOBAL only resolve names on an allow-list the
// caller passes (plus collections.OrderedDict and _codecs.encode, which are pure data),
// REDUCE / NEWOBJ only call those, and INST / OBJ / EXT* / out-of-band buffers are
// refused. Anything outside that is an error naming the file, the opcode and the offset.
//
// Python values map to JS as: None → null, bool → boolean, int → number (bigint when
// beyond 2^53), float → number, str → string, bytes → Uint8Array, list and tuple →
// array, dict → PyDict, set → Set. Persistent ids go to the caller's `persistentLoad`.
import { WeightsFormatError } from './weights-bundle';

export class PickleError extends WeightsFormatError {
  override name = 'PickleError';
}

/** A Python dict (or OrderedDict): keys in insertion order; BUILD state kept aside. */
export class PyDict {
  readonly items = new Map<unknown, unknown>();
  /** Instance state set by BUILD, e.g. a state_dict's `_metadata`. Ignored by readers. */
  state: unknown = undefined;
  get(key: unknown): unknown {
    return this.items.get(key);
  }
}

/** An allow-listed Python callable: called by REDUCE / NEWOBJ with the argument tuple. */
export interface PyGlobal {
  readonly qualifiedName: string;
  call?(args: unknown[]): unknown;
}

export interface PickleOptions {
  /** Names the file in error messages. */
  where: string;
  /** Allow-list, keyed "module.name" (e.g. "torch._utils._rebuild_tensor_v2"). */
  globals?: ReadonlyMap<string, PyGlobal>;
  /** Resolves a persistent id (torch: a storage reference). Without it, ids are an error. */
  persistentLoad?(pid: unknown): unknown;
}

export interface PickleResult {
  value: unknown;
  /** Offset just past the STOP opcode: the next pickle (or data) starts here. */
  end: number;
}

function orderedDictFromPairs(args: unknown[]): PyDict {
  const dict = new PyDict();
  // Python 2 pickles OrderedDict as OrderedDict([[key, value], ...]).
  const pairs = args[0];
  if (pairs !== undefined) {
    const list = pairs instanceof PyDict ? [...pairs.items] : pairs;
    if (!Array.isArray(list)) throw new TypeError('OrderedDict argument is not a list of pairs');
    for (const pair of list) {
      if (!Array.isArray(pair) || pair.length !== 2)
        throw new TypeError('OrderedDict argument is not a list of pairs');
      dict.items.set(pair[0], pair[1]);
    }
  }
  return dict;
}

/** Pure-data callables every torch pickle may use. */
export const BASE_GLOBALS: ReadonlyMap<string, PyGlobal> = new Map<string, PyGlobal>(
  [
    { qualifiedName: 'collections.OrderedDict', call: orderedDictFromPairs },
    // Python 3 writes Python-2-compatible bytes at protocol ≤ 2 as _codecs.encode(text, 'latin1').
    {
      qualifiedName: '_codecs.encode',
      call: (args: unknown[]) => {
        const [text, encoding] = args;
        if (typeof text !== 'string' || (encoding !== 'latin1' && encoding !== 'latin-1'))
          throw new TypeError('unsupported _codecs.encode arguments');
        return Uint8Array.from(text, (ch) => ch.charCodeAt(0));
      },
    },
  ].map((g) => [g.qualifiedName, g]),
);

const latin1 = (bytes: Uint8Array): string => {
  let s = '';
  for (let i = 0; i < bytes.length; i += 8192) s += String.fromCharCode(...bytes.subarray(i, i + 8192));
  return s;
};

/** Reads one pickle starting at `start`; returns its value and where it ended. */
export function readPickle(bytes: Uint8Array, start: number, options: PickleOptions): PickleResult {
  return new PickleReader(bytes, start, options).run();
}

class PickleReader {
  private pos: number;
  private opcodeStart = 0;
  private stack: unknown[] = [];
  private marks: number[] = [];
  private readonly memo = new Map<number, unknown>();
  private readonly view: DataView;
  private readonly utf8 = new TextDecoder('utf-8', { fatal: true });
  private readonly globals: ReadonlyMap<string, PyGlobal>;

  constructor(
    private readonly bytes: Uint8Array,
    start: number,
    private readonly options: PickleOptions,
  ) {
    this.pos = start;
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    this.globals = new Map([...BASE_GLOBALS, ...(options.globals ?? [])]);
  }

  private fail(what: string): never {
    throw new PickleError(
      `${this.options.where}: ${what} (pickle opcode 0x${(this.bytes[this.opcodeStart] ?? 0).toString(16).padStart(2, '0')} at byte ${this.opcodeStart})`,
    );
  }

  private take(n: number): Uint8Array {
    if (n < 0 || n > this.bytes.length)
      this.fail(
        `corrupt pickle data: a field claims ${n} bytes, more than the whole file (${this.bytes.length} bytes)`,
      );
    if (this.pos + n > this.bytes.length)
      this.fail(
        `truncated pickle data: a ${n}-byte field at byte ${this.pos} runs past the end of the file (${this.bytes.length} bytes)`,
      );
    const out = this.bytes.subarray(this.pos, this.pos + n);
    this.pos += n;
    return out;
  }

  private u8(): number {
    return this.take(1)[0];
  }

  private le(n: 2 | 4 | 8): number {
    const at = this.pos;
    this.take(n);
    if (n === 2) return this.view.getUint16(at, true);
    if (n === 4) return this.view.getUint32(at, true);
    const big = this.view.getBigUint64(at, true);
    if (big > BigInt(Number.MAX_SAFE_INTEGER)) this.fail('corrupt pickle data: 8-byte length out of range');
    return Number(big);
  }

  private line(): string {
    const end = this.bytes.indexOf(0x0a, this.pos);
    if (end < 0) this.fail('truncated pickle data: unterminated text line');
    return latin1(this.take(end - this.pos + 1).subarray(0, -1));
  }

  private text(n: number): string {
    try {
      return this.utf8.decode(this.take(n));
    } catch (err) {
      if (err instanceof PickleError) throw err;
      return this.fail('corrupt pickle data: a string is not valid UTF-8');
    }
  }

  private push(value: unknown): void {
    this.stack.push(value);
  }

  private pop(): unknown {
    if (
      this.stack.length === 0 ||
      (this.marks.length && this.stack.length <= this.marks[this.marks.length - 1])
    ) {
      this.fail('corrupt pickle data: stack underflow');
    }
    return this.stack.pop();
  }

  private top(): unknown {
    if (
      this.stack.length === 0 ||
      (this.marks.length && this.stack.length <= this.marks[this.marks.length - 1])
    )
      this.fail('corrupt pickle data: stack underflow');
    return this.stack[this.stack.length - 1];
  }

  private popMark(): unknown[] {
    const mark = this.marks.pop();
    if (mark === undefined) this.fail('corrupt pickle data: no MARK on the stack');
    return this.stack.splice(mark);
  }

  private memoGet(index: number): unknown {
    if (!this.memo.has(index)) this.fail(`corrupt pickle data: memo entry ${index} was never stored`);
    return this.memo.get(index);
  }

  private intFromBytes(raw: Uint8Array): number | bigint {
    // Two's-complement little-endian (LONG1 / LONG4), e.g. torch.save's magic number.
    let value = 0n;
    for (let i = raw.length - 1; i >= 0; i--) value = (value << 8n) | BigInt(raw[i]);
    if (raw.length && raw[raw.length - 1] & 0x80) value -= 1n << BigInt(8 * raw.length);
    return narrow(value);
  }

  private resolveGlobal(module: string, name: string): PyGlobal {
    const qualified = `${module}.${name}`;
    const found = this.globals.get(qualified);
    if (!found) {
      const allowed = [...this.globals.keys()].filter((k) => !k.includes('Storage')).join(', ');
      this.fail(
        `unsupported pickle global ${qualified}: only tensor and storage data can be loaded ` +
          `(allowed: ${allowed}, torch.*Storage); ` +
          'a checkpoint that pickles a whole model object instead of its state_dict cannot be read',
      );
    }
    return found;
  }

  private call(callable: unknown, args: unknown): unknown {
    const fn = callable as PyGlobal | undefined;
    if (!fn || typeof fn !== 'object' || typeof fn.call !== 'function' || !Array.isArray(args)) {
      this.fail('corrupt or unsupported pickle data: REDUCE on something that is not an allowed callable');
    }
    try {
      return fn.call(args);
    } catch (err) {
      if (err instanceof WeightsFormatError) throw err;
      return this.fail(
        `corrupt pickle data: ${fn.qualifiedName} rejected its arguments (${(err as Error).message})`,
      );
    }
  }

  private setItems(dict: unknown, flat: unknown[]): void {
    if (!(dict instanceof PyDict))
      this.fail('corrupt pickle data: SETITEM(S) on something that is not a dict');
    if (flat.length % 2) this.fail('corrupt pickle data: odd number of dict items');
    for (let i = 0; i < flat.length; i += 2) dict.items.set(flat[i], flat[i + 1]);
  }

  run(): PickleResult {
    for (;;) {
      this.opcodeStart = this.pos;
      const op = this.u8();
      switch (op) {
        // ---- framing and control ----
        case 0x80: // PROTO
          if (this.u8() > 5) this.fail('unsupported pickle protocol');
          break;
        case 0x95: // FRAME (a length hint; frames are read straight through)
          this.le(8);
          break;
        case 0x2e: // STOP
          if (this.stack.length !== 1 || this.marks.length)
            this.fail('corrupt pickle data: stack not balanced at STOP');
          return { value: this.stack[0], end: this.pos };
        case 0x28: // MARK
          this.marks.push(this.stack.length);
          break;
        case 0x30: // POP
          this.pop();
          break;
        case 0x31: // POP_MARK
          this.popMark();
          break;
        case 0x32: // DUP
          this.push(this.top());
          break;
        // ---- scalars ----
        case 0x4e: // NONE
          this.push(null);
          break;
        case 0x88: // NEWTRUE
          this.push(true);
          break;
        case 0x89: // NEWFALSE
          this.push(false);
          break;
        case 0x49: {
          // INT (text; I01 / I00 are True / False)
          const line = this.line();
          if (line === '01' || line === '00') this.push(line === '01');
          else this.push(this.parseIntText(line));
          break;
        }
        case 0x4c: // LONG (text, trailing L)
          this.push(this.parseIntText(this.line().replace(/L$/, '')));
          break;
        case 0x4a: // BININT
          this.take(4);
          this.push(this.view.getInt32(this.pos - 4, true));
          break;
        case 0x4b: // BININT1
          this.push(this.u8());
          break;
        case 0x4d: // BININT2
          this.push(this.le(2));
          break;
        case 0x8a: // LONG1
          this.push(this.intFromBytes(this.take(this.u8())));
          break;
        case 0x8b: // LONG4
          this.push(this.intFromBytes(this.take(this.le(4))));
          break;
        case 0x46: {
          // FLOAT (text)
          const value = Number(this.line());
          if (Number.isNaN(value)) this.fail('corrupt pickle data: bad FLOAT text');
          this.push(value);
          break;
        }
        case 0x47: // BINFLOAT (big-endian)
          this.take(8);
          this.push(this.view.getFloat64(this.pos - 8, false));
          break;
        // ---- strings and bytes ----
        case 0x53: // STRING (repr text)
          this.push(parseStringRepr(this.line(), () => this.fail('corrupt pickle data: bad STRING literal')));
          break;
        case 0x54: // BINSTRING (Python 2 str: bytes, read as latin-1 text like torch's _maybe_decode_ascii)
          this.push(latin1(this.take(this.le(4))));
          break;
        case 0x55: // SHORT_BINSTRING
          this.push(latin1(this.take(this.u8())));
          break;
        case 0x56: // UNICODE (raw-unicode-escape line)
          this.push(
            this.line().replace(/\\u([0-9a-fA-F]{4})|\\U([0-9a-fA-F]{8})/g, (_, a: string, b: string) =>
              String.fromCodePoint(parseInt(a ?? b, 16)),
            ),
          );
          break;
        case 0x58: // BINUNICODE
          this.push(this.text(this.le(4)));
          break;
        case 0x8c: // SHORT_BINUNICODE
          this.push(this.text(this.u8()));
          break;
        case 0x8d: // BINUNICODE8
          this.push(this.text(this.le(8)));
          break;
        case 0x42: // BINBYTES
          this.push(this.take(this.le(4)).slice());
          break;
        case 0x43: // SHORT_BINBYTES
          this.push(this.take(this.u8()).slice());
          break;
        case 0x8e: // BINBYTES8
        case 0x96: // BYTEARRAY8
          this.push(this.take(this.le(8)).slice());
          break;
        // ---- containers ----
        case 0x29: // EMPTY_TUPLE
          this.push([]);
          break;
        case 0x74: // TUPLE
          this.push(this.popMark());
          break;
        case 0x85: // TUPLE1
          this.push([this.pop()]);
          break;
        case 0x86: {
          // TUPLE2
          const b = this.pop();
          this.push([this.pop(), b]);
          break;
        }
        case 0x87: {
          // TUPLE3
          const c = this.pop();
          const b = this.pop();
          this.push([this.pop(), b, c]);
          break;
        }
        case 0x5d: // EMPTY_LIST
          this.push([]);
          break;
        case 0x6c: // LIST
          this.push(this.popMark());
          break;
        case 0x61: {
          // APPEND
          const item = this.pop();
          this.listTop().push(item);
          break;
        }
        case 0x65: {
          // APPENDS
          const items = this.popMark();
          this.listTop().push(...items);
          break;
        }
        case 0x7d: // EMPTY_DICT
          this.push(new PyDict());
          break;
        case 0x64: {
          // DICT
          const dict = new PyDict();
          this.setItems(dict, this.popMark());
          this.push(dict);
          break;
        }
        case 0x73: {
          // SETITEM
          const value = this.pop();
          const key = this.pop();
          this.setItems(this.top(), [key, value]);
          break;
        }
        case 0x75: {
          // SETITEMS
          const flat = this.popMark();
          this.setItems(this.top(), flat);
          break;
        }
        case 0x8f: // EMPTY_SET
          this.push(new Set());
          break;
        case 0x90: {
          // ADDITEMS
          const items = this.popMark();
          const set = this.top();
          if (!(set instanceof Set))
            this.fail('corrupt pickle data: ADDITEMS on something that is not a set');
          for (const item of items) set.add(item);
          break;
        }
        case 0x91: // FROZENSET
          this.push(new Set(this.popMark()));
          break;
        // ---- memo ----
        case 0x70: // PUT
          this.memo.set(Number(this.line()), this.top());
          break;
        case 0x71: // BINPUT
          this.memo.set(this.u8(), this.top());
          break;
        case 0x72: // LONG_BINPUT
          this.memo.set(this.le(4), this.top());
          break;
        case 0x94: // MEMOIZE
          this.memo.set(this.memo.size, this.top());
          break;
        case 0x67: // GET
          this.push(this.memoGet(Number(this.line())));
          break;
        case 0x68: // BINGET
          this.push(this.memoGet(this.u8()));
          break;
        case 0x6a: // LONG_BINGET
          this.push(this.memoGet(this.le(4)));
          break;
        // ---- globals, calls, persistent ids ----
        case 0x63: {
          // GLOBAL "module\nname\n"
          const module = this.line();
          this.push(this.resolveGlobal(module, this.line()));
          break;
        }
        case 0x93: {
          // STACK_GLOBAL
          const name = this.pop();
          const module = this.pop();
          if (typeof module !== 'string' || typeof name !== 'string')
            this.fail('corrupt pickle data: STACK_GLOBAL needs two strings');
          this.push(this.resolveGlobal(module, name));
          break;
        }
        case 0x52: {
          // REDUCE
          const args = this.pop();
          const callable = this.pop();
          this.push(this.call(callable, args));
          break;
        }
        case 0x81: {
          // NEWOBJ: cls.__new__(cls, *args) — only for allow-listed classes
          const args = this.pop();
          const cls = this.pop();
          this.push(this.call(cls, args));
          break;
        }
        case 0x62: {
          // BUILD: only dict-like state on our own objects (OrderedDict._metadata)
          const state = this.pop();
          const target = this.top();
          if (target instanceof PyDict) target.state = state;
          else this.fail('unsupported pickle data: BUILD on an object that is not a dict');
          break;
        }
        case 0x50: // PERSID (text id)
          this.push(this.persistent(this.line()));
          break;
        case 0x51: // BINPERSID
          this.push(this.persistent(this.pop()));
          break;
        case 0x69: // INST
        case 0x6f: // OBJ
        case 0x92: // NEWOBJ_EX
        case 0x82: // EXT1
        case 0x83: // EXT2
        case 0x84: // EXT4
        case 0x97: // NEXT_BUFFER
        case 0x98: // READONLY_BUFFER
          this.fail(
            'unsupported pickle opcode: it would construct arbitrary objects, which this safe reader refuses',
          );
          break;
        default:
          this.fail('corrupt pickle data: unexpected byte, not a pickle opcode');
      }
    }
  }

  private listTop(): unknown[] {
    const list = this.top();
    if (!Array.isArray(list)) this.fail('corrupt pickle data: APPEND(S) on something that is not a list');
    return list;
  }

  private persistent(pid: unknown): unknown {
    if (!this.options.persistentLoad) this.fail('unsupported pickle data: persistent id without a loader');
    try {
      return this.options.persistentLoad(pid);
    } catch (err) {
      if (err instanceof WeightsFormatError) throw err;
      return this.fail(`corrupt pickle data: bad persistent id (${(err as Error).message})`);
    }
  }

  private parseIntText(text: string): number | bigint {
    if (!/^[-+]?\d+$/.test(text.trim())) this.fail('corrupt pickle data: bad integer text');
    return narrow(BigInt(text.trim()));
  }
}

function narrow(value: bigint): number | bigint {
  return value >= BigInt(Number.MIN_SAFE_INTEGER) && value <= BigInt(Number.MAX_SAFE_INTEGER)
    ? Number(value)
    : value;
}

/** Python 2 repr of a str: 'abc' or "abc" with backslash escapes. */
function parseStringRepr(line: string, bad: () => never): string {
  const quote = line[0];
  if ((quote !== "'" && quote !== '"') || line[line.length - 1] !== quote || line.length < 2) bad();
  const body = line.slice(1, -1);
  const escapes: Record<string, string> = {
    n: '\n',
    r: '\r',
    t: '\t',
    '\\': '\\',
    "'": "'",
    '"': '"',
    '0': '\0',
  };
  return body.replace(/\\(x[0-9a-fA-F]{2}|.)/g, (_, e: string) =>
    e[0] === 'x' && e.length === 3 ? String.fromCharCode(parseInt(e.slice(1), 16)) : (escapes[e] ?? `\\${e}`),
  );
}
