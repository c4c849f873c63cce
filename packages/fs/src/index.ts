export {
  type AtomicWriteSink,
  descriptorAlias,
  fsyncDirectory,
  removeOrphanTemps,
  tempPrefix,
  writeFileAtomic,
  writeFileSafely,
} from './atomic-write.js';
export { ensureDirectory } from './ensure-directory.js';
export { FileOperationError } from './errors.js';
export {
  DEFAULT_LOCK_STALE_MS,
  DEFAULT_LOCK_WAIT_MS,
  type FileLockOptions,
  type LockHolder,
  readLockHolder,
  withFileLock,
} from './file-lock.js';
