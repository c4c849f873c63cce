import { chmod, mkdir, symlink, writeFile } from 'node:fs/promises';
import path from 'node:path';

/** A function the corpus holds in a good (or good-enough) file: it must end up in the index. */
export interface GoodFunction {
  filePath: string;
  name: string;
  lineNumber: number;
}

/** A bad item of the corpus and what the report about it must say. */
export interface BadItem {
  /** Relative to the corpus root, as the CLI prints it. */
  path: string;
  /** The cause the report must give. */
  cause: RegExp;
  /** A function name inside the bad file that must not reach the index (when there is one). */
  hiddenName?: string;
}

export interface HostileCorpus {
  root: string;
  good: GoodFunction[];
  /** Functions in a file with a syntax error that the parser may or may not recover. */
  maybe: GoodFunction[];
  bad: BadItem[];
  /** Files that hold good functions (relative paths). */
  goodFiles: string[];
  /** Undoes the chmod 000s so the tree can be deleted. */
  restorePermissions(): Promise<void>;
}

const FIVE_MIB = 5 * 1024 * 1024;

/** Python: one function with `lines` body statements. */
function longPythonFunction(name: string, lines: number): string {
  const body = Array.from({ length: lines }, (_, i) => `    value_${i} = ${i} * 2`);
  return [
    `def ${name}():`,
    '    """A function of twenty thousand lines."""',
    ...body,
    '    return 0',
    '',
  ].join('\n');
}

/**
 * Python: `depth` nested `if` blocks, indented one space per level (a four-space indent would
 * make the average line long enough to look minified, and the file would be skipped unread).
 */
function deeplyNestedPython(name: string, depth: number): string {
  const lines = [`def ${name}(x):`];
  for (let i = 0; i < depth; i++) lines.push(`${' '.repeat(i + 1)}if x > ${i}:`);
  lines.push(`${' '.repeat(depth + 1)}return x`, ' return 0', '');
  return lines.join('\n');
}

/** JavaScript: `depth` nested closures, each called at once, without indentation. */
function deeplyNestedJs(name: string, depth: number): string {
  const lines = [`function ${name}() {`];
  for (let i = 0; i < depth; i++) lines.push(`return (function inner${i}() {`);
  lines.push('return 1;');
  for (let i = 0; i < depth; i++) lines.push('})();');
  lines.push('}', '');
  return lines.join('\n');
}

/**
 * Builds the hostile tree under `root` (which must exist and be readable by whoever walks it):
 * binary, invalid UTF-8, a 5 MB one-line bundle, a 20,000-line function, deep nesting, syntax
 * errors, a symlink loop and a dangling link, an unreadable file and folder, unicode paths,
 * and a few good files. Every expected value is returned from here, not computed by the tool.
 */
export async function writeHostileCorpus(root: string): Promise<HostileCorpus> {
  const files: Record<string, string | Buffer> = {
    'good/app.py': 'def good_app_main():\n    """Entry point of the good app."""\n    return 0\n',
    'good/util.ts': 'export function goodUtilHelper(): number {\n  return 1;\n}\n',
    'good/strings.js': 'function goodJsJoiner(parts) {\n  return parts.join("-");\n}\n',
    'binary.py': Buffer.concat([
      Buffer.from('def binary_hidden_fn():\n    return 1\n'),
      Buffer.from([0, 1, 2, 0, 0xff, 0x00, 0x7f, 0]),
    ]),
    // Valid UTF-8 up to line 4, where `\xc3(` is not a valid sequence.
    'bad_utf8.py': Buffer.concat([
      Buffer.from('def utf8_hidden_fn():\n    return 1\n\n'),
      Buffer.from('x = "'),
      Buffer.from([0xc3, 0x28]),
      Buffer.from('"\n'),
    ]),
    'bundle.js': `function bundle_hidden_fn(){var a=1;${'a=a+1;'.repeat(Math.ceil(FIVE_MIB / 6))}}`.slice(
      0,
      FIVE_MIB,
    ),
    'long_function.py': longPythonFunction('twenty_thousand_line_fn', 20_000),
    'deep_if.py': deeplyNestedPython('deeply_nested_ifs', 200),
    'deep_closures.js': deeplyNestedJs('deeplyNestedClosures', 300),
    'broken.py': [
      'def before_syntax_error():',
      '    return 1',
      '',
      '',
      'def syntax_error_inside(x):',
      '    return x +* 2',
      '',
      '',
      'def after_syntax_error():',
      '    """Still found after the error."""',
      '    return 2',
      '',
    ].join('\n'),
    'locked.py': 'def locked_hidden_fn():\n    return 1\n',
    'private/inner.py': 'def private_hidden_fn():\n    return 1\n',
    'módulo_ü.py': 'def unicode_module_fn():\n    """Ünïcödé façade 👋."""\n    return "ñ"\n',
    '日本語/関数.py': 'def japanese_path_fn():\n    return "関数"\n',
  };
  for (const [relative, content] of Object.entries(files)) {
    const full = path.join(root, relative);
    await mkdir(path.dirname(full), { recursive: true });
    await writeFile(full, content);
  }
  await symlink('loop_b', path.join(root, 'loop_a'));
  await symlink('loop_a', path.join(root, 'loop_b'));
  await symlink('does-not-exist.py', path.join(root, 'dangling.py'));
  await chmod(path.join(root, 'locked.py'), 0o000);
  await chmod(path.join(root, 'private'), 0o000);

  const good: GoodFunction[] = [
    { filePath: 'good/app.py', name: 'good_app_main', lineNumber: 1 },
    { filePath: 'good/util.ts', name: 'goodUtilHelper', lineNumber: 1 },
    { filePath: 'good/strings.js', name: 'goodJsJoiner', lineNumber: 1 },
    { filePath: 'long_function.py', name: 'twenty_thousand_line_fn', lineNumber: 1 },
    { filePath: 'deep_if.py', name: 'deeply_nested_ifs', lineNumber: 1 },
    { filePath: 'deep_closures.js', name: 'deeplyNestedClosures', lineNumber: 1 },
    { filePath: 'broken.py', name: 'before_syntax_error', lineNumber: 1 },
    { filePath: 'broken.py', name: 'after_syntax_error', lineNumber: 9 },
    { filePath: 'módulo_ü.py', name: 'unicode_module_fn', lineNumber: 1 },
    { filePath: '日本語/関数.py', name: 'japanese_path_fn', lineNumber: 1 },
  ];
  const bad: BadItem[] = [
    { path: 'binary.py', cause: /binary/i, hiddenName: 'binary_hidden_fn' },
    { path: 'bad_utf8.py', cause: /invalid UTF-8/i, hiddenName: 'utf8_hidden_fn' },
    { path: 'bundle.js', cause: /too large|minified/i, hiddenName: 'bundle_hidden_fn' },
    { path: 'broken.py', cause: /syntax error/i },
    { path: 'loop_a', cause: /symbolic link loop|loop/i },
    { path: 'loop_b', cause: /symbolic link loop|loop/i },
    { path: 'dangling.py', cause: /broken symbolic link|does not exist|dangling/i },
    { path: 'locked.py', cause: /permission denied/i, hiddenName: 'locked_hidden_fn' },
    { path: 'private', cause: /permission denied/i, hiddenName: 'private_hidden_fn' },
  ];
  return {
    root,
    good,
    maybe: [{ filePath: 'broken.py', name: 'syntax_error_inside', lineNumber: 5 }],
    bad,
    goodFiles: [...new Set(good.map((fn) => fn.filePath))],
    restorePermissions: async () => {
      await chmod(path.join(root, 'private'), 0o755).catch(() => undefined);
      await chmod(path.join(root, 'locked.py'), 0o644).catch(() => undefined);
    },
  };
}
