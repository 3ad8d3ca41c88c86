// The options page as a user drives it to choose a model: SyncNet v2 weights (a random-init
// checkpoint from Debian's python3-torch, scripts/golden) imported first when it is chosen.
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import type { ModelChoice } from '../../src/engine/types';
import { ensureGenerated } from './generated';

/** On an open options page: imports the weights `model` needs, chooses it, and waits until the settings hold it. */
export async function chooseModel(options: Page, model: ModelChoice): Promise<void> {
  if (model === 'syncnet-v2') {
    const checkpoint = join(
      ensureGenerated('scripts/golden/make_syncnet_v2_checkpoint.py', 'syncnet-v2'),
      'syncnet_v2_zip.model',
    );
    await options.setInputFiles('#weights-file', checkpoint);
    await options.waitForSelector('#message:has-text("Imported syncnet_v2_zip.model as SyncNet v2")', {
      timeout: 120_000,
    });
  }
  await options.check(`input[name="model"][value="${model}"]`);
  await options.waitForFunction(
    async (m) => (await chrome.storage.local.get('settings')).settings?.model === m,
    model,
  );
}
