// Offscreen document (Chrome): hosts the engine (mouth tracking, MFCC, sync model) and
// consumes tab capture streams; created on demand by the worker, closed when idle.
import { startEngineHost } from './engine-host';

startEngineHost();
