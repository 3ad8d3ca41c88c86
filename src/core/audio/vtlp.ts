// Vocal tract length perturbation (VTLP; Jaitly & Hinton 2013) on MFCC rows: a training
// augmentation that makes one speaker sound like speakers with longer or shorter vocal
// tracts, so a model trained on few speakers sees more of them. VTLP warps the frequencies
// at which the mel filters sample the spectrum (f → α·f, bent back to reach Nyquist at
// Nyquist above BOUNDARY_HZ); here the same warp is applied to the cached cepstra
// directly: liftered c1…c12 → the smooth log-mel curve they describe (inverse DCT-II,
// python_speech_features' `dct(..., norm='ortho')`), read at the warped filter centres →
// DCT-II back → liftered again. c0 (the frame's log energy, `appendEnergy`) is kept. For
// one α this is a fixed 12 × 12 matrix.
import { orthonormalDctBasis } from './dsp';
import { hzToMelPsf, lifterGains, melToHzPsf, PSF_DEFAULTS } from './mfcc';

/** Where the warp starts bending back towards Nyquist (Hz): Jaitly & Hinton's 4800 at 16 kHz. */
const BOUNDARY_HZ = 4800;
const NYQUIST = PSF_DEFAULTS.sampleRate / 2;

/** VTLP's piecewise-linear warp of a frequency (Hz) by α; Nyquist stays where it is. */
export function vtlpWarpHz(hz: number, alpha: number): number {
  const bend = (BOUNDARY_HZ * Math.min(alpha, 1)) / alpha;
  if (hz <= bend) return alpha * hz;
  return NYQUIST - ((NYQUIST - BOUNDARY_HZ * Math.min(alpha, 1)) / (NYQUIST - bend)) * (NYQUIST - hz);
}

/**
 * The matrix M (row-major, 12 × 12) with warped c1…c12 = M · c1…c12 of mfccSyncnetV2's rows,
 * for one α. α = 1 gives the identity; α > 1 moves spectral detail to higher filters (a
 * shorter vocal tract).
 */
export function vtlpMatrix(alpha: number): Float32Array {
  const { nFilt: n, numCep, cepLifter } = PSF_DEFAULTS;
  const k = numCep - 1;
  // Filter m (0-based) is centred on mel point m + 1 of nFilt + 2 from 0 Hz to Nyquist.
  const step = hzToMelPsf(NYQUIST) / (n + 1);
  const warped = Array.from(
    { length: n },
    (_, m) => hzToMelPsf(vtlpWarpHz(melToHzPsf((m + 1) * step), alpha)) / step - 1,
  );
  const lift = lifterGains(numCep, cepLifter);
  const out = new Float32Array(k * k);
  for (let i = 1; i <= k; i++)
    for (let j = 1; j <= k; j++) {
      let sum = 0;
      for (let m = 0; m < n; m++) sum += orthonormalDctBasis(i, m, n) * orthonormalDctBasis(j, warped[m], n);
      out[(i - 1) * k + j - 1] = (lift[i] * sum) / lift[j];
    }
  return out;
}
