// chromium-latency.mjs: one headless Chromium viewer of the On Air page.
//
//   node chromium-latency.mjs --url http://127.0.0.1:PORT/ --mode webrtc|mjpeg --seconds 10 [--loads N]
//
// Loads the viewer page and measures, inside the page:
// - first_frame_ms: from navigation start (performance.timeOrigin) to the
//   first frame shown: requestVideoFrameCallback for WebRTC; for MJPEG the
//   first animation frame in which the <img> has a decoded picture.
// - with --loads N, N − 1 more tabs are opened one after the other, each
//   once the last one's viewer has left, and closed at their first frame:
//   first_frame_after_load_samples_ms and their median.
// - first_frame_after_connected_*: per load, from the WebRTC connection
//   being up (ICE and DTLS) to that first frame: the wait for a keyframe.
// - latency: every frame shown is drawn to a canvas; the 32 blocks of the
//   capture-time stamp at the top left are read back (centre of each 16×16
//   block, luma >= 128 is a 1, most significant bit first) and compared with
//   Date.now() mod 2^32. Samples from the first second after the first frame
//   are left out (start-up).
// MJPEG mode removes RTCPeerConnection before the page runs, so the page
// takes its MJPEG path as a browser without WebRTC would.
//
// Prints one JSON line. Exit status 0 when a frame was shown, 1 when none
// was, 2 on bad arguments. Uses Debian's /usr/bin/chromium; never downloads
// a browser.
//
// SPDX-License-Identifier: GPL-3.0-or-later

import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CHROMIUM_ARGS } from '../tests/e2e/chromium-args.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const require = createRequire(import.meta.url);

function loadPlaywright () {
  // The bench's own node_modules first, then the e2e tests'.
  for (const base of [here, join(here, '..', 'tests', 'e2e')]) {
    try {
      return require(require.resolve('playwright-core', { paths: [base] }));
    } catch (error) {
      if (error.code !== 'MODULE_NOT_FOUND')
        throw error;
    }
  }
  return null;
}

function parseArgs (argv) {
  const args = { url: '', mode: 'webrtc', seconds: 10, timeout: 15, loads: 1, chromium: '/usr/bin/chromium' };
  for (let i = 2; i < argv.length; i++) {
    const key = argv[i].replace(/^--/, '');
    const value = argv[++i];
    if (!(key in args) || value === undefined)
      throw new Error('unknown or incomplete option ' + argv[i - 1]);
    args[key] = typeof args[key] === 'number' ? Number(value) : value;
  }
  if (!args.url || !['webrtc', 'mjpeg'].includes(args.mode) || !(args.seconds > 0))
    throw new Error('need --url, --mode webrtc|mjpeg and --seconds > 0');
  return args;
}

// Runs in the page before its own scripts.
function initScript (mode) {
  const bench = {
    mode,
    first_frame_ms: null,
    frames: 0,
    first_at: 0,
    last_at: 0,
    latencies: [],
    receive_latencies: [],
    first_receive_ms: null,
    connected_ms: null,
    unreadable: 0,
    errors: [],
    pcs: [],
  };
  window.__bench = bench;
  if (mode === 'webrtc' && typeof window.RTCPeerConnection === 'function') {
    // Keep a handle on the page's connection, for its receive statistics.
    const Original = window.RTCPeerConnection;
    window.RTCPeerConnection = class extends Original {
      constructor (...args) {
        super(...args);
        bench.pcs.push(this);
        // ICE and DTLS up: from here the first frame waits for media only.
        this.addEventListener('connectionstatechange', () => {
          if (this.connectionState === 'connected' && bench.connected_ms === null)
            bench.connected_ms = performance.now();
        });
      }
    };
  }
  if (mode === 'mjpeg') {
    // A browser without WebRTC: the page must take its MJPEG path.
    delete window.RTCPeerConnection;
    delete window.webkitRTCPeerConnection;
    window.RTCPeerConnection = undefined;
  }

  const canvas = document.createElement('canvas');
  canvas.width = 512;
  canvas.height = 16;
  const ctx = canvas.getContext('2d', { willReadFrequently: true });

  function readStamp (source) {
    ctx.drawImage(source, 0, 0, 512, 16, 0, 0, 512, 16);
    const data = ctx.getImageData(0, 0, 512, 16).data;
    let value = 0;
    for (let bit = 0; bit < 32; bit++) {
      const o = (8 * 512 + bit * 16 + 8) * 4;
      const luma = 0.299 * data[o] + 0.587 * data[o + 1] + 0.114 * data[o + 2];
      if (luma > 80 && luma < 170)
        return null; // grey: not a stamp
      value = value * 2 + (luma >= 128 ? 1 : 0);
    }
    return value >>> 0;
  }

  function shown (source, stamp, receiveTime) {
    const now = performance.now();
    const wall = Date.now();
    if (bench.first_frame_ms === null) {
      bench.first_frame_ms = now;
      bench.first_at = now;
      if (receiveTime !== undefined)
        bench.first_receive_ms = receiveTime;
    }
    bench.frames++;
    bench.last_at = now;
    if (stamp === null) {
      bench.unreadable++;
      return;
    }
    if (now - bench.first_at < 1000)
      return;
    // Signed difference modulo 2^32.
    const since = (ms) => {
      let d = (ms % 4294967296) - stamp;
      if (d > 2147483647) d -= 4294967296;
      if (d < -2147483648) d += 4294967296;
      return d;
    };
    bench.latencies.push(since(wall));
    // The last packet of the frame reached Chromium at receiveTime.
    if (receiveTime !== undefined)
      bench.receive_latencies.push(since(wall - (now - receiveTime)));
  }

  function watchVideo (video) {
    const onFrame = (now, metadata) => {
      try {
        shown(video, readStamp(video), metadata && metadata.receiveTime);
      } catch (error) {
        bench.errors.push(String(error));
      }
      video.requestVideoFrameCallback(onFrame);
    };
    video.requestVideoFrameCallback(onFrame);
  }

  function watchImage (img) {
    let last = null;
    const onAnimationFrame = () => {
      if (img.complete && img.naturalWidth > 0 && !img.hidden) {
        try {
          const stamp = readStamp(img);
          // Each new picture has a new stamp: count those only.
          if (stamp === null || stamp !== last) {
            shown(img, stamp);
            last = stamp;
          }
        } catch (error) {
          bench.errors.push(String(error));
        }
      }
      requestAnimationFrame(onAnimationFrame);
    };
    requestAnimationFrame(onAnimationFrame);
  }

  document.addEventListener('DOMContentLoaded', () => {
    if (mode === 'webrtc')
      watchVideo(document.getElementById('video'));
    else
      watchImage(document.getElementById('mjpeg'));
  });
}

function percentile (sorted, p) {
  if (sorted.length === 0)
    return null;
  const rank = Math.ceil(p / 100 * sorted.length);
  return sorted[Math.min(Math.max(rank, 1), sorted.length) - 1];
}

// One more page load, for the first frame only: a new tab on the link,
// closed once it shows a frame (it ends its WHEP session as a tab does).
async function firstFrameOnce (context, args) {
  const page = await context.newPage();
  try {
    await page.addInitScript(initScript, args.mode);
    await page.goto(args.url, { waitUntil: 'commit' });
    await page.waitForFunction(() => window.__bench && window.__bench.first_frame_ms !== null, null,
                               { timeout: args.timeout * 1000, polling: 20 });
    // The load event may come after the first frame.
    await page.waitForFunction(() => performance.getEntriesByType('navigation')[0].loadEventEnd > 0, null,
                               { timeout: args.timeout * 1000, polling: 20 });
    return await page.evaluate(() => ({
      after_load: window.__bench.first_frame_ms - performance.getEntriesByType('navigation')[0].loadEventEnd,
      after_connected: window.__bench.connected_ms !== null ? window.__bench.first_frame_ms - window.__bench.connected_ms : null,
    }));
  } catch (error) {
    return null;
  } finally {
    await page.close({ runBeforeUnload: true });
  }
}

async function main () {
  let args;
  try {
    args = parseArgs(process.argv);
  } catch (error) {
    console.error('chromium-latency: ' + error.message);
    process.exit(2);
  }
  const playwright = loadPlaywright();
  if (playwright === null) {
    console.error('chromium-latency: playwright-core is not installed (npm ci --prefix bench)');
    process.exit(2);
  }

  const browser = await playwright.chromium.launch({
    executablePath: args.chromium,
    args: [...CHROMIUM_ARGS],
  });
  const result = { mode: args.mode, url: args.url };
  try {
    const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    const page = await context.newPage();
    const consoleLines = [];
    page.on('console', (m) => { if (consoleLines.length < 50) consoleLines.push(m.text()); });
    await page.addInitScript(initScript, args.mode);
    await page.goto(args.url, { waitUntil: 'commit' });
    try {
      await page.waitForFunction(() => window.__bench && window.__bench.first_frame_ms !== null, null,
                                 { timeout: args.timeout * 1000, polling: 20 });
    } catch (error) {
      result.error = 'no frame within ' + args.timeout + ' s';
    }
    if (!result.error)
      await page.waitForTimeout(args.seconds * 1000 + 1000);
    // Where the WebRTC delay goes, from the receiver's own statistics.
    const receiver = await page.evaluate(async () => {
      const pc = window.__bench.pcs.filter((p) => p.connectionState !== 'closed').pop();
      if (!pc)
        return null;
      const stats = await pc.getStats();
      let inbound = null, pair = null;
      stats.forEach((r) => {
        if (r.type === 'inbound-rtp' && r.kind === 'video')
          inbound = r;
        if (r.type === 'candidate-pair' && r.nominated && r.state === 'succeeded')
          pair = r;
      });
      if (!inbound)
        return null;
      const per = (total, count) => (count ? 1000 * total / count : null);
      return {
        codec_frames_decoded: inbound.framesDecoded,
        frames_received: inbound.framesReceived,
        frames_dropped: inbound.framesDropped,
        packets_lost: inbound.packetsLost,
        freeze_count: inbound.freezeCount,
        jitter_buffer_ms: per(inbound.jitterBufferDelay, inbound.jitterBufferEmittedCount),
        jitter_buffer_target_ms: per(inbound.jitterBufferTargetDelay, inbound.jitterBufferEmittedCount),
        jitter_buffer_minimum_ms: per(inbound.jitterBufferMinimumDelay, inbound.jitterBufferEmittedCount),
        assembly_ms: per(inbound.totalAssemblyTime, inbound.framesAssembledFromMultiplePackets),
        decode_ms: per(inbound.totalDecodeTime, inbound.framesDecoded),
        processing_ms: per(inbound.totalProcessingDelay, inbound.framesDecoded),
        decoder: inbound.decoderImplementation,
        round_trip_ms: pair && pair.currentRoundTripTime !== undefined ? 1000 * pair.currentRoundTripTime : null,
      };
    });
    const bench = await page.evaluate(() => {
      const nav = performance.getEntriesByType('navigation')[0];
      const resources = performance.getEntriesByType('resource').map((e) => ({
        name: e.name.replace(/^.*\//, '').replace(/\?.*$/, ''),
        start_ms: e.startTime,
        first_byte_ms: e.responseStart,
        end_ms: e.responseEnd,
      }));
      return Object.assign({}, window.__bench, { pcs: undefined, resources,
        dom_content_loaded_ms: nav ? nav.domContentLoadedEventEnd : null,
        load_ms: nav ? nav.loadEventEnd : null,
        status_text: document.getElementById('status') ? document.getElementById('status').textContent : '',
        video_size: (() => {
          const v = document.getElementById('video');
          const i = document.getElementById('mjpeg');
          if (window.__bench.mode === 'webrtc')
            return v ? [v.videoWidth, v.videoHeight] : null;
          return i ? [i.naturalWidth, i.naturalHeight] : null;
        })(),
      });
    });
    const lat = bench.latencies.slice().sort((a, b) => a - b);
    const rlat = bench.receive_latencies.slice().sort((a, b) => a - b);
    const span = (bench.last_at - bench.first_at) / 1000;
    Object.assign(result, {
      first_frame_ms: bench.first_frame_ms,
      load_ms: bench.load_ms,
      first_frame_after_load_ms: bench.first_frame_ms !== null && bench.load_ms ? bench.first_frame_ms - bench.load_ms : null,
      first_frame_after_connected_ms: bench.first_frame_ms !== null && bench.connected_ms !== null
        ? bench.first_frame_ms - bench.connected_ms : null,
      frames: bench.frames,
      fps: span > 0 ? (bench.frames - 1) / span : null,
      latency_ms: { p50: percentile(lat, 50), p95: percentile(lat, 95), min: lat[0] ?? null,
                    max: lat.length ? lat[lat.length - 1] : null, samples: lat.length },
      // Stamp to the moment the frame's last packet arrived: the server and the network.
      receive_latency_ms: rlat.length ? { p50: percentile(rlat, 50), p95: percentile(rlat, 95), samples: rlat.length } : null,
      first_receive_ms: bench.first_receive_ms,
      dom_content_loaded_ms: bench.dom_content_loaded_ms,
      resources: bench.resources.slice(0, 12),
      unreadable: bench.unreadable,
      status_text: bench.status_text,
      video_size: bench.video_size,
      receiver,
      page_errors: bench.errors.slice(0, 5),
      console: consoleLines.slice(0, 10),
    });
    // Leave as a closing tab does: the page ends its WHEP session on pagehide.
    await page.close({ runBeforeUnload: true });
    await new Promise((r) => setTimeout(r, 300));

    // The first frame varies from load to load: more loads, each after the
    // last one's viewer has gone (so each starts the server cold again).
    const samples = [result.first_frame_after_load_ms];
    const waits = [result.first_frame_after_connected_ms];
    for (let i = 1; i < args.loads; i++) {
      await new Promise((r) => setTimeout(r, 1500));
      const once = await firstFrameOnce(context, args);
      samples.push(once ? once.after_load : null);
      waits.push(once ? once.after_connected : null);
    }
    const sorted = samples.filter((v) => v !== null).sort((a, b) => a - b);
    result.first_frame_after_load_samples_ms = samples;
    result.first_frame_after_load_median_ms = sorted.length === samples.length ? percentile(sorted, 50) : null;
    // From connected (ICE and DTLS) to the first frame shown: waiting for a
    // keyframe, then its transfer and decode.
    const sortedWaits = waits.filter((v) => v !== null).sort((a, b) => a - b);
    result.first_frame_after_connected_samples_ms = waits;
    result.first_frame_after_connected_median_ms = sortedWaits.length ? percentile(sortedWaits, 50) : null;
  } finally {
    await browser.close();
  }
  console.log(JSON.stringify(result));
  process.exit(result.first_frame_ms !== null && result.first_frame_ms !== undefined ? 0 : 1);
}

main().catch((error) => {
  console.error('chromium-latency: ' + (error && error.stack || error));
  process.exit(3);
});
