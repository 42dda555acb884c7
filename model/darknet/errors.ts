/**
 * Errors from reading Darknet files. Each carries a stable code so the CLI
 * can map it to an exit status, and a message that names the file position
 * (or the byte counts) a user needs to fix the input.
 */
export type DarknetErrorCode =
  /** the cfg text is malformed (bad syntax, bad value, impossible shape) */
  | 'CFG_INVALID'
  /** the cfg is well-formed but uses a layer or option the converter does not implement */
  | 'CFG_UNSUPPORTED'
  /** the weights file is too short for its header or does not match the cfg */
  | 'WEIGHTS_MISMATCH'
  /** the class names do not match the cfg */
  | 'LABELS_MISMATCH';

export class DarknetError extends Error {
  override readonly name = 'DarknetError';

  constructor(
    readonly code: DarknetErrorCode,
    message: string,
    /** 1-based cfg line the error points at, when there is one */
    readonly line?: number,
  ) {
    super(message);
  }
}
