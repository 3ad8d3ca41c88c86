// Parity between a TF.js result and a reference tensor: the max elementwise absolute
// error and that error relative to the reference's largest magnitude.
import assert from 'node:assert/strict';

export interface Parity {
  maxAbs: number;
  relative: number;
}

/** `minReference` guards against a comparison with (near-)zero output, which could not fail. */
export function parity(got: ArrayLike<number>, want: ArrayLike<number>, minReference = 0): Parity {
  assert.equal(got.length, want.length, 'tensor sizes differ');
  let maxAbs = 0;
  let maxRef = 0;
  for (let i = 0; i < want.length; i++) {
    maxAbs = Math.max(maxAbs, Math.abs(got[i] - want[i]));
    maxRef = Math.max(maxRef, Math.abs(want[i]));
  }
  assert.ok(
    maxRef > minReference,
    `reference is ~0 (max |ref| = ${maxRef}): a comparison with it could not fail`,
  );
  return { maxAbs, relative: maxAbs / maxRef };
}
