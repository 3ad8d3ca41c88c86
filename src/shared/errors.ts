// Errors that travel between contexts by name (the protocol's error envelope keeps `name`),
// so a caller can tell them apart from failures.

/** The video's pixels and sound cannot be read by this browser's extension APIs (Firefox: cross-origin without CORS, no tab capture). */
export class VideoUnreadableError extends Error {
  static readonly errorName = 'VideoUnreadable';
  constructor(message: string) {
    super(message);
    this.name = VideoUnreadableError.errorName;
  }
}

export const isVideoUnreadable = (error: unknown): boolean => error instanceof Error && error.name === VideoUnreadableError.errorName;
