export { bundleTestPage, PAGES_DIR } from '../../scripts/lib/bundle';
