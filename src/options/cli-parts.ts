// What the check CLI and the file page's automation agree on for a streamed transcode
// (scripts/lib/streamed-transcode.ts): the hidden inputs each part is put in, and what the
// CLI says about it. No imports: node reads this file too.

/** The file inputs the CLI puts each streamed part in (created by installAutomation). */
export const PART_INPUTS = { video: 'lipsync-part-video', audio: 'lipsync-part-audio' } as const;

export interface StreamedPart {
  /** Media time (s) of the part's first frame in the whole file. */
  start: number;
  /** Media time (s) of the part's first sample in the whole file. */
  audioStart: number;
  /** Whether the audio part input holds the part's sound. */
  hasAudio: boolean;
}

/** Set on the page by the CLI before it clicks Check: the check reads parts, not the chosen file. */
export interface StreamingRequest {
  /** The original file's name, for messages. */
  name: string;
  totalDuration: number;
}
