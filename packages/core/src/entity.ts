/** What a parser extracts: a function, a method (a function defined in a class-like scope) or a class. */
export type EntityKind = 'function' | 'method' | 'class';

/** Languages with a grammar in `@codesearch/parser`. `tsx` is TypeScript with JSX. */
export type Language = 'python' | 'typescript' | 'tsx' | 'javascript' | 'go' | 'rust' | 'java';

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
}

/**
 * Identifies an entity in results: `${filePath}:${lineNumber}`, the design document's key.
 * Build it with a template literal; the type keeps the shape honest.
 */
export type LocationKey = `${string}:${number}`;
