// Vocal tract length perturbation (VTLP; Jaitly & Hinton 2013) on MFCC rows: a training
// augmentation that makes one speaker sound like speakers with longer or shorter vocal
// tracts, so a model trained on few speakers sees more of them. VTLP warps the frequencies
// at which the mel filters sample the spectrum (f → α·f, bent back to reach Nyquist at
// Nyquist above `boundaryHz`); here the same warp is applied to the cached cepstra
// directly: liftered c1…c12 → the smooth log-mel curve they describe (inverse DCT-II,
// python_speech_features' `dct(..., norm='ortho')`), read at the warped filter centres →
// DCT-II back → liftered again. c0 (the frame's log energy, `appendEnergy`) is kept. For
// one α this is a fixed 12 × 12 matrix.
import { hzToMelPsf, lifterGains, melToHzPsf } from './mfcc';

export interface VtlpOptions {
  /** Hz (python_speech_features' 16000 for SyncNet's MFCC). */
  sampleRate: number;
  /** Mel filters (nfilt, 26). */
  filters: number;
  /** Cepstra per row (numcep, 13): c0 is kept, c1… are warped. */
  cepstra: number;
  /** ceplifter (22). */
  lifter: number;
  /** Where the warp starts bending back towards Nyquist (Hz): Jaitly & Hinton's 4800 at 16 kHz. */
  boundaryHz: number;
}

export const VTLP_SYNCNET_V2: VtlpOptions = {
  sampleRate: 16000,
  filters: 26,
  cepstra: 13,
  lifter: 22,
  boundaryHz: 4800,
};

/** VTLP's piecewise-linear warp of a frequency (Hz) by α. */
export function vtlpWarpHz(hz: number, alpha: number, options: VtlpOptions = VTLP_SYNCNET_V2): number {
  const nyquist = options.sampleRate / 2;
  const bend = (options.boundaryHz * Math.min(alpha, 1)) / alpha;
  if (hz <= bend) return alpha * hz;
  return nyquist - ((nyquist - options.boundaryHz * Math.min(alpha, 1)) / (nyquist - bend)) * (nyquist - hz);
}

/**
 * The matrix M (row-major, (cepstra − 1)²) with warped c1… = M · c1…, for one α. α = 1 gives
 * the identity; α > 1 moves spectral detail to higher filters (a shorter vocal tract).
 */
export function vtlpMatrix(alpha: number, options: VtlpOptions = VTLP_SYNCNET_V2): Float32Array {
  const { filters: n, cepstra } = options;
  const k = cepstra - 1;
  const lowMel = hzToMelPsf(0);
  const step = (hzToMelPsf(options.sampleRate / 2) - lowMel) / (n + 1);
  // Filter m (0-based) is centred on mel point m + 1; a frequency's place on that axis.
  const position = (hz: number) => (hzToMelPsf(hz) - lowMel) / step - 1;
  // Orthonormal DCT-II basis value of cepstrum q (1…) at a (fractional) filter position.
  const basis = (q: number, pos: number) =>
    Math.sqrt(2 / n) * Math.cos((Math.PI * q * (2 * pos + 1)) / (2 * n));
  const lift = lifterGains(cepstra, options.lifter);
  const warped = Array.from({ length: n }, (_, m) =>
    position(vtlpWarpHz(melToHzPsf(lowMel + (m + 1) * step), alpha, options)),
  );
  const out = new Float32Array(k * k);
  for (let i = 0; i < k; i++)
    for (let j = 0; j < k; j++) {
      let sum = 0;
      for (let m = 0; m < n; m++) sum += basis(i + 1, m) * basis(j + 1, warped[m]);
      out[i * k + j] = (lift[i + 1] * sum) / lift[j + 1];
    }
  return out;
}
