/** What the numbers were measured on, recorded with every report. */
import { spawnSync } from 'node:child_process';
import os from 'node:os';

function run(command, args, cwd) {
  const result = spawnSync(command, args, { encoding: 'utf8', cwd });
  return result.status === 0 ? result.stdout.trim() : undefined;
}

export function machineInfo({ python, repoRoot }) {
  const cpus = os.cpus();
  const commit = run('git', ['rev-parse', 'HEAD'], repoRoot);
  const dirty = run('git', ['status', '--porcelain', '--untracked-files=no'], repoRoot);
  return {
    cpus: cpus.length,
    availableParallelism: os.availableParallelism(),
    cpuModel: cpus[0]?.model?.trim(),
    totalMemoryGiB: Number((os.totalmem() / 1024 ** 3).toFixed(1)),
    loadAverageAtStart: os.loadavg().map((load) => Number(load.toFixed(2))),
    platform: `${os.platform()} ${os.release()} ${os.arch()}`,
    node: process.version,
    python: run(python, ['-c', 'import sys; print(sys.version.split()[0])']),
    git: commit ? { commit, dirty: Boolean(dirty) } : undefined,
  };
}
