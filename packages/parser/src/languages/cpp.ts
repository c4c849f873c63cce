import type { LanguageSpec } from '../extract.js';
import { cFamilySpec } from './c-family.js';

export const cpp: LanguageSpec = cFamilySpec('cpp');
