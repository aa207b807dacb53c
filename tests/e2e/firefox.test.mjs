// Firefox ESR (Debian's, headless, driven by puppeteer-core over WebDriver
// BiDi) opens the real viewer page of `onair --headless --source test`
// and plays it over WebRTC: Firefox offers VP8, VP9 and AV1 only, so On
// Air answers VP8 and encodes the test pattern to VP8 for it.
//
// Firefox gathers no ICE candidate on loopback (nor does libnice), so the
// two run in two network namespaces joined by a veth pair
// (tests/e2e/netns.mjs, no loss); firefox-viewer.mjs drives Firefox from
// inside its namespace, where its BiDi socket is. Root only, and Firefox
// must be installed: skipped, saying why, otherwise. Its frame rate is
// measured in bench (bench/run.py --firefox), not asserted here.
//
// SPDX-License-Identifier: GPL-3.0-or-later

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import path from 'node:path';
import readline from 'node:readline';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';

import { LossyLink, NetnsUnavailable } from './netns.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const ONAIR_BIN = path.resolve(process.env.ONAIR_BIN || path.join(here, '../../build/src/onair'));
const FIREFOX = process.env.FIREFOX || '/usr/bin/firefox-esr';
const SECONDS = 3;

let link = null;
let skip = false;
let server = null;
let serverLog = '';

try {
  accessSync(FIREFOX, constants.X_OK);
} catch (error) {
  skip = `no Firefox at ${FIREFOX} (Debian's firefox-esr; build-aux/install-deps.sh installs it)`;
}
if (!skip) {
  try {
    link = new LossyLink().create();
  } catch (error) {
    if (!(error instanceof NetnsUnavailable))
      throw error;
    skip = 'no pair of network namespaces: ' + error.message;
  }
}
if (skip)
  console.log('skipped: ' + skip);

before(async () => {
  if (skip)
    return;
  server = link.spawn(link.serverNs, [ONAIR_BIN, '--headless', '--source', 'test', '--port', '8080',
    '--bind', link.serverAddr, '--no-token'], { stdio: ['ignore', 'pipe', 'pipe'] });
  server.stderr.on('data', (chunk) => { serverLog = (serverLog + chunk).slice(-4000); });
  server.url = await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('onair printed no URL within 15 s:\n' + serverLog)), 15000);
    readline.createInterface({ input: server.stdout }).on('line', (line) => {
      const match = /(https?:\/\/\S+)/.exec(line);
      if (match) {
        clearTimeout(timer);
        resolve(match[1]);
      }
    });
    server.once('exit', (code) => reject(new Error(`onair exited (${code}):\n${serverLog}`)));
  });
});

after(async () => {
  if (server && server.exitCode === null) {
    const gone = new Promise((resolve) => server.once('exit', resolve));
    server.kill('SIGTERM');
    await Promise.race([gone, sleep(5000)]);
    if (server.exitCode === null)
      server.kill('SIGKILL');
  }
  link?.remove();
});

/* Firefox in the phone's namespace opens @url; resolves to its report. */
function firefoxViewer (url, seconds) {
  const argv = ['netns', 'exec', link.phoneNs, process.execPath, path.join(here, 'firefox-viewer.mjs'),
    url, '--seconds', String(seconds)];
  return new Promise((resolve, reject) => {
    execFile('ip', argv, { timeout: 45000, maxBuffer: 1 << 20 }, (error, stdout, stderr) => {
      const line = stdout.trim().split('\n').pop();
      try {
        resolve(JSON.parse(line));
      } catch (parseError) {
        reject(new Error(`firefox-viewer.mjs gave no report (${error ? error.message : 'exit 0'}):\n${stdout}\n${stderr}`));
      }
    });
  });
}

/* The codec the answer's video m-line names first. */
function answeredCodec (sdp) {
  const media = /^m=video \d+ \S+ (\d+)/m.exec(sdp || '');
  const rtpmap = media && new RegExp(`^a=rtpmap:${media[1]} ([^/\\s]+)/`, 'm').exec(sdp);
  return rtpmap ? rtpmap[1] : null;
}

test('Firefox ESR plays the page over WebRTC, in VP8', { skip, timeout: 60000 }, async () => {
  const report = await firefoxViewer(server.url, SECONDS);
  const context = () => `\nFirefox ${report.firefox}; statuses: ${JSON.stringify(report.statuses)}; ` +
    `figures: ${JSON.stringify(report.delta)}\npage log:\n${report.logs.join('\n')}\n` +
    `On Air said:\n${serverLog}\nIts answer:\n${report.answer}`;
  const d = report.delta || {};
  console.log(`${report.firefox}: “${report.finalStatus}” after ${report.liveAfterMs} ms; ` +
              `${d.framesDecoded} frames decoded, ${d.presentedFps?.toFixed(1)} presented/s over ${d.seconds} s`);

  assert.match(report.finalStatus || '', /^Live · WebRTC · VP8 · 1280×720$/, 'the page is live over WebRTC, VP8' + context());
  assert.ok(!report.statuses.some((s) => /MJPEG/.test(s)), 'the page never fell back to MJPEG' + context());
  assert.doesNotMatch(report.offer || '', /^a=rtpmap:\d+ H264\//m, 'this Firefox offers no H.264 (if it does, test that too)');
  assert.equal(answeredCodec(report.answer), 'VP8', 'On Air answered VP8' + context());
  assert.equal(report.after?.codec?.toLowerCase(), 'video/vp8', 'Firefox receives VP8' + context());
  assert.equal(report.after?.connectionState, 'connected', context());
  // Frames keep coming: decoded and presented over the window. How many
  // is a timing, measured in bench; at most two keyframes come in 3 s
  // (one every 2 s), so five frames mean the stream flows, not just its
  // keyframes, even on a starved machine. (There the page may have
  // reconnected in the window: then the new connection's count.)
  assert.ok(report.delta, 'figures were read' + context());
  const decoded = report.delta.reconnected ? report.after.framesDecoded : report.delta.framesDecoded;
  assert.ok(decoded >= 5, `frames were decoded over ${SECONDS} s: ${decoded}` + context());
  assert.ok(report.delta.presentedFps > 0, 'and the video presented them' + context());
});
