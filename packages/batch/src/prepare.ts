import type { CodeEntity, TextPreparator } from '@codesearch/core';

/** The model input for an entity: `prepareClass` for classes, `prepareFunction` for functions and methods. */
export function prepareText(preparator: TextPreparator, entity: CodeEntity): string {
  const prepared =
    entity.kind === 'class' ? preparator.prepareClass(entity) : preparator.prepareFunction(entity);
  // A third-party preparator may break the contract; catch it here rather than in the embedder.
  if (typeof prepared?.text !== 'string') throw new Error('the preparator returned no text');
  if (prepared.text.trim() === '') throw new Error('the preparator returned an empty text');
  return prepared.text;
}

/** The message of anything thrown, without assuming it is an `Error`. */
export function messageOf(error: unknown): string {
  if (error instanceof Error) return error.message;
  if (typeof error === 'object' && error !== null && typeof (error as Error).message === 'string') {
    return (error as Error).message;
  }
  return String(error);
}
