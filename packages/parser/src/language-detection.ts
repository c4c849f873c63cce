import type { Language } from '@codesearch/core';

export const SUPPORTED_LANGUAGES: readonly Language[] = [
  'python',
  'typescript',
  'tsx',
  'javascript',
  'go',
  'rust',
  'java',
];

const LANGUAGE_BY_EXTENSION: Readonly<Record<string, Language>> = {
  '.py': 'python',
  '.pyi': 'python',
  '.ts': 'typescript',
  '.mts': 'typescript',
  '.cts': 'typescript',
  '.tsx': 'tsx',
  '.js': 'javascript',
  '.mjs': 'javascript',
  '.cjs': 'javascript',
  '.jsx': 'javascript',
  '.go': 'go',
  '.rs': 'rust',
  '.java': 'java',
};

/** The language of a file by its name, or undefined when no grammar handles it. */
export function detectLanguage(filePath: string): Language | undefined {
  const dot = filePath.lastIndexOf('.');
  if (dot < 0 || dot < filePath.lastIndexOf('/')) return undefined;
  return LANGUAGE_BY_EXTENSION[filePath.slice(dot).toLowerCase()];
}

/** Accepts `ts`, `py`, `js` and friends as well as the canonical names. */
export function normaliseLanguage(name: string): Language | undefined {
  const lowered = name.trim().toLowerCase();
  const aliases: Record<string, Language> = {
    py: 'python',
    ts: 'typescript',
    js: 'javascript',
    jsx: 'javascript',
    golang: 'go',
    rs: 'rust',
  };
  const candidate = aliases[lowered] ?? lowered;
  return (SUPPORTED_LANGUAGES as readonly string[]).includes(candidate) ? (candidate as Language) : undefined;
}
