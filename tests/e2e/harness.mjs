// What the Chromium test files share: a real `onair --headless` and the
// RTSP camera fixture on 127.0.0.1, and one headless Chromium (Debian's)
// per file.
//
// SPDX-License-Identifier: GPL-3.0-or-later

import { after, before } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { appendFileSync, existsSync } from 'node:fs';
import path from 'node:path';
import readline from 'node:readline';
import { fileURLToPath } from 'node:url';
import { CHROMIUM_ARGS } from './chromium-args.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
export const ONAIR_BIN = path.resolve(process.env.ONAIR_BIN || path.join(here, '../../build/src/onair'));
export const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium';
export const PHONE = { viewport: { width: 390, height: 844 }, deviceScaleFactor: 2, isMobile: true, hasTouch: true };

let chromium;
try {
  ({ chromium } = await import('playwright-core'));
} catch (error) {
  throw new Error('playwright-core is not installed next to this test: run `npm ci --prefix tests/e2e` ' +
                  '(' + error.message + ')');
}

const running = new Set();

/* Starts onair on 127.0.0.1 and resolves once it printed its URL. @token
 * null: --no-token. E2E_SERVER_LOG=FILE appends its output to FILE. */
export async function startOnAir ({ source = 'test', port = 0, token = null } = {}) {
  const args = ['--headless', '--source', source, '--port', String(port), '--bind', '127.0.0.1',
    ...(token === null ? ['--no-token'] : ['--token', token])];
  const proc = spawn(ONAIR_BIN, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  const log = (text) => process.env.E2E_SERVER_LOG && appendFileSync(process.env.E2E_SERVER_LOG, text);
  let stderr = '';
  proc.stderr.on('data', (chunk) => {
    stderr += chunk;
    log(chunk);
  });
  const exited = new Promise((resolve) => proc.once('exit', (code, signal) => resolve({ code, signal })));
  running.add(proc);
  exited.then(() => running.delete(proc));

  const url = await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('onair printed no URL within 15 s; stderr:\n' + stderr)), 15000);
    readline.createInterface({ input: proc.stdout }).on('line', (line) => {
      log(line + '\n');
      const match = /(https?:\/\/\S+)/.exec(line);
      if (match) {
        clearTimeout(timer);
        resolve(match[1]);
      }
    });
    exited.then(({ code, signal }) => {
      clearTimeout(timer);
      reject(new Error(`onair exited (${code ?? signal}) before printing its URL; stderr:\n${stderr}`));
    });
  });
  const parsed = new URL(url);

  async function stop (signal) {
    if (proc.exitCode === null && proc.signalCode === null) {
      proc.kill(signal);
      const timer = setTimeout(() => proc.kill('SIGKILL'), 5000);
      await exited;
      clearTimeout(timer);
    }
    return exited;
  }

  return {
    url,
    origin: parsed.origin,
    hostname: parsed.hostname,
    port: Number(parsed.port),
    token,
    stderr: () => stderr,
    stop: () => stop('SIGTERM'),
    kill: () => stop('SIGKILL'),
  };
}

const RTSP_FIXTURE = process.env.ONAIR_RTSP_FIXTURE ||
  path.resolve(path.dirname(ONAIR_BIN), '../tests/onair-rtsp-fixture');

/* An RTSP camera (tests/onair-rtsp-fixture) on 127.0.0.1; @port: the same
 * address again; @audio: its sound track (opus, pcma or aac), or none. */
export async function startCamera ({ port = 0, audio = null } = {}) {
  const env = { ...process.env, RTSP_FIXTURE_PORT: String(port) };
  if (audio !== null)
    env.RTSP_FIXTURE_AUDIO = audio;
  const proc = spawn(RTSP_FIXTURE, [], { stdio: ['ignore', 'pipe', 'inherit'], env });
  running.add(proc);
  proc.once('exit', () => running.delete(proc));
  const url = await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('the camera printed no URL')), 10000);
    readline.createInterface({ input: proc.stdout }).once('line', (line) => {
      clearTimeout(timer);
      resolve(line.trim());
    });
  });
  return { url, port: Number(new URL(url.replace('rtsp:', 'http:')).port), stop: () => proc.kill('SIGKILL') };
}

/* One Chromium for the test file, launched before its tests and closed
 * after them, with every onair still running. Returns a getter. */
export function useChromium () {
  let browser = null;
  before(async () => {
    assert.ok(existsSync(ONAIR_BIN), `no onair binary at ${ONAIR_BIN}: build first or set ONAIR_BIN`);
    assert.ok(existsSync(CHROMIUM), `no Chromium at ${CHROMIUM}: apt-get install chromium`);
    browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: [...CHROMIUM_ARGS] });
  });
  after(async () => {
    await browser?.close();
    for (const proc of running)
      proc.kill('SIGKILL');
  });
  return () => browser;
}
