import type { LanguageSpec } from '../extract.js';
import { cFamilySpec } from './c-family.js';

export const c: LanguageSpec = cFamilySpec('c');
