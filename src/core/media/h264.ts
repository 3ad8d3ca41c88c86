// What an H.264 stream says about its colours (ITU-T H.264 7.3.2.1.1 seq_parameter_set_data
// and E.1.1 vui_parameters): read from the first SPS of an avcC record (ISO/IEC 14496-15
// 5.3.3.1). A decoder needs a colour space to turn YUV into RGB; when the stream gives
// none, players guess, and WebCodecs and <video> guess differently in Chromium (BT.709 and
// BT.601), so src/engine/webcodecs-source.ts must know whether the stream said.

export interface H264Colour {
  /** colour_description_present_flag: primaries, transfer and matrix are given. */
  described: boolean;
  /** video_full_range_flag (false when the VUI does not say). */
  fullRange: boolean;
}

/** Bit reader over an RBSP (emulation-prevention bytes already removed). */
class Bits {
  private at = 0;
  constructor(private readonly bytes: Uint8Array) {}
  bit(): number {
    if (this.at >= this.bytes.length * 8) throw new RangeError('SPS ends early');
    const value = (this.bytes[this.at >> 3] >> (7 - (this.at & 7))) & 1;
    this.at++;
    return value;
  }
  bits(n: number): number {
    let value = 0;
    for (let i = 0; i < n; i++) value = value * 2 + this.bit();
    return value;
  }
  /** ue(v), Exp-Golomb (9.1). */
  ue(): number {
    let zeros = 0;
    while (this.bit() === 0) if (++zeros > 31) throw new RangeError('bad Exp-Golomb code');
    return 2 ** zeros - 1 + this.bits(zeros);
  }
  se(): number {
    const k = this.ue();
    return k % 2 === 1 ? (k + 1) / 2 : -k / 2;
  }
}

/** NAL payload without emulation_prevention_three_byte (7.4.1: 0x000003 → 0x0000). */
function rbsp(nal: Uint8Array): Uint8Array {
  const out: number[] = [];
  for (let i = 0; i < nal.length; i++) {
    if (
      i >= 2 &&
      nal[i] === 3 &&
      nal[i - 1] === 0 &&
      nal[i - 2] === 0 &&
      out.length >= 2 &&
      out[out.length - 1] === 0 &&
      out[out.length - 2] === 0
    )
      continue;
    out.push(nal[i]);
  }
  return Uint8Array.from(out);
}

/** scaling_list() (7.3.2.1.1.1): only read past. */
function skipScalingList(bits: Bits, size: number) {
  let last = 8;
  let next = 8;
  for (let j = 0; j < size; j++) {
    if (next !== 0) next = (last + bits.se() + 256) % 256;
    last = next === 0 ? last : next;
  }
}

const HIGH_PROFILES = new Set([100, 110, 122, 244, 44, 83, 86, 118, 128, 138, 139, 134, 135]);

/** The colour signalling of an SPS NAL unit (with its one-byte NAL header). */
export function spsColour(nal: Uint8Array): H264Colour {
  const bits = new Bits(rbsp(nal.subarray(1)));
  const profile = bits.bits(8);
  bits.bits(16); // constraint flags, level_idc
  bits.ue(); // seq_parameter_set_id
  if (HIGH_PROFILES.has(profile)) {
    const chromaFormat = bits.ue();
    if (chromaFormat === 3) bits.bit(); // separate_colour_plane_flag
    bits.ue(); // bit_depth_luma_minus8
    bits.ue(); // bit_depth_chroma_minus8
    bits.bit(); // qpprime_y_zero_transform_bypass_flag
    if (bits.bit()) {
      // seq_scaling_matrix_present_flag
      for (let i = 0; i < (chromaFormat !== 3 ? 8 : 12); i++)
        if (bits.bit()) skipScalingList(bits, i < 6 ? 16 : 64);
    }
  }
  bits.ue(); // log2_max_frame_num_minus4
  const pocType = bits.ue();
  if (pocType === 0) bits.ue();
  else if (pocType === 1) {
    bits.bit();
    bits.se();
    bits.se();
    const cycle = bits.ue();
    for (let i = 0; i < cycle; i++) bits.se();
  }
  bits.ue(); // max_num_ref_frames
  bits.bit(); // gaps_in_frame_num_value_allowed_flag
  bits.ue(); // pic_width_in_mbs_minus1
  bits.ue(); // pic_height_in_map_units_minus1
  if (!bits.bit()) bits.bit(); // frame_mbs_only_flag, mb_adaptive_frame_field_flag
  bits.bit(); // direct_8x8_inference_flag
  if (bits.bit()) for (let i = 0; i < 4; i++) bits.ue(); // frame cropping offsets
  const none = { described: false, fullRange: false };
  if (!bits.bit()) return none; // vui_parameters_present_flag
  if (bits.bit()) {
    // aspect_ratio_info_present_flag
    if (bits.bits(8) === 255) bits.bits(32); // Extended_SAR: sar_width, sar_height
  }
  if (bits.bit()) bits.bit(); // overscan_info_present_flag, overscan_appropriate_flag
  if (!bits.bit()) return none; // video_signal_type_present_flag
  bits.bits(3); // video_format
  const fullRange = bits.bit() === 1;
  return { described: bits.bit() === 1, fullRange };
}

/** The first SPS of an AVCDecoderConfigurationRecord (ISO/IEC 14496-15 5.3.3.1.2). */
export function avcConfigColour(avcC: Uint8Array): H264Colour {
  const count = avcC[5] & 0x1f;
  if (count === 0) throw new RangeError('avcC has no SPS');
  const length = (avcC[6] << 8) | avcC[7];
  return spsColour(avcC.subarray(8, 8 + length));
}
