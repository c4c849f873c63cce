export {
  createTextPreparator,
  DEFAULT_MAX_CHARS,
  DefaultTextPreparator,
  MAX_WINDOWS,
  TEXT_FORMAT,
  type TextPrepOptions,
} from './prepare.js';
