import { spawn } from 'node:child_process';
import path from 'node:path';

/**
 * Runs a Python script that reads `stdin` and prints one JSON document; resolves to it.
 * The peers and references of every section talk to Node this way (and Node scripts run in a
 * fresh process, with `process.execPath` as the interpreter).
 */
export function runPythonJson(python, args, stdin) {
  return new Promise((resolve, reject) => {
    const child = spawn(python, args, { stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk) => {
      stdout += chunk;
    });
    child.stderr.setEncoding('utf8').on('data', (chunk) => {
      stderr += chunk;
    });
    child.on('error', reject);
    child.on('close', (code) => {
      if (code !== 0) {
        reject(new Error(`${path.basename(args[0])} exited with ${code}: ${stderr.slice(0, 2000)}`));
        return;
      }
      try {
        resolve(JSON.parse(stdout));
      } catch (error) {
        reject(error);
      }
    });
    child.stdin.end(stdin);
  });
}
