// page-start.mjs: the viewer page's first picture, each time from a fresh
// On Air — what a person sees after the first click.
//
//   node bench/page-start.mjs --onair _build/src/onair [--loads 16] [--source test] [--no-sound]
//
// For each load: starts `onair --headless --source SOURCE --bind 127.0.0.1
// --port 0 --no-token`, opens its viewer page in headless Chromium (a new
// context each time: nothing remembered), and records, inside the page,
// the ms from navigation start to the first picture shown over WebRTC
// (requestVideoFrameCallback), and whether the page gave up on WebRTC and
// showed MJPEG instead (its 3-s first-frame wait ran out). With --no-sound
// the page is told to leave out its sound transceiver, as the page did
// before it asked for sound, for comparison. Prints one JSON line.
// Uses Debian's /usr/bin/chromium; never downloads a browser.
//
// SPDX-License-Identifier: GPL-3.0-or-later

import { spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import readline from 'node:readline';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';

import { CHROMIUM_ARGS } from '../tests/e2e/chromium-args.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const require = createRequire(import.meta.url);
const { chromium } = require(require.resolve('playwright-core', { paths: [here, join(here, '..', 'tests', 'e2e')] }));

const args = { onair: '', loads: 16, source: 'test', sound: true };
for (let i = 2; i < process.argv.length; i++) {
  const key = process.argv[i].replace(/^--/, '');
  if (key === 'no-sound')
    args.sound = false;
  else if (key in args)
    args[key] = typeof args[key] === 'number' ? Number(process.argv[++i]) : process.argv[++i];
  else
    throw new Error('unknown option ' + process.argv[i]);
}
if (!args.onair)
  throw new Error('need --onair PATH');

async function startOnAir () {
  const proc = spawn(args.onair, ['--headless', '--source', args.source, '--port', '0', '--bind', '127.0.0.1', '--no-token'],
                     { stdio: ['ignore', 'pipe', 'ignore'] });
  const url = await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('onair printed no URL')), 15000);
    readline.createInterface({ input: proc.stdout }).on('line', (line) => {
      const match = /(https?:\/\/\S+)/.exec(line);
      if (match) {
        clearTimeout(timer);
        resolve(match[1]);
      }
    });
  });
  return { url, stop: () => new Promise((resolve) => { proc.once('exit', resolve); proc.kill('SIGTERM'); }) };
}

function watchFirstFrame (sound) {
  window.__firstFrameMs = null;
  if (!sound) {
    const add = RTCPeerConnection.prototype.addTransceiver;
    RTCPeerConnection.prototype.addTransceiver = function (kind, init) {
      return kind === 'audio' ? null : add.call(this, kind, init);
    };
  }
  const look = () => {
    const video = document.getElementById('video');
    if (!video)
      return setTimeout(look, 10);
    video.requestVideoFrameCallback((now) => { window.__firstFrameMs = now; });
  };
  look();
}

const browser = await chromium.launch({
  executablePath: '/usr/bin/chromium',
  args: [...CHROMIUM_ARGS],
});
const firsts = [];
let mjpeg = 0;
for (let i = 0; i < args.loads; i++) {
  const server = await startOnAir();
  const context = await browser.newContext();
  await context.addInitScript(watchFirstFrame, args.sound);
  const page = await context.newPage();
  await page.goto(server.url);
  const end = Date.now() + 8000;
  let state = null;
  while (Date.now() < end) {
    state = await page.evaluate(() => ({ first: window.__firstFrameMs, mjpeg: !document.getElementById('mjpeg').hidden }));
    if (state.first !== null || state.mjpeg)
      break;
    await sleep(50);
  }
  if (state.first !== null)
    firsts.push(state.first);
  else
    mjpeg++;
  await context.close();
  await server.stop();
}
await browser.close();
firsts.sort((a, b) => a - b);
const at = (q) => firsts.length ? Math.round(firsts[Math.min(firsts.length - 1, Math.floor(q * firsts.length))]) : null;
console.log(JSON.stringify({ test: 'page-start', source: args.source, sound: args.sound, loads: args.loads,
                             webrtc: firsts.length, mjpeg_fallbacks: mjpeg,
                             first_picture_p50_ms: at(0.5), first_picture_max_ms: at(1) }));
