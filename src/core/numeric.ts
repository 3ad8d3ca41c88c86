// Small numeric steps shared by the sync search and the face-track smoothing, each
// reproducing the exact reference behaviour (torch / scipy) it is named after.

/**
 * torch.median on a 1-D tensor: the LOWER of the two middle values for an even count
 * (torch does not average). NaN-free input assumed.
 */
export function torchMedian(values: ArrayLike<number>): number {
  if (values.length === 0) throw new RangeError('median of an empty list');
  const sorted = Float64Array.from(values).sort();
  return sorted[(sorted.length - 1) >> 1];
}

/**
 * scipy.signal.medfilt for 1-D input: the median of each length-`kernelSize` window
 * centred on the sample, positions outside the input counted as 0 (scipy pads with
 * zeros, also when the kernel is longer than the input). kernelSize must be odd.
 */
export function medianFilter(values: ArrayLike<number>, kernelSize: number): Float64Array {
  if (!Number.isInteger(kernelSize) || kernelSize < 1 || kernelSize % 2 === 0) {
    throw new RangeError(`kernel size must be a positive odd integer, got ${kernelSize}`);
  }
  const half = kernelSize >> 1;
  const out = new Float64Array(values.length);
  const window = new Float64Array(kernelSize);
  for (let i = 0; i < values.length; i++) {
    for (let j = -half; j <= half; j++) {
      const src = i + j;
      window[j + half] = src >= 0 && src < values.length ? values[src] : 0;
    }
    window.sort();
    out[i] = window[half];
  }
  return out;
}
