/**
 * What a parser extracts. Every line of a parsed file belongs to at least one unit:
 * - `function`, `method` (a function defined in a class-like scope);
 * - class-like declarations: `class`, `interface`, `struct`, `enum`, `trait`;
 * - other declarations: `type` (alias), `module` (namespace, Rust `mod`), `constant`,
 *   `variable`, `field` (Java fields, enum constants), `macro` (Rust `macro_rules!`);
 * - `code`: top-level code between definitions (imports, statements, config objects), grouped
 *   into bounded chunks that follow syntax boundaries.
 */
export type EntityKind =
  | 'function'
  | 'method'
  | 'class'
  | 'interface'
  | 'struct'
  | 'enum'
  | 'trait'
  | 'type'
  | 'module'
  | 'constant'
  | 'variable'
  | 'field'
  | 'macro'
  | 'code';

/** Every kind, in the order above. */
export const ENTITY_KINDS: readonly EntityKind[] = [
  'function',
  'method',
  'class',
  'interface',
  'struct',
  'enum',
  'trait',
  'type',
  'module',
  'constant',
  'variable',
  'field',
  'macro',
  'code',
];

/** Kinds `processClasses`/`prepareClass` accept: declarations whose members are units of their own. */
export const CLASS_LIKE_KINDS: ReadonlySet<EntityKind> = new Set<EntityKind>([
  'class',
  'interface',
  'struct',
  'enum',
  'trait',
]);

/** Kinds `processFunctions`/`prepareFunction` accept. */
export const FUNCTION_KINDS: ReadonlySet<EntityKind> = new Set<EntityKind>(['function', 'method']);

/** Languages with a grammar in `@codesearch/parser`. `tsx` is TypeScript with JSX. */
export type Language =
  | 'python'
  | 'typescript'
  | 'tsx'
  | 'javascript'
  | 'go'
  | 'rust'
  | 'java'
  | 'c'
  | 'cpp'
  | 'csharp'
  | 'ruby'
  | 'php'
  | 'kotlin'
  | 'swift'
  | 'scala'
  | 'bash'
  | 'lua'
  | 'elixir'
  | 'haskell'
  | 'zig';

/** One definition found in a source file. Everything a later stage needs travels here. */
export interface CodeEntity {
  kind: EntityKind;
  /** The declared name: `parse_file`. */
  name: string;
  /** Dotted path through the enclosing classes and functions: `Parser.parse_file`. */
  qualifiedName: string;
  /** POSIX path relative to the indexed root: `src/parser.py`. */
  filePath: string;
  /** 1-based line of the declaration itself (decorators and annotations not counted). */
  lineNumber: number;
  /** 1-based last line of the definition. */
  endLine: number;
  language: Language;
  /** Documentation attached to the definition, cleaned of comment markers and indentation. */
  docstring?: string;
  /** The declaration up to its body: `def parse_file(self, path: str) -> list[Entity]:`. */
  signature?: string;
  /** The definition's source text, from the declaration line to its end (decorators excluded). */
  sourceCode: string;
  /** Qualified name of the enclosing class or function, if any. */
  parent?: string;
  /** Decorators or annotations written above the declaration, as source text. */
  decorators?: string[];
  /**
   * Class-like units: the declaration with the bodies of its methods left out (header, doc
   * comment, fields and member signatures), what the model embeds for the class; its methods
   * are units of their own.
   */
  outline?: string;
}

/**
 * Identifies an entity in results: `${filePath}:${lineNumber}`, the design document's key.
 * Build it with a template literal; the type keeps the shape honest.
 */
export type LocationKey = `${string}:${number}`;
