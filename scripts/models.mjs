// `npm run models`: fetches the MediaPipe Face Landmarker model into models/ and checks
// its sha256. Order: keep a file that already verifies; else download from the official
// MediaPipe URL; where there is no network, copy from a local mirror folder
// (LIPSYNC_MODELS_MIRROR, default ../shared/models when it exists) — that is how CI gets
// it. The file is gitignored and never committed. LIPSYNC_MODELS_DIR overrides the target
// folder (tests).
import { createHash } from 'node:crypto';
import { copyFileSync, existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');

export const MODELS = [
  {
    file: 'face_landmarker.task',
    url: 'https://storage.googleapis.com/mediapipe-models/face_landmarker/face_landmarker/float16/1/face_landmarker.task',
    sha256: '64184e229b263107bc2b804c6625db1341ff2bb731874b0bcc2fe6544e0bc9ff',
  },
];

const sha256 = (bytes) => createHash('sha256').update(bytes).digest('hex');

async function download(url, timeoutMs) {
  const response = await fetch(url, { signal: AbortSignal.timeout(timeoutMs) });
  if (!response.ok) throw new Error(`${url}: HTTP ${response.status}`);
  return Buffer.from(await response.arrayBuffer());
}

function mirrorFolder() {
  if (process.env.LIPSYNC_MODELS_MIRROR) return resolve(process.env.LIPSYNC_MODELS_MIRROR);
  const shared = resolve(root, '..', 'shared', 'models');
  return existsSync(shared) ? shared : null;
}

async function ensureModel({ file, url, sha256: expected }) {
  const target = join(
    process.env.LIPSYNC_MODELS_DIR ? resolve(process.env.LIPSYNC_MODELS_DIR) : join(root, 'models'),
    file,
  );
  mkdirSync(dirname(target), { recursive: true });
  if (existsSync(target) && sha256(readFileSync(target)) === expected) {
    console.log(`models: ${file} present and verified`);
    return;
  }
  const failures = [];
  try {
    const bytes = await download(url, Number(process.env.LIPSYNC_DOWNLOAD_TIMEOUT_MS ?? 20000));
    const got = sha256(bytes);
    if (got !== expected) throw new Error(`${url}: sha256 ${got} does not match ${expected}`);
    writeFileSync(`${target}.part`, bytes);
    renameSync(`${target}.part`, target);
    console.log(`models: downloaded ${file} from ${url} (sha256 verified)`);
    return;
  } catch (error) {
    failures.push(`download failed: ${error.cause?.code ?? error.message}`);
  }
  const mirror = mirrorFolder();
  if (mirror && existsSync(join(mirror, file))) {
    const got = sha256(readFileSync(join(mirror, file)));
    if (got === expected) {
      copyFileSync(join(mirror, file), target);
      console.log(`models: copied ${file} from mirror ${mirror} (sha256 verified)`);
      return;
    }
    failures.push(`mirror ${join(mirror, file)} has sha256 ${got}, expected ${expected}`);
  } else {
    failures.push(
      mirror ? `mirror ${mirror} has no ${file}` : 'no mirror folder (set LIPSYNC_MODELS_MIRROR)',
    );
  }
  throw new Error(`models: could not get ${file}: ${failures.join('; ')}`);
}

try {
  for (const model of MODELS) await ensureModel(model);
} catch (error) {
  console.error(error.message);
  process.exit(1);
}
