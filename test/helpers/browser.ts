// Real-browser test helpers: the same Chromium launchers the CLI uses.
export {
  CHROMIUM,
  CHROMIUM_FLAGS,
  launchWithExtension,
  launchBrowser,
  type ExtensionBrowser,
} from '../../scripts/lib/chromium';
