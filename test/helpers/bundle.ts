export { bundleTestPage, PAGES_DIR, LANDMARKER_WORKER_URL } from '../../scripts/lib/bundle';
