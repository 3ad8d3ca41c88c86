// Weights chosen in the file page's input: a converted manifest.json + weights.bin pair, or
// one official checkpoint converted here (src/core/convert).
import { convertCheckpoint } from '../core/convert';
import { encodeWeights, parseManifest, type WeightsBundle } from '../core/convert/weights-bundle';
import { UserFacingError } from '../shared/errors';
import { t } from '../shared/i18n';

/** Weights from the file input: one official checkpoint, or a converted manifest.json + weights.bin. */
export async function readWeights(files: File[]): Promise<WeightsBundle> {
  const manifestFile = files.find((f) => f.name.endsWith('.json'));
  const dataFile = files.find((f) => f.name.endsWith('.bin'));
  if (manifestFile && dataFile) {
    return {
      manifest: parseManifest(JSON.parse(await manifestFile.text()), manifestFile.name),
      data: new Uint8Array(await dataFile.arrayBuffer()),
    };
  }
  if (files.length !== 1) throw new UserFacingError(t('error_choose_weights'));
  const [file] = files;
  const { model, weights } = convertCheckpoint(new Uint8Array(await file.arrayBuffer()), file.name);
  return encodeWeights(model, file.name, weights);
}
