// congested.mjs: a phone whose link cannot carry the shared encode beside
// one whose link can (bench/run.py --congested).
//
//   node congested.mjs --onair PATH --fixture PATH [--sources test,rtsp]
//                      [--rate 1mbit] [--seconds 30] [--runs 1]
//
// Three network namespaces: On Air's, a weak phone's and a good phone's,
// each phone joined to the server by a veth pair of its own. The server's
// end of the weak phone's pair sends through a token bucket (tc tbf) at
// --rate with 100 ms of queue: a phone at the edge of the Wi-Fi's range.
// Each phone runs headless Chromium with one WebRTC viewer; both join at
// once and are measured with getStats() inbound-rtp for --seconds from
// 2 s after their first frames (so the weak one's move to the lower rung
// is inside the window), then /api/status says which rung each is on.
// Prints one JSON line per measurement and a Markdown table at the end.
// Root only; exits 77 (skipped) where namespaces cannot be made.
//
// SPDX-License-Identifier: GPL-3.0-or-later

import { execFileSync, spawn } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';

import { CHROMIUM_ARGS } from '../tests/e2e/chromium-args.mjs';
import { sourceSpec } from './camera-launch.mjs';
import { whyNoNetns } from '../tests/e2e/netns.mjs';
import * as viewer from '../tests/e2e/webrtc-stats.mjs';
import { firstLine, stop } from './child.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const require = createRequire(import.meta.url);

function parseArgs () {
  const args = { sources: 'test,rtsp', rate: '1mbit', seconds: 30, runs: 1, chromium: '/usr/bin/chromium',
    onair: path.join(here, '../_build/src/onair'), fixture: path.join(here, '../_build/tests/onair-rtsp-fixture') };
  const argv = process.argv.slice(2);
  for (let i = 0; i < argv.length; i += 2) {
    const key = argv[i].replace(/^--/, '');
    if (!(key in args) || argv[i + 1] === undefined) {
      console.error('usage: node congested.mjs [--onair P] [--fixture P] [--sources test,rtsp] [--rate 1mbit] [--seconds 30] [--runs 1]');
      process.exit(2);
    }
    args[key] = argv[i + 1];
  }
  args.sources = args.sources.split(',');
  args.seconds = Number(args.seconds);
  args.runs = Number(args.runs);
  return args;
}

function run (argv) {
  return execFileSync(argv[0], argv.slice(1), { stdio: ['ignore', 'pipe', 'pipe'] }).toString();
}

/* The server's namespace and two phones', addresses from 10.204.0.0/16
 * (weak) and 10.205.0.0/16 (good), inside the namespaces only. */
class TwoPhones {
  constructor () {
    const id = process.pid % 250;
    this.serverNs = `onair-cs-${id}`;
    this.phones = {
      weak: { ns: `onair-cw-${id}`, serverAddr: `10.204.${id}.1`, addr: `10.204.${id}.2`, dev: `ocw${id}` },
      good: { ns: `onair-cg-${id}`, serverAddr: `10.205.${id}.1`, addr: `10.205.${id}.2`, dev: `ocg${id}` },
    };
    this.made = [];
    this.dir = mkdtempSync(path.join(os.tmpdir(), 'onair-congested-'));
  }

  create (rate) {
    run(['ip', 'netns', 'add', this.serverNs]);
    this.made.push(this.serverNs);
    run(['ip', '-n', this.serverNs, 'link', 'set', 'lo', 'up']);
    for (const phone of Object.values(this.phones)) {
      run(['ip', 'netns', 'add', phone.ns]);
      this.made.push(phone.ns);
      run(['ip', '-n', phone.ns, 'link', 'set', 'lo', 'up']);
      run(['ip', 'link', 'add', phone.dev + 's', 'netns', this.serverNs, 'type', 'veth', 'peer', 'name', phone.dev + 'p',
        'netns', phone.ns]);
      run(['ip', '-n', this.serverNs, 'addr', 'add', phone.serverAddr + '/24', 'dev', phone.dev + 's']);
      run(['ip', '-n', phone.ns, 'addr', 'add', phone.addr + '/24', 'dev', phone.dev + 'p']);
      run(['ip', '-n', this.serverNs, 'link', 'set', phone.dev + 's', 'up']);
      run(['ip', '-n', phone.ns, 'link', 'set', phone.dev + 'p', 'up']);
    }
    // What the server sends the weak phone queues for at most 100 ms, then drops.
    run(['tc', '-n', this.serverNs, 'qdisc', 'add', 'dev', this.phones.weak.dev + 's', 'root', 'tbf',
      'rate', rate, 'burst', '16kb', 'latency', '100ms']);
    const end = Date.now() + 5000;
    const pause = new Int32Array(new SharedArrayBuffer(4));
    for (const phone of Object.values(this.phones))
      while (!/\bstate UP\b/.test(run(['ip', '-n', phone.ns, '-o', 'link', 'show', 'dev', phone.dev + 'p'])) &&
             Date.now() < end)
        Atomics.wait(pause, 0, 0, 50);
  }

  /* Packets the token bucket dropped so far. */
  dropped () {
    const m = /dropped (\d+)/.exec(run(['tc', '-n', this.serverNs, '-s', 'qdisc', 'show', 'dev', this.phones.weak.dev + 's']));
    return m ? Number(m[1]) : 0;
  }

  spawn (ns, argv, options = {}) {
    return spawn('ip', ['netns', 'exec', ns, ...argv], options);
  }

  wrapper (ns, program) {
    const file = path.join(this.dir, path.basename(program) + '-in-' + ns);
    writeFileSync(file, `#!/bin/sh\nexec ip netns exec ${ns} ${program} "$@"\n`);
    chmodSync(file, 0o755);
    return file;
  }

  remove () {
    for (const ns of this.made.splice(0).reverse()) {
      try {
        run(['ip', 'netns', 'del', ns]);
      } catch (error) { /* already gone */ }
    }
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/* One phone's viewer: joins, waits for its first frame, is measured. */
async function watch (browser, url, seconds) {
  const page = await browser.newPage();
  await page.goto(new URL('api/status', url).href);
  const answer = await viewer.openViewer(page);
  const session = await page.evaluate(() => window.__onairViewer.session);
  if (!await viewer.waitFirstFrame(page, 15000))
    return { page, error: 'no frame within 15 s' };
  const id = session.split('/').pop();
  // When /api/status first lists the viewer on the lower rung (s after its first frame).
  const firstFrame = performance.now();
  let movedAfter = null;
  const poll = setInterval(async () => {
    if (movedAfter !== null || page.isClosed())
      return;
    const status = await page.evaluate(async () => (await fetch('/api/status')).json()).catch(() => null);
    const v = status && status.viewers.find((x) => x.id === id);
    if (v && v.rung === 'low' && movedAfter === null)
      movedAfter = (performance.now() - firstFrame) / 1000;
  }, 250);
  await sleep(2000);
  const before = await viewer.readInbound(page);
  await sleep(seconds * 1000);
  const after = await viewer.readInbound(page);
  clearInterval(poll);
  return { page, rtx: /a=rtpmap:\d+ rtx\//.test(answer), id, movedAfter, ...viewer.delta(before, after) };
}

async function measure (browsers, phones, urls, seconds, link) {
  const dropped0 = link.dropped();
  const results = await Promise.all(phones.map((p) => watch(browsers[p], urls[p], seconds)));
  const status = await results[0].page.evaluate(async () => (await fetch('/api/status')).json());
  const rows = [];
  for (const [i, phone] of phones.entries()) {
    const { page, ...r } = results[i];
    const v = status.viewers.find((x) => x.id === r.id);
    r.rung = v ? (v.rung || 'none') : 'gone';
    r.phone = phone;
    if (phone === 'weak')
      r.tbfDropped = link.dropped() - dropped0;
    await viewer.closeViewer(page).catch(() => {});
    await page.close();
    rows.push(r);
  }
  rows.encoders = status.source.video_encoders;
  return rows;
}

function table (rows) {
  const lines = ['| source | phone | fps shown | frozen (s) | freezes | packets lost | NACKs | PLIs | rung at the end | moved down after (s) | encoders | load |',
    '| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |'];
  for (const r of rows) {
    if (r.error) {
      lines.push(`| ${r.source} | ${r.phone} | ${r.error} | | | | | | | | | |`);
      continue;
    }
    lines.push(`| ${r.source} | ${r.phone} | ${r.fps.toFixed(1)} | ${r.totalFreezesDuration.toFixed(2)} | ${r.freezeCount} | ` +
               `${r.packetsLost} | ${r.nackCount} | ${r.pliCount} | ${r.rung} | ` +
               `${r.movedAfter === null ? '–' : r.movedAfter.toFixed(1)} | ${r.encoders} | ${r.load.toFixed(1)} |`);
  }
  return lines.join('\n');
}

async function main () {
  const args = parseArgs();
  const why = whyNoNetns() || (run(['sh', '-c', 'command -v tc || true']).trim() ? null : 'tc (iproute2) is missing');
  if (why) {
    console.error('congested: skipped: ' + why);
    process.exit(77);
  }
  let playwright;
  try {
    playwright = require(path.join(here, 'node_modules/playwright-core'));
  } catch (error) {
    playwright = require(path.join(here, '../tests/e2e/node_modules/playwright-core'));
  }
  const link = new TwoPhones();
  const rows = [];
  const browsers = {};
  const children = [];
  try {
    link.create(args.rate);
    for (const phone of ['weak', 'good'])
      browsers[phone] = await playwright.chromium.launch({
        executablePath: link.wrapper(link.phones[phone].ns, args.chromium), args: CHROMIUM_ARGS });
    for (const source of args.sources) {
      const spec = await sourceSpec(link, source, args.fixture, children);
      const onair = link.spawn(link.serverNs, [args.onair, '--headless', '--source', spec, '--port', '8080',
        '--no-token', '--max-viewers', '0'], { stdio: ['ignore', 'pipe', 'pipe'] });
      children.push(onair);
      await firstLine(onair, /(https?:\/\/\S+)/, 'onair');
      await sleep(1000);
      const urls = { weak: `http://${link.phones.weak.serverAddr}:8080/`, good: `http://${link.phones.good.serverAddr}:8080/` };
      for (let run = 0; run < args.runs; run++) {
        const measured = await measure(browsers, ['weak', 'good'], urls, args.seconds, link);
        for (const r of measured) {
          const row = { source, run, rate: args.rate, encoders: measured.encoders, load: os.loadavg()[0], ...r };
          console.log(JSON.stringify(row));
          rows.push(row);
        }
        await sleep(2000);
      }
      for (const child of children.splice(0).reverse())
        await stop(child);
    }
  } finally {
    for (const browser of Object.values(browsers))
      await browser.close().catch(() => {});
    for (const child of children.reverse())
      await stop(child);
    link.remove();
  }
  console.log('\n' + table(rows));
}

await main();
