/**
 * C and C++ macros that hide declarations from tree-sitter's grammars (export, inline and
 * annotation macros, namespace macros, `extern "C"` braces split across `#ifdef`s): blanked in
 * the text the grammar reads, never in the source the units are cut from.
 */

// Export and attribute macros the grammar cannot know: `LUA_API int (lua_gettop) (lua_State *L);`,
// `l_sinline StkId index2stack (…)`, `class SCOPED_LOCKABLE MutexLock {` read as a declaration of
// `int`, a syntax error, a function `MutexLock`. Blanked before parsing: at the start of a line,
// upper-case words, or one word not a keyword, that a type and a declared name follow (`A B c(`
// is not C unless `A` is a macro; `A const c` is, and stays); a word between `class` and a name.
// Repetitions are bounded: on a line of many upper-case words an unbounded pattern backtracks
// quadratically.
const DECLARATION_REST = String.raw`(?:[A-Za-z_][\w:<>]*[ \t*&]+){1,6}[*&]*(?:\([ \t]*[A-Za-z_~][\w:]*[ \t]*\)|[A-Za-z_~][\w:]*)[ \t]*[(\[=;]`;
const LEADING_MACROS = new RegExp(
  String.raw`^([ \t]*)((?:[A-Z][A-Z0-9_]+[ \t]+){1,4}|[A-Za-z_]\w*[ \t]+(?!(?:const|volatile|restrict)\b))(?=${DECLARATION_REST})`,
  'gm',
);
const RECORD_MACRO =
  /\b(class|struct|union)([ \t]+)([A-Z][A-Z0-9_]+)(?=[ \t]+[A-Za-z_]\w*[ \t]*(?:[:{]|final\b))/g;
/** What is left before a declaration on its line when macros were blanked: words only. */
export const BLANKED_PREFIX = /^([ \t]*)[A-Za-z_]\w*(?:[ \t]+[A-Za-z_]\w*)*[ \t]+$/;
/** Words the start of a line may hold before a declaration: never blanked. */
const KEYWORDS = new Set(
  (
    'auto break case char const continue default do double else enum extern float for goto if inline int long ' +
    'register restrict return short signed sizeof static struct switch typedef union unsigned void volatile while ' +
    'bool _Bool class constexpr delete explicit friend mutable namespace new operator private protected public ' +
    'static_assert template throw typename using virtual co_return co_yield co_await'
  ).split(' '),
);

// Annotation macros after a function's parameters (`void Compact() EXCLUSIVE_LOCKS_REQUIRED(mu_);`,
// glibc's `char *tmpnam (char *s) __THROW __wur;`), before its `;`, its body or another one.
const ANNOTATION = String.raw`(?:[A-Z][A-Z0-9_]{2,}|__\w+)\b(?:[ \t]*\((?:[^()\n]|\((?:[^()\n]|\([^()\n]*\))*\))*\))?`;
const TRAILING_MACRO = new RegExp(
  String.raw`(?<=(?:\)|\bconst)[ \t]*\r?\n?[ \t]*)(?:${ANNOTATION}\s*){0,7}${ANNOTATION}(?=\s*(?:;|\{|=\s*0\b|override\b|final\b))`,
  'g',
);

// A C header's `extern "C" {` … `}` for C++ readers, each brace in its own `#ifdef __cplusplus`:
// neither grammar can pair braces across preprocessor blocks.
const CPLUSPLUS_BRACE =
  /(#\s*if(?:def\s+__cplusplus|\s+defined\s*\(?\s*__cplusplus\s*\)?)[ \t]*(?:\/\*.*?\*\/|\/\/[^\n]*)?[ \t]*\r?\n[ \t]*)(extern\s+"C"\s*\{|\})/g;

// A macro alone on its line, without `;` (`PYBIND11_NAMESPACE_BEGIN(detail)`, `Q_OBJECT`,
// `G_BEGIN_DECLS`), after a line that ends a declaration or statement: the grammar reads it as
// the start of a statement that swallows the next declaration. It becomes an empty declaration
// (`;`), which keeps a node on its line for the code chunks. Not when a `{` follows
// (`TEST(A, B)` with its body on the next line), nor in a list (`A,` before it).
const LINE_MACRO = new RegExp(
  String.raw`(?:(?<![\s\S])|(?<=(?:^|[;{}):]|\*\/|^[ \t]*#[^\n]*[^\\\n]|^[ \t]*\/\/[^\n]*)[ \t]*\r?\n(?:[ \t]*\r?\n)*))` +
    String.raw`([ \t]*)(_*[A-Z][A-Z0-9]*_[A-Z0-9_]*(?:[ \t]*\((?:[^()\n]|\([^()\n]*\))*\))?)` +
    String.raw`(?=[ \t]*(?:\/\/[^\n]*)?\r?$)(?![ \t]*(?:\/\/[^\n]*)?\r?\n\s*\{)`,
  'gm',
);

/**
 * The text tree-sitter reads for C and C++: the macros above blanked (same length and line
 * breaks), so declarations behind them parse as declarations.
 */
export function blankMacros(source: string): string {
  if (source.includes('__cplusplus'))
    source = source.replace(
      CPLUSPLUS_BRACE,
      (_whole, before: string, brace: string) => before + brace.replace(/[^\n]/g, ' '),
    );
  return source
    .replace(
      LINE_MACRO,
      (_whole, indent: string, macro: string) => `${indent};${' '.repeat(macro.length - 1)}`,
    )
    .replace(TRAILING_MACRO, (macros: string) => macros.replace(/[^\r\n]/g, ' '))
    .replace(LEADING_MACROS, (whole, indent: string, words: string) =>
      KEYWORDS.has(words.trim()) ? whole : indent + ' '.repeat(words.length),
    )
    .replace(
      RECORD_MACRO,
      (_whole, keyword: string, space: string, word: string) => keyword + space + ' '.repeat(word.length),
    );
}
