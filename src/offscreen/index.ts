// Offscreen document: hosts the engine (mouth tracking, MFCC, sync model).
import { listen } from '../shared/protocol';

listen({
  'bg→offscreen:ping': () => ({ ready: true }),
});
