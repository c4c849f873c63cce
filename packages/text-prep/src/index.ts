export {
  createTextPreparator,
  DEFAULT_MAX_CHARS,
  DefaultTextPreparator,
  TEXT_FORMAT,
  type TextPrepOptions,
} from './prepare.js';
