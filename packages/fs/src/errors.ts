/**
 * A file operation that failed, with the errno `code` of its cause (`ENOENT`, `EACCES`,
 * `ENOSPC`, …) and the `path` it was about. Packages wrap it in their own stage's error; its
 * message already names the path and the cause.
 */
export class FileOperationError extends Error {
  readonly code: string;
  readonly path: string;

  constructor(message: string, options: { code: string; path: string; cause?: unknown }) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'FileOperationError';
    this.code = options.code;
    this.path = options.path;
  }
}
