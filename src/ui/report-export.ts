// The browser half of "Export report" (file page and popup): hashes with WebCrypto, the
// model's identity from its manifest and weights, and the download itself (a Blob and an
// <a download>). The report is src/ui/report.ts, the same function the CLI calls.
import type { WeightsBundle } from '../core/convert/weights-bundle';
import type { ModelChoice } from '../engine/types';
import { uiLanguage } from '../shared/i18n';
import { modelFromManifest, reportFileName, reportHtml, type ReportData, type ReportModel } from './report';

export async function sha256Hex(data: BufferSource | Blob): Promise<string> {
  const bytes = data instanceof Blob ? await data.arrayBuffer() : data;
  return [...new Uint8Array(await crypto.subtle.digest('SHA-256', bytes))]
    .map((b) => b.toString(16).padStart(2, '0'))
    .join('');
}

/** The model a check ran with: the embedded model's manifest and weights.bin from the extension, or the SyncNet bundle used. */
export async function describeModel(
  choice: ModelChoice,
  embeddedModelBase: string,
  bundle?: WeightsBundle,
): Promise<ReportModel> {
  if (choice !== 'embedded' && bundle)
    return modelFromManifest(
      choice,
      bundle.manifest,
      await sha256Hex(bundle.data as Uint8Array<ArrayBuffer>),
    );
  if (choice !== 'embedded') return modelFromManifest(choice, null);
  const base = embeddedModelBase.replace(/\/$/, '');
  const [manifest, weights] = await Promise.all([
    fetch(`${base}/manifest.json`).then((r) => (r.ok ? r.json() : null)),
    fetch(`${base}/weights.bin`).then((r) => (r.ok ? r.arrayBuffer() : null)),
  ]);
  return modelFromManifest(choice, manifest, weights ? await sha256Hex(weights) : null);
}

/** Saves the report as an HTML file through the browser's download (nothing leaves the computer). */
export function downloadReport(data: ReportData, lang = uiLanguage()): string {
  const name = reportFileName(data);
  const url = URL.createObjectURL(new Blob([reportHtml(data, lang)], { type: 'text/html;charset=utf-8' }));
  const link = document.createElement('a');
  link.href = url;
  link.download = name;
  link.style.display = 'none';
  document.body.append(link);
  link.click();
  link.remove();
  // Revoked later: the download reads the Blob after click() returns.
  setTimeout(() => URL.revokeObjectURL(url), 60_000);
  return name;
}
