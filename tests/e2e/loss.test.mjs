// WebRTC over a lossy link: headless Chromium in one network namespace,
// `onair --headless` in another, the phone side dropping 5 % of UDP
// packets each way (tests/e2e/netns.mjs). Lost packets are resent on NACK
// (RTX, RFC 4588) on both paths: the test pattern encoded by On Air, and
// an RTSP camera's H.264 passed through. Root only: skipped, saying why,
// where network namespaces cannot be made. Figures for playback under
// loss are measured in bench (bench/run.py --lossy), not asserted here.
//
// SPDX-License-Identifier: GPL-3.0-or-later

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import readline from 'node:readline';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';

import { LossyLink, NetnsUnavailable } from './netns.mjs';
import * as viewer from './webrtc-stats.mjs';
import { CHROMIUM_ARGS } from './chromium-args.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const ONAIR_BIN = path.resolve(process.env.ONAIR_BIN || path.join(here, '../../build/src/onair'));
const FIXTURE_BIN = path.resolve(process.env.FIXTURE_BIN || path.join(here, '../../build/tests/onair-rtsp-fixture'));
const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium';
const LOSS = 0.05;
const SECONDS = 6;

const { chromium } = await import('playwright-core');

let link = null;
let skip = false;
let browser = null;
const children = [];
const stderrOf = new Map();

try {
  link = new LossyLink().create();
} catch (error) {
  if (!(error instanceof NetnsUnavailable))
    throw error;
  skip = 'no lossy link: ' + error.message;
  console.log('skipped: ' + skip);
}

/* Starts @argv in the server's namespace; resolves to the first match of
 * @re on its stdout. */
function startInServer (argv, re, env = process.env) {
  const proc = link.spawn(link.serverNs, argv, { env, stdio: ['ignore', 'pipe', 'pipe'] });
  children.push(proc);
  let stderr = '';
  proc.stderr.on('data', (chunk) => {
    stderr = (stderr + chunk).slice(-4000);
    stderrOf.set(argv[0], stderr);
  });
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${argv[0]} printed nothing useful in 15 s:\n${stderr}`)), 15000);
    readline.createInterface({ input: proc.stdout }).on('line', (line) => {
      const match = re.exec(line);
      if (match) {
        clearTimeout(timer);
        resolve(match[1]);
      }
    });
    proc.once('exit', (code) => reject(new Error(`${argv[0]} exited (${code}):\n${stderr}`)));
  });
}

async function stopAll () {
  for (const proc of children.splice(0).reverse()) {
    if (proc.exitCode !== null)
      continue;
    const gone = new Promise((resolve) => proc.once('exit', resolve));
    proc.kill('SIGTERM');
    await Promise.race([gone, sleep(5000)]);
    if (proc.exitCode === null)
      proc.kill('SIGKILL');
  }
}

before(async () => {
  if (skip)
    return;
  browser = await chromium.launch({
    executablePath: link.wrapper(link.phoneNs, CHROMIUM),
    args: [...CHROMIUM_ARGS],
  });
});

after(async () => {
  await browser?.close().catch(() => {});
  await stopAll();
  link?.remove();
});

/* The RTX payload type the answer pairs with the video's, and the SSRCs
 * of its FID group. */
function rtxOf (answer) {
  const media = /^m=video \d+ \S+ (\d+)/m.exec(answer);
  const apt = /^a=fmtp:(\d+) apt=(\d+)/m.exec(answer);
  const fid = /^a=ssrc-group:FID (\d+) (\d+)/m.exec(answer);
  return {
    videoPt: media && media[1],
    rtxPt: apt && apt[1],
    apt: apt && apt[2],
    rtxIsRtx: apt ? new RegExp(`^a=rtpmap:${apt[1]} rtx/90000`, 'm').test(answer) : false,
    fid: fid ? [Number(fid[1]), Number(fid[2])] : null,
  };
}

async function lossyViewer (url) {
  const page = await browser.newPage();
  try {
    await page.goto(new URL('api/status', url).href);
    // Connected without loss: a DTLS handshake that loses a flight waits
    // seconds for its retransmission, and startup is not what this tests.
    const answer = await viewer.openViewer(page);
    if (!await viewer.waitFirstFrame(page, 15000)) {
      const state = await page.evaluate(() => {
        const pc = window.__onairViewer.pc;
        return `ICE ${pc.iceConnectionState}, connection ${pc.connectionState}`;
      });
      assert.fail(`no first frame within 15 s: ${state}, ${JSON.stringify(await viewer.readInbound(page))}\n` +
                  `On Air said:\n${stderrOf.get(ONAIR_BIN) || ''}\nIts answer:\n${answer}`);
    }
    link.setLoss(LOSS);
    const before = await viewer.readInbound(page);
    await sleep(SECONDS * 1000);
    const figures = viewer.delta(before, await viewer.readInbound(page));
    await viewer.closeViewer(page);
    return { answer, figures };
  } finally {
    link.setLoss(0);
    await page.close();
  }
}

function assertRecovered ({ answer, figures }) {
  const rtx = rtxOf(answer);
  assert.ok(rtx.rtxPt && rtx.rtxIsRtx, 'the answer offers RTX:\n' + answer);
  assert.equal(rtx.apt, rtx.videoPt, 'RTX repairs the video payload type');
  assert.ok(rtx.fid && rtx.fid[0] !== 0 && rtx.fid[1] !== 0, 'the FID group names both SSRCs:\n' + answer);
  assert.ok(figures.nackCount > 0, `the browser sent NACKs (the loss is real): ${JSON.stringify(figures)}`);
  assert.ok(figures.retransmittedPacketsReceived > 0,
            `lost packets came again as retransmissions: ${JSON.stringify(figures)}`);
}

test('test pattern, transcoded: lost packets are resent on NACK', { skip }, async () => {
  const url = await startInServer([ONAIR_BIN, '--headless', '--source', 'test', '--port', '8080',
    '--bind', link.serverAddr, '--no-token'], /(https?:\/\/\S+)/);
  try {
    assertRecovered(await lossyViewer(url));
  } finally {
    await stopAll();
  }
});

test('RTSP camera, H.264 passed through: lost packets are resent on NACK', { skip }, async () => {
  const camera = await startInServer([FIXTURE_BIN], /^(rtsp:\/\/\S+)/);
  const url = await startInServer([ONAIR_BIN, '--headless', '--source', camera, '--port', '8080',
    '--bind', link.serverAddr, '--no-token'], /(https?:\/\/\S+)/);
  try {
    assertRecovered(await lossyViewer(url));
  } finally {
    await stopAll();
  }
});
