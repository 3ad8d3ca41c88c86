export {
  serveStatic,
  SHARED_DIR,
  CLIPS_DIR,
  type StaticServer,
  type ServeOptions,
} from '../../scripts/lib/server';
