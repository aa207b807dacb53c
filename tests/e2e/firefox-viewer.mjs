// firefox-viewer.mjs: Debian's Firefox ESR opens On Air's viewer page and
// says what it saw, as one JSON line on stdout.
//
//   node firefox-viewer.mjs URL [--seconds 3] [--settle 0]
//
// Firefox is driven headless by puppeteer-core over WebDriver BiDi. Its
// BiDi socket listens on the loopback of the network namespace it runs
// in, so this program runs beside it (`ip netns exec PHONE node …`, as the
// Firefox test and bench/firefox.mjs do): Firefox gathers no ICE
// candidate on loopback, so it needs a namespace of its own with a veth
// to reach On Air (tests/e2e/netns.mjs), and a driver outside that
// namespace could not reach the BiDi socket.
//
// The page is the real one; an init script keeps a reference to every
// RTCPeerConnection it makes and counts the frames the <video> presents
// (requestVideoFrameCallback). Once the status says "Live · WebRTC",
// after --settle seconds, inbound-rtp is read, again after --seconds,
// and the difference is reported with every status the page showed.
// Exit status 0 when the report was printed, whatever it says: the caller
// judges it. FIREFOX names another binary.
//
// SPDX-License-Identifier: GPL-3.0-or-later

import { createRequire } from 'node:module';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const require = createRequire(import.meta.url);
const FIREFOX = process.env.FIREFOX || '/usr/bin/firefox-esr';
const LIVE_WITHIN_MS = 20000;
const FIELDS = ['framesDecoded', 'framesDropped', 'framesReceived', 'freezeCount', 'totalFreezesDuration',
  'nackCount', 'pliCount', 'firCount', 'packetsLost', 'packetsReceived', 'keyFramesDecoded', 'bytesReceived'];

function parseArgs () {
  const args = { url: null, seconds: 3, settle: 0 };
  const argv = process.argv.slice(2);
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--seconds' || argv[i] === '--settle')
      args[argv[i].slice(2)] = Number(argv[++i]);
    else if (!args.url)
      args.url = argv[i];
    else
      args.url = null;
  }
  if (!args.url || !(args.seconds > 0) || !(args.settle >= 0)) {
    console.error('usage: node firefox-viewer.mjs URL [--seconds S] [--settle S]');
    process.exit(2);
  }
  return args;
}

/* Runs in the page before its scripts: every peer connection, the status
 * line's history, and the frames the video presents. */
const INIT = () => {
  const Native = window.RTCPeerConnection;
  window.__onairPcs = [];
  if (typeof Native === 'function') {
    window.RTCPeerConnection = class extends Native {
      constructor (...args) {
        super(...args);
        window.__onairPcs.push(this);
        // Kept here: a closed connection no longer tells its descriptions.
        this.addEventListener('signalingstatechange', () => {
          if (this.localDescription)
            this.__offer = this.localDescription.sdp;
          if (this.remoteDescription)
            this.__answer = this.remoteDescription.sdp;
        });
      }
    };
  }
  window.__onairStatuses = [];
  window.__onairPresented = 0;
  addEventListener('DOMContentLoaded', () => {
    const el = document.querySelector('[role=status]');
    const note = () => {
      const list = window.__onairStatuses;
      if (el && el.textContent && list[list.length - 1] !== el.textContent)
        list.push(el.textContent);
    };
    if (el)
      new MutationObserver(note).observe(el, { childList: true, characterData: true, subtree: true });
    const video = document.querySelector('video');
    if (video && typeof video.requestVideoFrameCallback === 'function') {
      const onFrame = (now, meta) => {
        window.__onairPresented = meta.presentedFrames;
        video.requestVideoFrameCallback(onFrame);
      };
      video.requestVideoFrameCallback(onFrame);
    }
  });
};

/* The figures of the page's last peer connection now. */
function read (page) {
  return page.evaluate(async (fields) => {
    const pc = window.__onairPcs[window.__onairPcs.length - 1];
    const out = { at: performance.now(), presented: window.__onairPresented, pcs: window.__onairPcs.length };
    if (!pc)
      return out;
    out.connectionState = pc.connectionState;
    out.iceConnectionState = pc.iceConnectionState;
    const report = await pc.getStats();
    report.forEach((r) => {
      if (r.type === 'inbound-rtp' && (r.kind || r.mediaType) === 'video') {
        out.inbound = true;
        for (const f of fields)
          if (typeof r[f] === 'number')
            out[f] = r[f];
        out.codec = r.codecId && report.get(r.codecId) ? report.get(r.codecId).mimeType : null;
      }
    });
    return out;
  }, FIELDS);
}

function delta (before, after) {
  const seconds = (after.at - before.at) / 1000;
  const d = { seconds };
  for (const f of FIELDS)
    if (typeof after[f] === 'number')
      d[f] = after[f] - (before[f] || 0);
  d.fps = (d.framesDecoded || 0) / seconds;
  d.presentedFps = (after.presented - before.presented) / seconds;
  // A new connection started its counters from 0: these are no figures.
  d.reconnected = after.pcs !== before.pcs;
  return d;
}

async function main () {
  const args = parseArgs();
  const puppeteer = require(path.join(here, 'node_modules/puppeteer-core'));
  const report = { firefox: null, statuses: [], logs: [] };
  const browser = await puppeteer.launch({
    browser: 'firefox',
    executablePath: FIREFOX,
    headless: true,
    // Never reach out: no updates, telemetry or captive-portal probes.
    extraPrefsFirefox: {
      'app.update.enabled': false,
      'network.captive-portal-service.enabled': false,
      'network.connectivity-service.enabled': false,
      'datareporting.policy.dataSubmissionEnabled': false,
      'toolkit.telemetry.enabled': false,
      'media.gmp-manager.url': '',
      'media.gmp-gmpopenh264.autoupdate': false,
    },
  });
  try {
    report.firefox = await browser.version();
    const page = await browser.newPage();
    await page.setViewport({ width: 1280, height: 800 });
    page.on('console', (message) => report.logs.push(message.text()));
    page.on('pageerror', (error) => report.logs.push('uncaught: ' + error.message));
    await page.evaluateOnNewDocument(INIT);
    await page.goto(args.url);
    const statusNow = () => page.evaluate(() => {
      const el = document.querySelector('[role=status]');
      return el ? el.textContent : '';
    });
    const end = Date.now() + LIVE_WITHIN_MS;
    let status = await statusNow();
    while (!/^Live · WebRTC · \S+ · \d+×\d+$/.test(status) && !/MJPEG/.test(status) && Date.now() < end) {
      await sleep(100);
      status = await statusNow();
    }
    report.liveAfterMs = Date.now() - (end - LIVE_WITHIN_MS);
    if (/^Live · WebRTC/.test(status)) {
      await sleep(args.settle * 1000);
      const before = await read(page);
      await sleep(args.seconds * 1000);
      const after = await read(page);
      report.before = before;
      report.after = after;
      report.delta = delta(before, after);
    }
    report.finalStatus = await statusNow();
    report.statuses = await page.evaluate(() => window.__onairStatuses);
    Object.assign(report, await page.evaluate(() => {
      const pc = window.__onairPcs[window.__onairPcs.length - 1];
      return { offer: pc ? pc.__offer : null, answer: pc ? pc.__answer : null };
    }));
  } finally {
    await browser.close().catch(() => {});
  }
  console.log(JSON.stringify(report));
}

await main();
