// A small WebDriver BiDi client for Firefox's built-in remote agent: Firefox ESR started
// with --remote-debugging-port and a fresh profile, one WebSocket to
// ws://127.0.0.1:PORT/session, commands sent and awaited by id, events by name.
// Playwright drives only its own patched Firefox and Node 20 has no global WebSocket
// (without --experimental-websocket), so the WebSocket client (RFC 6455, text frames, the
// client's frames masked) is written out here on node:http's upgrade: about 80 lines.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import type { Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const FIREFOX = process.env.LIPSYNC_FIREFOX ?? '/usr/bin/firefox-esr';
const XVFB = '/usr/bin/Xvfb';
const XDOTOOL = '/usr/bin/xdotool';

/** A text-frame WebSocket client connection (what BiDi needs: JSON messages both ways). */
class TextSocket {
  private buffer = Buffer.alloc(0);
  private fragments: Buffer[] = [];
  onMessage: (text: string) => void = () => undefined;
  onClose: () => void = () => undefined;

  private constructor(
    private readonly socket: Socket,
    head: Buffer,
  ) {
    socket.on('data', (chunk: Buffer) => this.receive(chunk));
    socket.on('close', () => this.onClose());
    socket.on('error', () => undefined);
    if (head.length) this.receive(head);
  }

  static connect(url: string): Promise<TextSocket> {
    const { hostname, port, pathname } = new URL(url);
    return new Promise((resolve, reject) => {
      const req = request({
        host: hostname,
        port,
        path: pathname,
        headers: {
          Connection: 'Upgrade',
          Upgrade: 'websocket',
          'Sec-WebSocket-Version': '13',
          'Sec-WebSocket-Key': randomBytes(16).toString('base64'),
        },
      });
      req.on('upgrade', (_res, socket, head) => resolve(new TextSocket(socket, head)));
      req.on('response', (res) =>
        reject(new Error(`${url}: HTTP ${res.statusCode}, not a WebSocket upgrade`)),
      );
      req.on('error', reject);
      req.end();
    });
  }

  send(text: string): void {
    const payload = Buffer.from(text, 'utf8');
    const length = payload.length;
    const header =
      length < 126 ? Buffer.from([0x81, 0x80 | length]) : length < 65536 ? Buffer.alloc(4) : Buffer.alloc(10);
    if (length >= 126 && length < 65536) {
      header[0] = 0x81;
      header[1] = 0x80 | 126;
      header.writeUInt16BE(length, 2);
    } else if (length >= 65536) {
      header[0] = 0x81;
      header[1] = 0x80 | 127;
      header.writeBigUInt64BE(BigInt(length), 2);
    }
    const mask = randomBytes(4);
    for (let i = 0; i < length; i++) payload[i] ^= mask[i & 3];
    this.socket.write(Buffer.concat([header, mask, payload]));
  }

  close(): void {
    this.socket.end(Buffer.from([0x88, 0x80, 0, 0, 0, 0]));
    this.socket.destroy();
  }

  private receive(chunk: Buffer): void {
    this.buffer = Buffer.concat([this.buffer, chunk]);
    for (;;) {
      if (this.buffer.length < 2) return;
      const fin = (this.buffer[0] & 0x80) !== 0;
      const opcode = this.buffer[0] & 0x0f;
      let length = this.buffer[1] & 0x7f;
      let offset = 2;
      if (length === 126) {
        if (this.buffer.length < 4) return;
        length = this.buffer.readUInt16BE(2);
        offset = 4;
      } else if (length === 127) {
        if (this.buffer.length < 10) return;
        length = Number(this.buffer.readBigUInt64BE(2));
        offset = 10;
      }
      // Server frames are never masked.
      if (this.buffer.length < offset + length) return;
      const payload = this.buffer.subarray(offset, offset + length);
      this.buffer = this.buffer.subarray(offset + length);
      if (opcode === 0x8) {
        this.socket.destroy();
        return;
      }
      if (opcode === 0x9) {
        // Ping → pong with the same payload (masked, as every client frame).
        const mask = randomBytes(4);
        const masked = Buffer.from(payload.map((b, i) => b ^ mask[i & 3]));
        this.socket.write(Buffer.concat([Buffer.from([0x8a, 0x80 | masked.length]), mask, masked]));
        continue;
      }
      if (opcode === 0x1 || opcode === 0x0) {
        this.fragments.push(Buffer.from(payload));
        if (fin) {
          const text = Buffer.concat(this.fragments).toString('utf8');
          this.fragments = [];
          this.onMessage(text);
        }
      }
    }
  }
}

export class BidiError extends Error {
  constructor(
    readonly method: string,
    readonly error: string,
    message: string,
  ) {
    super(`${method}: ${error}: ${message}`);
    this.name = 'BidiError';
  }
}

type EventHandler = (params: Record<string, unknown>) => void;

/** A BiDi session: send(method, params) resolves with the command's result or rejects with its error. */
export class BidiSession {
  private nextId = 1;
  private readonly pending = new Map<
    number,
    { method: string; resolve: (value: unknown) => void; reject: (error: Error) => void }
  >();
  private readonly handlers = new Map<string, Set<EventHandler>>();

  constructor(private readonly socket: TextSocket) {
    socket.onMessage = (text) => this.dispatch(JSON.parse(text) as Record<string, unknown>);
    socket.onClose = () => {
      for (const { method, reject } of this.pending.values())
        reject(new Error(`${method}: connection closed`));
      this.pending.clear();
    };
  }

  static async connect(url: string): Promise<BidiSession> {
    const session = new BidiSession(await TextSocket.connect(url));
    await session.send('session.new', {
      capabilities: { alwaysMatch: { acceptInsecureCerts: true, webSocketUrl: true } },
    });
    return session;
  }

  send<T = Record<string, unknown>>(method: string, params: Record<string, unknown> = {}): Promise<T> {
    const id = this.nextId++;
    return new Promise<T>((resolve, reject) => {
      this.pending.set(id, { method, resolve: resolve as (value: unknown) => void, reject });
      this.socket.send(JSON.stringify({ id, method, params }));
    });
  }

  /** Calls `handler` for every event `name` (after session.subscribe); returns the unsubscribe. */
  on(name: string, handler: EventHandler): () => void {
    let set = this.handlers.get(name);
    if (!set) this.handlers.set(name, (set = new Set()));
    set.add(handler);
    return () => set.delete(handler);
  }

  close(): void {
    this.socket.close();
  }

  private dispatch(message: Record<string, unknown>): void {
    if (typeof message.id === 'number') {
      const waiting = this.pending.get(message.id);
      if (!waiting) return;
      this.pending.delete(message.id);
      if (message.type === 'error')
        waiting.reject(new BidiError(waiting.method, String(message.error), String(message.message)));
      else waiting.resolve(message.result);
      return;
    }
    if (message.type === 'event' && typeof message.method === 'string') {
      for (const handler of this.handlers.get(message.method) ?? [])
        handler(message.params as Record<string, unknown>);
    }
  }
}

/** A remote value from script.evaluate / callFunction, deserialised (primitives, arrays, plain objects). */
export function fromRemote(value: { type: string; value?: unknown }): unknown {
  switch (value.type) {
    case 'undefined':
      return undefined;
    case 'null':
      return null;
    case 'string':
    case 'boolean':
      return value.value;
    case 'number':
      return typeof value.value === 'string' ? Number(value.value) : value.value;
    case 'array':
      return (value.value as { type: string }[]).map(fromRemote);
    case 'object':
      return Object.fromEntries(
        (value.value as [string | { type: string }, { type: string }][]).map(([k, v]) => [
          typeof k === 'string' ? k : fromRemote(k),
          fromRemote(v),
        ]),
      );
    default:
      return { type: value.type };
  }
}

const PULSEAUDIO = '/usr/bin/pulseaudio';

/**
 * Kills a helper process — with `group`, its whole process group (it was spawned detached) —
 * and lets go of its pipes: a process still holding them (a content process of a Firefox
 * wedged in its sound stack) would keep this test file, and with it the whole run, from
 * ever ending.
 */
function killAndRelease(child: ChildProcess, group = false): void {
  try {
    if (group) process.kill(-child.pid!, 'SIGKILL');
    else child.kill('SIGKILL');
  } catch {
    // gone already
  }
  child.stdout?.destroy();
  child.stderr?.destroy();
}

/**
 * A sound output for Firefox. Without a sound server its default (PulseAudio) backend finds
 * no output and an AudioContext never leaves "suspended" — measured here, and ALSA's null
 * device is no way out (it is not paced: Firefox's audio thread spins and the worklet
 * floods the page). So a private PulseAudio with a null sink (paced by its own clock) is
 * started for each Firefox: `apt-get install pulseaudio` (scripts/setup.sh). Firefox reaches
 * it through ALSA's pulse plugin (launchFirefox sets `media.cubeb.backend`).
 */
async function startSoundServer(
  dir: string,
): Promise<{ env: Record<string, string>; status(): string; stop(): void }> {
  if (!existsSync(PULSEAUDIO))
    return { env: {}, status: () => `no sound server (${PULSEAUDIO} missing)`, stop: () => undefined };
  const runtime = join(dir, 'pulse-runtime');
  mkdirSync(runtime, { recursive: true });
  const socket = join(runtime, 'native');
  const server = spawn(
    PULSEAUDIO,
    [
      '-n',
      '--daemonize=no',
      '--exit-idle-time=-1',
      '--use-pid-file=false',
      '--disable-shm=true',
      // A null sink needs no raised or real-time priority.
      '--realtime=false',
      '--high-priority=false',
      '--log-target=stderr',
      '--log-level=error',
      '--load=module-null-sink sink_name=null',
      `--load=module-native-protocol-unix auth-anonymous=1 socket=${socket}`,
    ],
    { stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, HOME: runtime, XDG_RUNTIME_DIR: runtime } },
  );
  let log = '';
  server.stderr!.on('data', (chunk: Buffer) => {
    log = (log + chunk.toString()).slice(-4000);
  });
  const deadline = Date.now() + 10_000;
  while (!existsSync(socket) && Date.now() < deadline && server.exitCode === null)
    await new Promise((r) => setTimeout(r, 100));
  if (!existsSync(socket)) {
    killAndRelease(server);
    throw new Error(`the sound server (PulseAudio, null sink) did not start:\n${log}`);
  }
  return {
    env: { PULSE_SERVER: `unix:${socket}` },
    // For failure messages: a check that hears nothing may be a sound server that died.
    status: () =>
      `sound server ${server.exitCode === null && server.signalCode === null ? 'running' : `exited (${server.exitCode ?? server.signalCode})`}${log ? `; its log:\n${log}` : ''}`,
    stop: () => killAndRelease(server),
  };
}

/**
 * A virtual X display (Xvfb) for Firefox to draw on. Headless Firefox on a machine without a
 * GPU creates no WebGL context ("WebGL creation failed"), and MediaPipe's face landmarker
 * needs one; a windowed Firefox on Xvfb gets Mesa's llvmpipe (measured: "llvmpipe, or
 * similar / WebGL 2.0" with webgl.force-enabled, which overrides the no-PCI-GPU blocklist).
 * Without Xvfb, Firefox runs headless and the tests that need frames analysed skip, saying so.
 */
async function startDisplay(): Promise<{ display: string | null; stop(): void }> {
  if (!existsSync(XVFB)) return { display: null, stop: () => undefined };
  // -displayfd: Xvfb picks a free display number and writes it to stdout once it is ready.
  const server = spawn(XVFB, ['-displayfd', '1', '-screen', '0', '1280x1024x24', '-nolisten', 'tcp'], {
    stdio: ['ignore', 'pipe', 'ignore'],
  });
  const display = await new Promise<string | null>((resolve) => {
    let out = '';
    server.stdout!.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      if (out.includes('\n')) resolve(`:${out.trim()}`);
    });
    server.on('exit', () => resolve(null));
    setTimeout(() => resolve(null), 10_000);
  });
  const stop = () => killAndRelease(server);
  if (!display) stop();
  return { display, stop };
}

/**
 * Presses `keys` (xdotool's names, e.g. "alt+shift+l") on Firefox's window as a person would:
 * real X key events through XTEST, so browser shortcuts — an extension's `commands` — fire,
 * which BiDi's input actions (delivered to the page) never reach. Returns why it cannot
 * (headless, or no xdotool), or null once the keys were pressed.
 */
export function pressKeys(firefox: Firefox, keys: string): string | null {
  if (!firefox.display) return 'Firefox runs headless (no Xvfb): there is no window to type into';
  if (!existsSync(XDOTOOL)) return 'no xdotool (apt-get install xdotool) to type on the display';
  const env = { ...process.env, DISPLAY: firefox.display };
  // No window manager on Xvfb: the keyboard goes to the window under the pointer.
  const found = spawnSync(XDOTOOL, ['search', '--onlyvisible', '--class', 'firefox'], {
    env,
    encoding: 'utf8',
  });
  const window = found.stdout.trim().split('\n').filter(Boolean).at(-1);
  if (!window) throw new Error(`no Firefox window on ${firefox.display}: ${found.stderr}`);
  const run = (args: string[]) => {
    const result = spawnSync(XDOTOOL, args, { env, encoding: 'utf8' });
    if (result.status !== 0) throw new Error(`xdotool ${args.join(' ')}: ${result.stderr}`);
  };
  run(['mousemove', '--window', window, '200', '200']);
  run(['windowfocus', '--sync', window]);
  run(['key', '--clearmodifiers', keys]);
  return null;
}

export interface Firefox {
  bidi: BidiSession;
  profile: string;
  /** Firefox's stdout and stderr so far (console lines with the console prefs). */
  output(): string;
  /** The Xvfb display Firefox draws on, or null when it runs headless (no WebGL without a GPU). */
  display: string | null;
  /** Whether Firefox's sound server still runs, with its log (for failure messages). */
  soundServer(): string;
  close(): Promise<void>;
}

/**
 * Starts Firefox on a virtual display (headless without Xvfb) with a fresh profile (`prefs`
 * written to its user.js) and the remote agent on a free port, and opens a BiDi session.
 */
export async function launchFirefox(prefs: Record<string, string | number | boolean> = {}): Promise<Firefox> {
  const profile = mkdtempSync(join(tmpdir(), 'lipsync-lens-firefox-'));
  const allPrefs: Record<string, string | number | boolean> = {
    // No first-run pages, updates or telemetry; the remote agent's own recommended prefs are applied too.
    'browser.shell.checkDefaultBrowser': false,
    'datareporting.policy.dataSubmissionEnabled': false,
    'toolkit.telemetry.reportingpolicy.firstRun': false,
    'app.update.disabledForTesting': true,
    // Autoplay with sound (the fixture pages play without a user gesture).
    'media.autoplay.default': 0,
    'media.autoplay.blocking_policy': 0,
    'media.autoplay.block-webaudio': false,
    // Unsigned temporary add-ons and console output of extension pages on stdout.
    'xpinstall.signatures.required': false,
    'devtools.console.stdout.chrome': true,
    'devtools.console.stdout.content': true,
    // WebGL on Mesa's software rasteriser: the blocklist refuses it when no GPU is found on PCI.
    'webgl.force-enabled': true,
    // Sound through ALSA, whose default device is the private PulseAudio (alsa-plugins' pulse
    // plugin, a dependency of Debian's pulseaudio), not through Firefox's own PulseAudio
    // backend: that one deadlocks here, from then on playing nothing (docs/firefox.md).
    'media.cubeb.backend': 'alsa',
    ...prefs,
  };
  writeFileSync(
    join(profile, 'user.js'),
    Object.entries(allPrefs)
      .map(([k, v]) => `user_pref(${JSON.stringify(k)}, ${JSON.stringify(v)});`)
      .join('\n') + '\n',
  );
  const sound = await startSoundServer(profile);
  const screen = await startDisplay();
  const display = screen.display ? { DISPLAY: screen.display } : { MOZ_HEADLESS: '1' };
  const child: ChildProcess = spawn(
    FIREFOX,
    [
      ...(screen.display ? [] : ['--headless']),
      '--no-remote',
      '--profile',
      profile,
      '--remote-debugging-port=0',
      '--remote-allow-system-access',
      'about:blank',
    ],
    {
      // Its own process group, so that close() can kill every Firefox process at once.
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, ...sound.env, ...display, MOZ_CRASHREPORTER_DISABLE: '1' },
    },
  );
  let output = '';
  const listening = new Promise<string>((resolve, reject) => {
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      const match = /WebDriver BiDi listening on (ws:\/\/[^\s]+)/.exec(output);
      if (match) resolve(match[1]);
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    child.on('exit', (code) =>
      reject(new Error(`firefox exited (${code}) before its remote agent listened:\n${output.slice(-2000)}`)),
    );
    setTimeout(
      () => reject(new Error(`firefox's remote agent did not listen within 60 s:\n${output.slice(-2000)}`)),
      60_000,
    );
  });
  let url: string;
  try {
    url = await listening;
  } catch (error) {
    killAndRelease(child, true);
    sound.stop();
    screen.stop();
    throw error;
  }
  const bidi = await BidiSession.connect(`${url}/session`);
  return {
    bidi,
    profile,
    output: () => output,
    display: screen.display,
    soundServer: sound.status,
    async close() {
      try {
        await Promise.race([bidi.send('browser.close'), new Promise((r) => setTimeout(r, 5000))]);
      } catch {
        // already closing
      }
      bidi.close();
      if (child.exitCode === null) {
        const exited = new Promise((r) => child.once('exit', r));
        await Promise.race([exited, new Promise((r) => setTimeout(r, 5000))]);
      }
      // Also after a clean exit: content processes may outlive the parent.
      killAndRelease(child, true);
      sound.stop();
      screen.stop();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}
