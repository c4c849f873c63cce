/** Runs a whole command as a child process and times it from the outside (wall seconds). */
import { spawn } from 'node:child_process';

/** Resolves to `{ wallSeconds, code, stdout, stderr }`; rejects only when the command cannot start. */
export function timeCommand(command, args, options = {}) {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'], ...options });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk) => {
      stdout += chunk;
    });
    child.stderr.setEncoding('utf8').on('data', (chunk) => {
      stderr += chunk;
    });
    child.on('error', reject);
    child.on('close', (code, signal) => {
      resolve({ wallSeconds: (performance.now() - started) / 1000, code, signal, stdout, stderr });
    });
  });
}
