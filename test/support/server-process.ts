import path from 'node:path';
import { spawn, type ChildProcess } from 'node:child_process';

const ROOT = path.resolve(__dirname, '..', '..');

/** `npm start` as a real process (tsx, the app's own server.ts), with its output collected. */
export type ServerProcess = {
  child: ChildProcess;
  output: () => string;
  /** Resolves once the app says it listens; rejects if it exits first. */
  listening: Promise<number>;
  exited: Promise<number | null>;
};

/** `nodeArgs`: how Node starts the app; the compiled build passes `[<build>/src/server.js]` (no TypeScript loader). */
export function startServerProcess(env: Record<string, string>, nodeArgs: string[] = ['--import', 'tsx', path.join(ROOT, 'src', 'server.ts')]): ServerProcess {
  const child = spawn(process.execPath, nodeArgs, {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp', LOG_LEVEL: 'info', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const listening = new Promise<number>((resolve, reject) => {
    const check = () => {
      const match = /listening on port (\d+)/.exec(output);
      if (match) {
        child.stdout!.off('data', check);
        resolve(Number(match[1]));
      }
    };
    child.stdout!.on('data', check);
    void exited.then((code) => reject(new Error(`server exited with ${code} before listening:\n${output}`)));
  });
  listening.catch(() => undefined);
  return { child, output: () => output, listening, exited };
}
