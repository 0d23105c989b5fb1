// Shared by the HTTP benchmark and the soak: start server processes and stop them cleanly.
import { spawn } from 'node:child_process';

/** Starts `node ...args` and resolves with the URL it prints as "listening on URL". */
export function startProcess(children, args, env = {}) {
  const child = spawn(process.execPath, args, {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  children.push(child);
  return new Promise((resolve, reject) => {
    let text = '';
    child.stderr.on('data', (chunk) => {
      text += chunk;
      const match = /listening on (http:\/\/\S+)/.exec(text);
      if (match) resolve(match[1]);
    });
    child.once('exit', (code) => reject(new Error(`server exited (${code}): ${text}`)));
  });
}

/** SIGTERM, then SIGKILL after 5 s; resolves when every process has exited. */
export function stopProcesses(children) {
  return Promise.all(
    children.map((child) =>
      child.exitCode !== null
        ? null
        : new Promise((resolve) => {
            child.once('exit', resolve);
            child.kill('SIGTERM');
            setTimeout(() => child.kill('SIGKILL'), 5000).unref();
          }),
    ),
  );
}
