// npm run convert -- <checkpoint> <outdir>
// Converts an official SyncNet checkpoint — syncnet_v2.model (torch.save, legacy or zip)
// or lipsync_v4_73.mat (MATLAB v7.3) — into <outdir>/manifest.json + weights.bin, the
// bundle the extension and `npm run check -- --weights <outdir>` load. TypeScript only:
// no Python at run time.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { convertCheckpoint, encodeWeights } from '../src/core';

function main(args: string[]): void {
  const [checkpoint, outDir] = args;
  if (!checkpoint || !outDir || args.length !== 2) {
    throw new Error('usage: npm run convert -- <syncnet_v2.model | lipsync_v4_73.mat> <outdir>');
  }
  let bytes: Uint8Array;
  try {
    bytes = new Uint8Array(readFileSync(checkpoint));
  } catch (error) {
    throw new Error(
      `cannot read ${checkpoint}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`,
    );
  }
  const fileName = basename(checkpoint);
  const { model, weights } = convertCheckpoint(bytes, fileName);
  const bundle = encodeWeights(model, fileName, weights);
  mkdirSync(outDir, { recursive: true });
  writeFileSync(join(outDir, 'weights.bin'), bundle.data);
  writeFileSync(join(outDir, 'manifest.json'), JSON.stringify(bundle.manifest, null, 1) + '\n');
  const values = bundle.data.byteLength / 4;
  console.log(
    `${fileName} → ${outDir}: ${model}, ${bundle.manifest.weights.length} tensors, ${values.toLocaleString('en')} values`,
  );
}

try {
  main(process.argv.slice(2));
} catch (error) {
  // One line, no stack trace: every converter error already names the file and the problem.
  console.error(`convert: ${(error as Error).message}`);
  process.exit(1);
}
