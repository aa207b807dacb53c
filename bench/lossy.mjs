// lossy.mjs: WebRTC playback over a lossy link (bench/run.py --lossy).
//
//   node lossy.mjs --onair PATH --fixture PATH [--losses 0,1,2,5]
//                  [--sources test,rtsp] [--seconds 20] [--runs 1]
//                  [--burst N --whep-client PATH] [--burst-nice 0|19]
//                  [--viewer-nice 0|-10]
//                  [--codec h264|vp8]
//
// On Air runs in one network namespace, headless Chromium in another,
// joined by a veth pair whose phone side drops the given percentage of
// UDP packets each way (tests/e2e/netns.mjs). For every source and loss:
// one viewer connects under that loss, is measured from 2 s after its
// first frame for --seconds with getStats() inbound-rtp, then leaves.
// Prints one JSON line per measurement and a Markdown table at the end.
// With --burst N, N more WebRTC viewers (onair-bench-whep --at-once, in
// the phone's namespace) join during the window: their offers are made
// first, then all N are POSTed together, one connection each (a class
// that scanned the QR code at once). The measured viewer, sampled twice a
// second, shows what the burst costs a viewer already watching: its fps
// over the window and in its worst second after the joins were let go
// (worstSecondFps from those samples, to about a frame a second either
// way), and from every frame its <video> showed (requestVideoFrameCallback):
// worstShownSecond, the fewest frames shown in any one second after the
// joins were let go (29 or 30 for a steady stream), and longestShownMs,
// the longest any one frame stayed on screen.
// --burst-nice 19 runs the joining client at nice 19, leaving it only the
// CPU nobody else wants: phones bring their own CPU, and here the hundred
// client webrtcbins share the two cores with On Air and the Chromium
// that is measured (bench/run.py --joins does the same). --viewer-nice -10
// runs the measured Chromium above the server, for the same reason: a
// phone does not share the server's cores, and a Chromium starved by the
// server it measures shows freezes the server did not send.
// Root only; exits 77 (skipped) where namespaces cannot be made.
//
// SPDX-License-Identifier: GPL-3.0-or-later

import { createRequire } from 'node:module';
import path from 'node:path';
import readline from 'node:readline';
import { fileURLToPath } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';

import { LossyLink, NetnsUnavailable } from '../tests/e2e/netns.mjs';
import * as viewer from '../tests/e2e/webrtc-stats.mjs';
import { CHROMIUM_ARGS } from '../tests/e2e/chromium-args.mjs';
import { sourceSpec } from './camera-launch.mjs';
import { firstLine, stop } from './child.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const require = createRequire(import.meta.url);

function parseArgs () {
  const args = { losses: '0,1,2,5', sources: 'test,rtsp', seconds: 20, runs: 1, chromium: '/usr/bin/chromium',
    onair: path.join(here, '../_build/src/onair'), fixture: path.join(here, '../_build/tests/onair-rtsp-fixture'),
    burst: 0, 'burst-nice': 0, 'viewer-nice': 0, codec: 'h264', 'whep-client': path.join(here, '../_build/bench/onair-bench-whep') };
  const argv = process.argv.slice(2);
  for (let i = 0; i < argv.length; i += 2) {
    const key = argv[i].replace(/^--/, '');
    if (!(key in args) || argv[i + 1] === undefined) {
      console.error('usage: node lossy.mjs [--onair P] [--fixture P] [--losses 0,1,2,5] [--sources test,rtsp] [--seconds 20] [--runs 1]');
      process.exit(2);
    }
    args[key] = argv[i + 1];
  }
  args.losses = args.losses.split(',').map(Number);
  args.sources = args.sources.split(',');
  args.seconds = Number(args.seconds);
  args.runs = Number(args.runs);
  args.burst = Number(args.burst);
  args['burst-nice'] = Number(args['burst-nice']);
  args['viewer-nice'] = Number(args['viewer-nice']);
  return args;
}

/* N viewers joining at once, from the phone's namespace: resolves to
 * onair-bench-whep's "connected" line (how many got video, how fast). */
function burst (link, args, url) {
  const proc = link.spawn(link.phoneNs, ['nice', '-n', String(args['burst-nice']), args['whep-client'], url, String(args.burst), '1', '--warmup', '0', '--at-once',
                                           '--bind', link.phoneAddr],
                          { stdio: ['ignore', 'pipe', 'ignore'] });
  return new Promise((resolve) => {
    let connected = null;
    readline.createInterface({ input: proc.stdout }).on('line', (line) => {
      try {
        const event = JSON.parse(line);
        if (event.event === 'connected')
          connected = event;
        if (process.env.LOSSY_DEBUG)
          console.error(line.slice(0, 2000));
      } catch (error) { /* not ours */ }
    });
    proc.once('exit', () => resolve(connected));
  });
}

async function measure (browser, url, link, loss, seconds, args) {
  link.setLoss(loss / 100);
  const page = await browser.newPage();
  try {
    await page.goto(new URL('api/status', url).href);
    const answer = await viewer.openViewer(page, { codec: args.codec });
    const rtx = /a=rtpmap:\d+ rtx\//.test(answer);
    if (!await viewer.waitFirstFrame(page, 15000))
      return { loss, error: 'no frame within 15 s', rtx };
    await sleep(2000);
    const dropped0 = link.dropped();
    const before = await viewer.readInbound(page);
    let joins = null;
    let samples = null;
    let logging = false;
    if (args.burst > 0) {
      // Sampled twice a second, so that the worst second of the burst shows.
      samples = [];
      logging = await viewer.startFrameLog(page);
      const end = Date.now() + seconds * 1000;
      const started = Date.now();
      while (Date.now() < end) {
        if (joins === null && Date.now() - started >= 2000)
          joins = burst(link, args, url);
        samples.push({ wall: Date.now(), ...await viewer.readInbound(page) });
        await sleep(500);
      }
    } else {
      await sleep(seconds * 1000);
    }
    const after = await viewer.readInbound(page);
    const d = viewer.delta(before, after);
    if (joins) {
      d.burst = await joins;
      // The joins were let go at slowest_first_frame_unix_ms − slowest_first_frame_ms.
      const released = d.burst ? d.burst.slowest_first_frame_unix_ms - d.burst.slowest_first_frame_ms : 0;
      let worst = Infinity;
      for (let i = 0; i < samples.length; i++) {
        const j = samples.findIndex((s, k) => k > i && s.at - samples[i].at >= 1000);
        if (j < 0)
          break;
        if (samples[j].wall >= released)
          worst = Math.min(worst, (samples[j].framesDecoded - samples[i].framesDecoded) * 1000 /
                                  (samples[j].at - samples[i].at));
      }
      d.worstSecondFps = Number.isFinite(worst) ? worst : null;
      // The same from the frames the <video> showed, to a frame (the
      // page's clock is the samples' at, Date.now() their wall).
      if (logging) {
        const shown = viewer.worstShownSecond(await viewer.readFrameLog(page),
                                              released + samples[0].at - samples[0].wall);
        d.worstShownSecond = shown.worst;
        d.longestShownMs = shown.longestMs;
      }
    }
    d.udpDropped = link.dropped() - dropped0;
    // RTP packets the server's per-viewer queue shed (since the viewer came)
    const status = await page.evaluate(async () => (await fetch('/api/status')).json());
    const webrtc = status.viewers.filter((v) => v.kind !== 'mjpeg');
    d.serverShed = webrtc.reduce((n, v) => n + (v.frames_dropped || 0), 0);
    // the rung the viewer ended on (ordinary loss must not move it down)
    d.rung = webrtc.map((v) => v.rung || '-').join(',');
    await viewer.closeViewer(page);
    return { loss, rtx, ...d };
  } finally {
    await page.close();
    link.setLoss(0);
  }
}

function table (rows) {
  const lines = ['| source | loss each way | fps shown | frozen (s) | freezes | NACKs | PLIs | retransmitted received | packets lost | dropped by iptables | shed by the server | RTX in answer | rung |',
    '| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |'];
  for (const r of rows) {
    if (r.error) {
      lines.push(`| ${r.source} | ${r.loss} % | ${r.error} | | | | | | | | | | |`);
      continue;
    }
    lines.push(`| ${r.source} | ${r.loss} % | ${r.fps.toFixed(1)} | ${r.totalFreezesDuration.toFixed(2)} | ${r.freezeCount} | ` +
               `${r.nackCount} | ${r.pliCount} | ${r.retransmittedPacketsReceived} | ${r.packetsLost} | ${r.udpDropped} | ` +
               `${r.serverShed} | ${r.rtx ? 'yes' : 'no'} | ${r.rung} |`);
  }
  return lines.join('\n');
}

async function main () {
  const args = parseArgs();
  let playwright;
  try {
    playwright = require(path.join(here, 'node_modules/playwright-core'));
  } catch (error) {
    playwright = require(path.join(here, '../tests/e2e/node_modules/playwright-core'));
  }
  const { chromium } = playwright;
  const link = new LossyLink();
  try {
    link.create();
  } catch (error) {
    if (error instanceof NetnsUnavailable) {
      console.error('lossy: skipped: ' + error.message);
      process.exit(77);
    }
    throw error;
  }
  const rows = [];
  let browser = null;
  const children = [];
  try {
    browser = await chromium.launch({
      executablePath: link.wrapper(link.phoneNs, args.chromium, args['viewer-nice']),
      args: [...CHROMIUM_ARGS],
    });
    for (const source of args.sources) {
      const spec = await sourceSpec(link, source, args.fixture, children);
      const onair = link.spawn(link.serverNs, [args.onair, '--headless', '--source', spec, '--port', '8080',
        '--bind', link.serverAddr, '--no-token', '--max-viewers', '0'], { stdio: ['ignore', 'pipe', 'pipe'] });
      children.push(onair);
      const url = await firstLine(onair, /(https?:\/\/\S+)/, 'onair');
      await sleep(1000);
      for (let run = 0; run < args.runs; run++)
        for (const loss of args.losses) {
          const row = { source, run, ...await measure(browser, url, link, loss, args.seconds, args) };
          console.log(JSON.stringify(row));
          rows.push(row);
        }
      for (const child of children.splice(0).reverse())
        await stop(child);
    }
  } finally {
    if (browser)
      await browser.close().catch(() => {});
    for (const child of children.reverse())
      await stop(child);
    link.remove();
  }
  console.log('\n' + table(rows));
}

await main();
