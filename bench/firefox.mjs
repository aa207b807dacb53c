// firefox.mjs: the frame rate Firefox shows (bench/run.py --firefox).
//
//   node firefox.mjs --onair PATH [--seconds 20] [--runs 3]
//
// `onair --headless --source test` (1280×720, 30 fps) runs in one network
// namespace, Debian's Firefox ESR in another, joined by a veth pair without
// loss (tests/e2e/netns.mjs): Firefox gathers no ICE candidate on loopback.
// Firefox offers VP8, VP9 and AV1 only, so On Air encodes the pattern to
// VP8 for it. Each run, a fresh Firefox opens the real viewer page
// (tests/e2e/firefox-viewer.mjs, run in the phone's namespace), waits for
// "Live · WebRTC", lets it settle 2 s and measures --seconds with
// getStats() inbound-rtp: fps = framesDecoded / seconds; beside it the
// frames the <video> presented (requestVideoFrameCallback), framesDropped,
// NACKs, PLIs and lost packets, and the CPU On Air used. Prints one JSON
// line per run and a Markdown table. Root only; exits 77 (skipped) where
// namespaces cannot be made or Firefox is missing.
//
// SPDX-License-Identifier: GPL-3.0-or-later

import { execFile } from 'node:child_process';
import { accessSync, constants, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';

import { LossyLink, NetnsUnavailable } from '../tests/e2e/netns.mjs';
import { firstLine, stop } from './child.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const DRIVER = path.join(here, '../tests/e2e/firefox-viewer.mjs');
const FIREFOX = process.env.FIREFOX || '/usr/bin/firefox-esr';

function parseArgs () {
  const args = { onair: path.join(here, '../_build/src/onair'), seconds: 20, runs: 3, label: '' };
  const argv = process.argv.slice(2);
  for (let i = 0; i < argv.length; i += 2) {
    const key = argv[i].replace(/^--/, '');
    if (!(key in args) || argv[i + 1] === undefined) {
      console.error('usage: node firefox.mjs [--onair P] [--seconds 20] [--runs 3] [--label TEXT]');
      process.exit(2);
    }
    args[key] = argv[i + 1];
  }
  args.seconds = Number(args.seconds);
  args.runs = Number(args.runs);
  return args;
}

/* CPU seconds @pid used so far (user + system), from /proc. */
function cpuSeconds (pid) {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch (error) {
    return NaN;
  }
}

/* `ip netns exec` execs On Air in place: the child's pid is On Air's. */
function viewer (link, url, seconds) {
  const argv = ['netns', 'exec', link.phoneNs, process.execPath, DRIVER, url, '--seconds', String(seconds), '--settle', '2'];
  return new Promise((resolve) => {
    execFile('ip', argv, { timeout: (seconds + 60) * 1000, maxBuffer: 1 << 22 }, (error, stdout, stderr) => {
      try {
        resolve(JSON.parse(stdout.trim().split('\n').pop()));
      } catch (parseError) {
        resolve({ error: `no report (${error ? error.message : 'exit 0'}): ${stderr.slice(-500)}` });
      }
    });
  });
}

function table (rows) {
  const lines = ['| run | fps shown (decoded) | presented | frozen (s) | freezes | frames dropped | NACKs | PLIs | packets lost | On Air CPU | status |',
    '| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |'];
  const n = (v, digits = 0) => (typeof v === 'number' ? v.toFixed(digits) : '–');
  for (const r of rows) {
    const d = r.delta && !r.delta.reconnected ? r.delta : { reconnected: r.delta?.reconnected };
    lines.push(`| ${r.run + 1} | ${n(d.fps, 1)} | ${n(d.presentedFps, 1)} | ${n(d.totalFreezesDuration, 2)} | ` +
               `${n(d.freezeCount)} | ${n(d.framesDropped)} | ${n(d.nackCount)} | ${n(d.pliCount)} | ${n(d.packetsLost)} | ` +
               `${n(r.cpuPercent)} % | ${r.error || r.finalStatus}${d.reconnected ? ' (reconnected: no figures)' : ''} |`);
  }
  return lines.join('\n');
}

async function main () {
  const args = parseArgs();
  try {
    accessSync(FIREFOX, constants.X_OK);
  } catch (error) {
    console.error(`firefox: skipped: no Firefox at ${FIREFOX}`);
    process.exit(77);
  }
  const link = new LossyLink();
  try {
    link.create();
  } catch (error) {
    if (error instanceof NetnsUnavailable) {
      console.error('firefox: skipped: ' + error.message);
      process.exit(77);
    }
    throw error;
  }
  const rows = [];
  let onair = null;
  try {
    onair = link.spawn(link.serverNs, [args.onair, '--headless', '--source', 'test', '--port', '8080',
      '--bind', link.serverAddr, '--no-token', '--max-viewers', '0'], { stdio: ['ignore', 'pipe', 'pipe'] });
    const url = await firstLine(onair, /(https?:\/\/\S+)/, 'onair');
    await sleep(1000);
    for (let run = 0; run < args.runs; run++) {
      const cpu0 = cpuSeconds(onair.pid);
      const t0 = Date.now();
      const report = await viewer(link, url, args.seconds);
      // Over the whole run (Firefox's start included): a rough share.
      const cpuPercent = 100 * (cpuSeconds(onair.pid) - cpu0) / ((Date.now() - t0) / 1000);
      const row = { label: args.label, run, firefox: report.firefox, error: report.error, finalStatus: report.finalStatus,
        statuses: report.statuses, delta: report.delta, cpuPercent, loadavg: readFileSync('/proc/loadavg', 'utf8').split(' ')[0] };
      console.log(JSON.stringify(row));
      rows.push(row);
    }
  } finally {
    await stop(onair);
    link.remove();
  }
  console.log('\n' + table(rows));
}

await main();
