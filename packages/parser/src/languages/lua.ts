import type { LanguageSpec } from '../extract.js';

// Stub: every line becomes a `code` chunk until the definitions are described.
export const lua: LanguageSpec = {
  language: 'lua',
  nodeTypes: [],
  decoratorTypes: new Set(),
  importTypes: new Set(),
  elision: '{ … }',
  describe: () => undefined,
  docstring: () => undefined,
};
