export { detectFileLanguage } from './detect-file.js';
export {
  DEFAULT_EXCLUDED_DIRECTORIES,
  DEFAULT_EXCLUDED_FILES,
  DEFAULT_MAX_FILE_SIZE,
} from './file-policy.js';
export { detectLanguage, normaliseLanguage, SUPPORTED_LANGUAGES } from './language-detection.js';
export {
  addParseEvent,
  type DirectoryParseEvent,
  type DirectoryParseResult,
  type DirectoryParseStats,
  type LanguageStats,
  type ParseDirectoryOptions,
  parseDirectory,
  parseDirectoryStream,
} from './parse-directory.js';
export { type ParseFileOptions, parseFile, SKIP_CODES } from './parse-file.js';
export { type FileFingerprint, type ParsedFile, parseSource } from './parse-source.js';
export {
  pathFilter,
  pathMatcher,
  type SkippedPath,
  type SourceFile,
  type WalkEntry,
  type WalkOptions,
  walkSourceFiles,
} from './walk.js';
