import type { CodeEntity } from '@codesearch/core';
import { createTransformersEmbedder, type TransformersEmbedder } from '@codesearch/embedder';
import { createTextPreparator, MAX_WINDOWS } from '@codesearch/text-prep';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BatchEmbeddingGenerator } from '../src/index.js';
import { longPythonSource } from './long-function.js';
import { cosine, requireModelsDir } from './support.js';

/** The last lines of the long function: about something none of its other lines mention. */
const CLOSING = [
  '    # Finally, email the finished report to the finance team as a PDF attachment',
  '    pdf = render_pdf(totals, title="Quarterly sales")',
  '    message = EmailMessage()',
  '    message["To"] = "finance-team@example.com"',
  '    message["Subject"] = "Quarterly sales report"',
  '    message.add_attachment(pdf, maintype="application", subtype="pdf", filename="report.pdf")',
  '    with smtplib.SMTP(options["smtp_host"]) as smtp:',
  '        smtp.send_message(message)',
  '    return totals',
];
const QUERY = 'email the report to the finance team as a PDF attachment';

const sourceCode = longPythonSource(600, CLOSING);
const long: CodeEntity = {
  kind: 'function',
  name: 'build_quarterly_report',
  qualifiedName: 'build_quarterly_report',
  filePath: 'reports/quarterly.py',
  lineNumber: 10,
  endLine: 609,
  language: 'python',
  signature: 'def build_quarterly_report(rows, options, log):',
  docstring: 'Build the quarterly sales report from exported rows.',
  sourceCode,
};
const unrelated: CodeEntity = {
  kind: 'function',
  name: 'resize_image',
  qualifiedName: 'resize_image',
  filePath: 'media/images.py',
  lineNumber: 3,
  endLine: 8,
  language: 'python',
  signature: 'def resize_image(path, width, height):',
  docstring: 'Scale an image file to the given size, keeping its format.',
  sourceCode: [
    'def resize_image(path, width, height):',
    '    """Scale an image file to the given size, keeping its format."""',
    '    with Image.open(path) as image:',
    '        resized = image.resize((width, height), Image.LANCZOS)',
    '        resized.save(path, format=image.format)',
    '    return path',
  ].join('\n'),
};

let embedder: TransformersEmbedder;
beforeAll(async () => {
  embedder = createTransformersEmbedder({ modelsDir: await requireModelsDir() });
});
afterAll(async () => {
  await embedder?.dispose();
});

describe('windows with the real model', () => {
  it('a phrase from the last lines of a 600-line function matches its last window, not its first', async () => {
    expect(sourceCode.trimEnd().split('\n')).toHaveLength(600);
    const generator = new BatchEmbeddingGenerator({ embedder, textPreparator: createTextPreparator() });
    const result = await generator.processFunctions([long, unrelated]);
    expect(result.errors).toEqual({});
    const [longKey, unrelatedKey] = result.keys;
    const windows = result.windowEmbeddings[longKey!]!;
    const prepared = result.prepared[0]!.windows!;
    expect(windows.length).toBe(MAX_WINDOWS);
    expect(prepared.at(-1)!.endLine).toBe(609);
    expect(prepared.at(-1)!.text).toContain('smtp.send_message(message)');

    const [query] = await embedder.embed([QUERY]);
    if (!query?.ok) throw new Error('the query could not be embedded');
    const last = cosine(query.vector, windows.at(-1)!);
    const first = cosine(query.vector, result.embeddings[longKey!]!);
    const other = cosine(query.vector, result.embeddings[unrelatedKey!]!);
    // Measured: last window 0.72, window 0 0.31, the unrelated function 0.03.
    const scores = `last window ${last.toFixed(3)}, window 0 ${first.toFixed(3)}, unrelated ${other.toFixed(3)}`;
    expect(last - first, scores).toBeGreaterThan(0.25);
    expect(last - other, scores).toBeGreaterThan(0.25);
    // The best window of the unit is the last one (or the one before, which overlaps it).
    const perWindow = windows.map((vector) => cosine(query.vector, vector!));
    expect(perWindow.indexOf(Math.max(...perWindow))).toBeGreaterThanOrEqual(windows.length - 2);
  }, 120_000);
});
