import type { TreeChanges } from '@codesearch/batch';
import type { StoredManifest } from '@codesearch/store';
import { describe, expect, it } from 'vitest';
import { indexHint } from '../src/index-location.js';
import { describeStaleness, staleness } from '../src/status-command.js';

describe('indexHint', () => {
  it('names the root, and the index only when one was given, quoting what the shell would split', () => {
    expect(indexHint('.', undefined)).toBe('codesearch index .');
    expect(indexHint('src', '/tmp/idx')).toBe('codesearch index src --index /tmp/idx');
    expect(indexHint("my repo's", undefined)).toBe(`codesearch index 'my repo'\\''s'`);
  });

  it('repeats the walk flags the index was built with, so following it keeps the same files', () => {
    expect(
      indexHint('.', undefined, {
        languages: ['python', 'go'],
        exclude: ['tests/', '*.gen.go'],
        include: ['src/**'],
        maxFileSize: 5 * 1024 * 1024,
        gitignore: false,
        defaultExcludes: false,
        followSymlinks: true,
      }),
    ).toBe(
      "codesearch index . --lang python,go --include 'src/**' --exclude tests/ --exclude '*.gen.go' --max-file-size 5m --no-gitignore --no-default-excludes --follow-symlinks",
    );
    expect(indexHint('.', undefined, { maxFileSize: 1500 })).toBe('codesearch index . --max-file-size 1500');
  });
});

describe('staleness', () => {
  const manifest = (consistent: boolean): StoredManifest => ({
    root: '/repo',
    walk: { languages: ['python'], maxFileSize: 5 * 1024 * 1024 },
    files: [],
    tableVersion: 3,
    writtenAt: '2026-01-01T00:00:00.000Z',
    consistent,
  });
  const none: TreeChanges = { added: [], changed: [], deleted: [], renamed: [], touched: 2, unchanged: 5 };

  it('is up to date when no file was added, changed, deleted or renamed (a touch is not a change)', () => {
    const state = staleness(manifest(true), none);
    expect(state).toMatchObject({
      stale: false,
      method: 'manifest',
      walkFlags: ['--lang', 'python', '--max-file-size', '5m'],
    });
    expect(describeStaleness(state, 'codesearch index .')).toBe('up to date (every file as indexed)');
  });

  it('is stale when files moved, and says what changed and how to refresh', () => {
    const state = staleness(manifest(true), {
      ...none,
      renamed: [{ from: 'a.py', to: 'b.py' }],
      added: ['c.py'],
    });
    expect(state.stale).toBe(true);
    expect(describeStaleness(state, 'codesearch index . --lang python')).toBe(
      'stale: 1 added, 1 renamed; run `codesearch index . --lang python`',
    );
  });

  it('is stale when the index was written after its manifest (an interrupted run)', () => {
    const state = staleness(manifest(false), none);
    expect(state.stale).toBe(true);
    expect(describeStaleness(state, 'codesearch index .')).toBe(
      'stale: the last index run did not finish; run `codesearch index .`',
    );
  });

  it('cannot judge an index without a manifest, and says so', () => {
    const state = staleness(undefined, undefined);
    expect(state).toMatchObject({ stale: true, method: 'none' });
    expect(describeStaleness(state, 'codesearch index .')).toMatch(
      /^unknown: the index has no file manifest/,
    );
  });
});
