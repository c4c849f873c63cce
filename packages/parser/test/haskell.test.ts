import { readFileSync } from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { type DirectoryParseResult, parseDirectory, parseSource } from '../src/index.js';
import { uncoveredLines } from './coverage-lines.js';
import { codeChunks, entity, fixtureRoot, outline, parseBesideOversized, parseFixture } from './helpers.js';
import { fetchRealCode } from './real-code.mjs';

const STACK = 'src/Data/Stack.hs';
let result: DirectoryParseResult;
beforeAll(async () => {
  result = await parseFixture('haskell');
});

describe('haskell fixture', () => {
  it('parses every file without errors or warnings', () => {
    expect(result.errors).toEqual([]);
    expect(result.skipped).toEqual([]);
    expect(result.files.map((file) => [file.filePath, file.language, file.warnings])).toEqual([
      [STACK, 'haskell', []],
    ]);
  });

  it('makes one function of a signature and its equations; data, newtype, type, class and instance methods', () => {
    expect(outline(result.entities, STACK)).toEqual([
      'enum Stack 15-18',
      'struct Labelled 21-21',
      'type Size 24-24',
      'function empty 27-28',
      'function push 33-35', // its `{-# INLINE push #-}` after it included
      'function size 37-39',
      'function pop 42-47',
      'function <+> 52-54',
      'trait Container 57-62',
      'method Container.insert 59-59',
      'method Container.toList 61-62',
      // `instance Container Stack`: methods of the type, as a Rust impl's.
      'method Stack.insert 65-65',
      'method Stack.toList 66-67',
      'method Stack.<> 70-70',
      'function main 72-72',
    ]);
  });

  it('reads Haddock `-- |` and `{- | -}` comments directly above (pragmas stepped over)', () => {
    const { entities } = result;
    expect(entity(entities, 'Stack').docstring).toBe('A stack of elements.');
    expect(entity(entities, 'Labelled').docstring).toBe('A stack paired with a label.');
    expect(entity(entities, 'Size').docstring).toBe('Sizes are counts of elements.');
    expect(entity(entities, 'empty').docstring).toBe('The empty stack.');
    expect(entity(entities, 'push').docstring).toBe(
      'Pushes an element.\n\nThe size is kept in the new cell.',
    );
    expect(entity(entities, 'size').docstring).toBeUndefined();
    expect(entity(entities, 'pop').docstring).toBeUndefined(); // a plain `--` comment
    expect(entity(entities, '<+>').docstring).toBe('Appends two stacks.');
    expect(entity(entities, 'Container').docstring).toBe('Things that hold elements.');
    expect(entity(entities, 'Container.insert').docstring).toBe('Inserts an element.');
    expect(entity(entities, 'Container.toList').docstring).toBe('Lists the elements.');
    expect(entity(entities, 'Stack.insert').docstring).toBeUndefined();
  });

  it('builds signatures from the type signature, else the first equation up to `=`', () => {
    const { entities } = result;
    expect(entity(entities, 'Stack').signature).toBe('data Stack a');
    expect(entity(entities, 'Labelled').signature).toBe('newtype Labelled a');
    expect(entity(entities, 'Size').signature).toBe('type Size = Int');
    expect(entity(entities, 'push').signature).toBe('push :: a -> Stack a -> Stack a');
    expect(entity(entities, 'size').signature).toBe('size :: Stack a -> Size');
    expect(entity(entities, 'pop').signature).toBe('pop :: Stack a -> Maybe (a, Stack a)');
    expect(entity(entities, '<+>').signature).toBe('(<+>) :: Stack a -> Stack a -> Stack a');
    expect(entity(entities, 'Container').signature).toBe('class Container f');
    expect(entity(entities, 'Container.insert').signature).toBe('insert :: a -> f a -> f a');
    expect(entity(entities, 'Stack.toList').signature).toBe('toList Empty');
    expect(entity(entities, 'Stack.<>').signature).toBe('(<>)');
    expect(entity(entities, 'main').signature).toBe('main');
    // Pragmas are not decorators: `{-# INLINE push #-}` after `push` is directly above `size`.
    expect(entity(entities, 'size').decorators).toBeUndefined();
    expect(entity(entities, 'push').sourceCode.split('\n').at(-1)).toBe('{-# INLINE push #-}');
    expect(entity(entities, 'Stack.toList').parent).toBe('Stack');
    expect(entity(entities, 'Container.insert').parent).toBe('Container');
    expect(entity(entities, 'pop').sourceCode.split('\n')).toHaveLength(6);
  });

  it('outlines a class with its signatures, the default equations elided', () => {
    expect(entity(result.entities, 'Container').outline).toBe(
      [
        '-- | Things that hold elements.',
        'class Container f where',
        '  -- | Inserts an element.',
        '  insert :: a -> f a -> f a',
        '  -- | Lists the elements.',
        '  toList :: f a -> [a]',
        '  …',
      ].join('\n'),
    );
  });

  it('elides every equation of a function in outlines, not only the first', () => {
    const chunk = result.entities.find((e) => e.kind === 'code' && e.lineNumber === 64)!;
    expect(chunk.outline).toBe(
      [
        'instance Container Stack where',
        '  insert …',
        '  toList Empty …', // an equation's head up to `=`, as its signature
        '',
        'instance Semigroup (Stack a) where',
      ].join('\n'),
    );
  });

  it('puts the header, imports, fixity declarations and instance heads in code chunks, leaving no line uncovered', () => {
    const { entities } = result;
    // The grammar puts the Haddock comment above the first declaration (line 14) in the imports.
    expect(codeChunks(entities, STACK)).toEqual(['imports 1-14', '<top-level> 49-49', 'Stack 64-69']);
    const source = readFileSync(path.join(fixtureRoot('haskell'), STACK), 'utf8');
    expect(uncoveredLines(source, entities)).toEqual([]);
  });
});

describe('haskell bad input', () => {
  it('finds the functions before and after a syntax error, and names its line', () => {
    const source = [
      'module Broken where',
      '',
      'before :: Int',
      'before = 1',
      '',
      'broken x = case x of',
      '  1 -> = 2',
      '',
      '-- | Still documented.',
      'after :: Int -> Int',
      'after y = y',
      '',
    ].join('\n');
    const parsed = parseSource(source, 'haskell', 'Broken.hs');
    const byName = new Map(parsed.entities.map((e) => [e.name, e]));
    expect(byName.get('before')).toMatchObject({ kind: 'function', lineNumber: 3, endLine: 4 });
    expect(byName.get('after')).toMatchObject({
      kind: 'function',
      lineNumber: 10,
      endLine: 11,
      docstring: 'Still documented.',
    });
    expect(parsed.warnings).toHaveLength(1);
    expect(parsed.warnings[0]).toMatch(/^syntax errors near lines? [67]\b/);
    expect(uncoveredLines(source, parsed.entities)).toEqual([]);
  });

  it('keeps a function whose equations are split by CPP conditionals in one unit', () => {
    const source = [
      'module Cpp where',
      '',
      'f :: Int',
      '#if MIN_VERSION_base(4,9,0)',
      'f = 1',
      '#else',
      'f = 2',
      '#endif',
      '{-# INLINE f #-}',
      '',
      'g :: Int',
      'g = 3',
      '',
    ].join('\n');
    const parsed = parseSource(source, 'haskell', 'Cpp.hs');
    // The grammar reads `#else` and the branch after it as one `cpp` node.
    expect(parsed.entities.map((e) => `${e.kind} ${e.name} ${e.lineNumber}-${e.endLine}`)).toEqual([
      'code imports 1-1',
      'function f 3-9',
      'function g 11-12',
    ]);
    expect(parsed.entities[1]!.signature).toBe('f :: Int');

    // A Haddock comment above an `#if` choosing between two signatures documents the function.
    const chosen = [
      'module W where',
      '-- | Obtain.',
      '#if X',
      'w :: Int',
      '#else',
      'w :: Integer',
      '#endif',
      'w = 1',
      '',
    ].join('\n');
    const parsedChosen = parseSource(chosen, 'haskell', 'W.hs');
    // Before the first declaration, the grammar leaves the comment and `#if` outside the declarations.
    expect(parsedChosen.entities.map((e) => `${e.kind} ${e.name} ${e.lineNumber}-${e.endLine}`)).toEqual([
      'code imports 1-3',
      'function w 4-8',
    ]);
    expect(parsedChosen.entities[1]).toMatchObject({ docstring: 'Obtain.', signature: 'w :: Int' });
    expect(uncoveredLines(chosen, parsedChosen.entities)).toEqual([]);
    expect(uncoveredLines(source, parsed.entities)).toEqual([]);
  });

  it('names the code between definitions after its first variable (a Template Haskell splice)', () => {
    const source = [
      'module Lenses where',
      '',
      'data Config = Config { _port :: Int }',
      '',
      "makeLenses ''Config",
      '',
    ].join('\n');
    const parsed = parseSource(source, 'haskell', 'Lenses.hs');
    expect(parsed.entities.map((e) => `${e.kind} ${e.name} ${e.lineNumber}-${e.endLine}`)).toEqual([
      'code imports 1-1',
      'struct Config 3-3',
      'code makeLenses 5-5',
    ]);
  });

  it('parses a generated module of 3,000 functions; above 1 MiB the walk skips it', async () => {
    const functions = Array.from(
      { length: 3000 },
      (_, i) => `-- | Function ${i}.\nf${i} :: Int -> Int\nf${i} x = x + ${i}\n{-# INLINE f${i} #-}\n`,
    ).join('\n');
    const body = `module Generated where\n\n${functions}`;
    const parsed = parseSource(body, 'haskell', 'Generated.hs');
    const found = parsed.entities.filter((e) => e.kind === 'function');
    expect(found).toHaveLength(3000);
    expect(found[2999]).toMatchObject({
      name: 'f2999',
      lineNumber: 5 * 2999 + 4,
      endLine: 5 * 2999 + 6,
      docstring: 'Function 2999.',
      signature: 'f2999 :: Int -> Int',
    });
    expect(parsed.entities.filter((e) => e.kind === 'code').map((e) => e.name)).toEqual(['imports']);

    const padding = '-- padding\n'.repeat(Math.ceil((1024 * 1024 - body.length) / 11) + 1);
    expect(await parseBesideOversized(['Small.hs', body], ['Huge.hs', `${body}${padding}`])).toEqual({
      parsed: [['Small.hs', 3001]],
      skipped: [['Huge.hs', 'too large']],
    });
  });
});

// lens 5.0.1 (Debian's haskell-lens source tarball): src/, heavy on CPP, pragmas and operators.
describe('haskell real code: lens 5.0.1', () => {
  let root: string;
  let parsed: DirectoryParseResult;
  beforeAll(async () => {
    root = await fetchRealCode('haskell-lens');
    parsed = await parseDirectory(root, { concurrency: 1 });
  }, 300_000);

  it('parses every file without errors or warnings', () => {
    expect(parsed.errors).toEqual([]);
    expect(parsed.skipped).toEqual([]);
    expect(parsed.files).toHaveLength(85);
    expect(parsed.files.filter((file) => file.warnings.length > 0)).toEqual([]);
  });

  it('finds the units by kind (counts checked on a sample of files by hand)', () => {
    const kinds: Record<string, number> = {};
    for (const e of parsed.entities) kinds[e.kind] = (kinds[e.kind] ?? 0) + 1;
    expect(kinds).toEqual({
      code: 636,
      function: 1270,
      trait: 78,
      method: 1257,
      type: 137,
      struct: 68,
      enum: 9,
    });
  });

  it('reads exact entities as written', () => {
    const find = (file: string, qualifiedName: string) =>
      parsed.entities.filter((e) => e.filePath === file && e.qualifiedName === qualifiedName);
    const lens = 'Control/Lens/Lens.hs';
    expect(find(lens, 'lens')).toEqual([
      expect.objectContaining({
        kind: 'function',
        lineNumber: 218,
        endLine: 220, // the `{-# INLINE lens #-}` after it
        signature: 'lens :: (s -> a) -> (s -> b -> t) -> Lens s t a b',
      }),
    ]);
    expect(find(lens, 'lens')[0]!.docstring!.split('\n')[0]).toBe(
      "Build a 'Lens' from a getter and a setter.",
    );
    // Two signatures under `#if`/`#else`, one equation, a pragma: one unit, documented above the `#if`.
    expect(find(lens, 'withLens')).toEqual([
      expect.objectContaining({
        lineNumber: 224,
        endLine: 230,
        docstring: "Obtain a getter and a setter from a lens, reversing 'lens'.",
      }),
    ]);
    expect(find(lens, '%%=')).toEqual([
      expect.objectContaining({
        lineNumber: 321,
        endLine: 330,
        signature: '(%%=) :: MonadState s m => Over p ((,) r) s s a b -> p a (r, b) -> m r',
      }),
    ]);
    expect(find(lens, 'ALens')).toEqual([
      expect.objectContaining({
        kind: 'type',
        lineNumber: 181,
        signature: 'type ALens s t a b = LensLike (Pretext (->) a b) s t a b',
      }),
    ]);
    const setter = 'Control/Lens/Internal/Setter.hs';
    expect(find(setter, 'Settable')).toEqual([
      expect.objectContaining({
        kind: 'trait',
        lineNumber: 32,
        endLine: 41,
        signature: 'class (Applicative f, Distributive f, Traversable f) => Settable f',
        docstring: "Anything 'Settable' must be isomorphic to the 'Identity' 'Functor'.",
      }),
    ]);
    expect(find(setter, 'Settable.untaintedDot')).toEqual([
      expect.objectContaining({ kind: 'method', lineNumber: 35, endLine: 37 }),
    ]);
    // `instance Settable Identity`: the methods of `Identity`.
    expect(find(setter, 'Identity.untainted')).toEqual([
      expect.objectContaining({ kind: 'method', lineNumber: 45, endLine: 46, signature: 'untainted' }),
    ]);
  });

  it('leaves no line outside a unit', () => {
    for (const file of parsed.files) {
      const source = readFileSync(path.join(root, file.filePath), 'utf8');
      const own = parsed.entities.filter((e) => e.filePath === file.filePath);
      expect(uncoveredLines(source, own), file.filePath).toEqual([]);
    }
  });
});
