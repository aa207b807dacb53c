// The namespace benches' child processes (lossy.mjs, congested.mjs,
// firefox.mjs): waiting for the line a child prints when it is ready, and
// stopping it.
//
// SPDX-License-Identifier: GPL-3.0-or-later

import readline from 'node:readline';
import { setTimeout as sleep } from 'node:timers/promises';

/* Resolves to the first match of @re in @proc's stdout (its group 1);
 * rejects, with the end of its stderr, when it exits or says nothing
 * useful in 15 s. @what names it in the error. */
export function firstLine (proc, re, what) {
  let stderr = '';
  proc.stderr.on('data', (chunk) => { stderr = (stderr + chunk).slice(-4000); });
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${what} printed nothing in 15 s:\n${stderr}`)), 15000);
    readline.createInterface({ input: proc.stdout }).on('line', (line) => {
      const m = re.exec(line);
      if (m) {
        clearTimeout(timer);
        resolve(m[1]);
      }
    });
    proc.once('exit', (code) => reject(new Error(`${what} exited (${code}):\n${stderr}`)));
  });
}

/* SIGTERM, then SIGKILL after 5 s. */
export async function stop (proc) {
  if (!proc || proc.exitCode !== null)
    return;
  const gone = new Promise((resolve) => proc.once('exit', resolve));
  proc.kill('SIGTERM');
  await Promise.race([gone, sleep(5000)]);
  if (proc.exitCode === null)
    proc.kill('SIGKILL');
}
