import type { Language } from '@codesearch/core';
import type { LanguageSpec } from '../extract.js';
import { go } from './go.js';
import { java } from './java.js';
import { javascript, tsx, typescript } from './javascript.js';
import { python } from './python.js';
import { rust } from './rust.js';

export const LANGUAGE_SPECS: Readonly<Record<Language, LanguageSpec>> = {
  python,
  typescript,
  tsx,
  javascript,
  go,
  rust,
  java,
};
