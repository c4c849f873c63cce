import { createRequire } from 'node:module';
import type * as LanceDb from '@lancedb/lancedb';
import type * as Arrow from 'apache-arrow';

export type LanceDbModule = typeof LanceDb;
export type ArrowModule = typeof Arrow;

let modules: { lancedb: LanceDbModule; arrow: ArrowModule } | undefined;

/**
 * Loads LanceDB (a native module) on first use, so that importing this package costs nothing.
 * Arrow is required the way LanceDB requires it (CommonJS), so both use one copy of its classes.
 *
 * LanceDB's Rust logger reads `LANCEDB_LOG` once, when the native module loads, and prints
 * warnings to stderr by default; a library must not write to the terminal, so unless the
 * variable is set already (`LANCEDB_LOG=debug` to investigate), it is set to `error` here.
 */
export function loadLance(): { lancedb: LanceDbModule; arrow: ArrowModule } {
  if (!modules) {
    process.env.LANCEDB_LOG ??= 'error';
    // `indexStats` (read by `stats()`) would otherwise copy every IVF centroid of the vector
    // index, which nothing here reads; LanceDB warns about it unless this is set either way.
    process.env.LANCE_INCLUDE_VECTOR_CENTROIDS ??= 'false';
    const require = createRequire(import.meta.url);
    modules = {
      lancedb: require('@lancedb/lancedb') as LanceDbModule,
      arrow: require('apache-arrow') as ArrowModule,
    };
  }
  return modules;
}
