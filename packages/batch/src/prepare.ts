import { CLASS_LIKE_KINDS, type CodeEntity, type TextPreparator } from '@codesearch/core';

/** One text the model sees for an entity, and the file lines it stands for. */
export interface WindowText {
  text: string;
  startLine: number;
  endLine: number;
}

/**
 * The model inputs for an entity: the preparator's windows when it has `prepareWindows`,
 * else one window from `prepareClass` (class-like kinds) or `prepareFunction` (the rest).
 */
export function prepareWindowTexts(preparator: TextPreparator, entity: CodeEntity): WindowText[] {
  const whole = { startLine: entity.lineNumber, endLine: entity.endLine };
  const windows = preparator.prepareWindows
    ? preparator.prepareWindows(entity)
    : [
        {
          ...whole,
          ...(CLASS_LIKE_KINDS.has(entity.kind)
            ? preparator.prepareClass(entity)
            : preparator.prepareFunction(entity)),
        },
      ];
  // A third-party preparator may break the contract; catch it here rather than in the embedder.
  if (!Array.isArray(windows) || windows.length === 0) throw new Error('the preparator returned no window');
  return windows.map((window, index) => {
    const which = windows.length > 1 ? ` for window ${index + 1}` : '';
    if (typeof window?.text !== 'string') throw new Error(`the preparator returned no text${which}`);
    if (window.text.trim() === '') throw new Error(`the preparator returned an empty text${which}`);
    return {
      text: window.text,
      startLine: Number.isInteger(window.startLine) ? window.startLine : whole.startLine,
      endLine: Number.isInteger(window.endLine) ? window.endLine : whole.endLine,
    };
  });
}

/** The message of anything thrown, without assuming it is an `Error`. */
export function messageOf(error: unknown): string {
  if (error instanceof Error) return error.message;
  if (typeof error === 'object' && error !== null && typeof (error as Error).message === 'string') {
    return (error as Error).message;
  }
  return String(error);
}
