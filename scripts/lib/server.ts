// A static file server on 127.0.0.1 for real-browser tests and the bench: serves the repository root at
// / and ../shared/media at /media/. Two servers on two ports give same-origin and
// cross-origin (no CORS headers) media. Range requests are supported (media elements
// use them to seek).
import { createServer, type Server } from 'node:http';
import { createReadStream, existsSync, statSync } from 'node:fs';
import { extname, join, normalize, resolve } from 'node:path';
import type { AddressInfo } from 'node:net';

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript',
  '.mjs': 'text/javascript',
  '.css': 'text/css',
  '.json': 'application/json',
  '.wasm': 'application/wasm',
  '.mp4': 'video/mp4',
  '.webm': 'video/webm',
  '.mov': 'video/quicktime',
  '.mpg': 'video/mpeg',
  '.wav': 'audio/wav',
  '.png': 'image/png',
  '.task': 'application/octet-stream',
  '.bin': 'application/octet-stream',
};

export const SHARED_DIR = resolve(process.env.LIPSYNC_SHARED ?? '../shared');
export const CLIPS_DIR = join(SHARED_DIR, 'media', 'clips');

export interface StaticServer {
  origin: string;
  /** Paths requested so far (for asserting what a page fetched). */
  requests: string[];
  close(): Promise<void>;
}

export interface ServeOptions {
  /** Extra URL prefix → folder mappings, e.g. { '/gen/': 'test/.generated/media' }. */
  mounts?: Record<string, string>;
  /** Add Access-Control-Allow-Origin: * (default false: cross-origin media stays opaque). */
  cors?: boolean;
  /** Let the browser cache responses (default false: no-store, every test reads the file as it is now; no-store pages are never kept in the back/forward cache). */
  cacheable?: boolean;
  port?: number;
}

export async function serveStatic(options: ServeOptions = {}): Promise<StaticServer> {
  const mounts: [string, string][] = [
    ...Object.entries(options.mounts ?? {}).map(([p, d]) => [p, resolve(d)] as [string, string]),
    ['/media/', join(SHARED_DIR, 'media')],
    ['/', resolve('.')],
  ];
  const requests: string[] = [];
  const server: Server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    const path = decodeURIComponent(url.pathname);
    requests.push(path);
    const mount = mounts.find(([prefix]) => path.startsWith(prefix));
    const file = mount ? normalize(join(mount[1], path.slice(mount[0].length))) : '';
    if (!mount || !file.startsWith(mount[1]) || !existsSync(file) || !statSync(file).isFile()) {
      res.writeHead(404).end('not found');
      return;
    }
    const size = statSync(file).size;
    const headers: Record<string, string | number> = {
      'Content-Type': TYPES[extname(file).toLowerCase()] ?? 'application/octet-stream',
      'Accept-Ranges': 'bytes',
      'Cache-Control': options.cacheable ? 'no-cache' : 'no-store',
    };
    if (options.cors) headers['Access-Control-Allow-Origin'] = '*';
    const range = /^bytes=(\d*)-(\d*)$/.exec(req.headers.range ?? '');
    if (range) {
      const start = range[1] ? Number(range[1]) : size - Number(range[2]);
      const end = range[1] && range[2] ? Math.min(Number(range[2]), size - 1) : size - 1;
      res.writeHead(206, {
        ...headers,
        'Content-Range': `bytes ${start}-${end}/${size}`,
        'Content-Length': end - start + 1,
      });
      createReadStream(file, { start, end }).pipe(res);
      return;
    }
    res.writeHead(200, { ...headers, 'Content-Length': size });
    createReadStream(file).pipe(res);
  });
  await new Promise<void>((done) => server.listen(options.port ?? 0, '127.0.0.1', done));
  const { port } = server.address() as AddressInfo;
  return {
    origin: `http://127.0.0.1:${port}`,
    requests,
    close: () => new Promise((done) => server.close(() => done())),
  };
}
