// Sound on the viewer page, in headless Chromium against a real
// `onair --headless --source test` on 127.0.0.1 (its test tone). Run:
// node --test tests/e2e/audio.test.mjs (ONAIR_BIN: the built binary).
//
// SPDX-License-Identifier: GPL-3.0-or-later

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { PHONE, startCamera, startOnAir, useChromium } from './harness.mjs';

const TOKEN = 'e2eAudio-' + Math.random().toString(36).slice(2, 12).padEnd(10, 'x');
const browser = useChromium();
const startServer = (source) => startOnAir({ source, token: TOKEN });

/* The page's peer connections, for getStats(). */
function keepPeerConnections () {
  const Native = window.RTCPeerConnection;
  window.__pcs = [];
  window.RTCPeerConnection = class extends Native {
    constructor (...args) {
      super(...args);
      window.__pcs.push(this);
    }
  };
}

async function inboundAudio (page) {
  return page.evaluate(async () => {
    for (const pc of window.__pcs.slice().reverse()) {
      if (pc.connectionState !== 'connected')
        continue;
      const report = await pc.getStats();
      for (const stat of report.values())
        if (stat.type === 'inbound-rtp' && stat.kind === 'audio')
          return { samples: stat.totalSamplesReceived || 0, level: stat.audioLevel || 0,
                   packets: stat.packetsReceived || 0 };
    }
    return null;
  });
}

async function waitFor (what, check, timeoutMs = 10000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value)
      return value;
    if (Date.now() > deadline)
      assert.fail('timed out waiting for ' + what);
    await sleep(100);
  }
}

test('the test tone plays: muted first, one tap unmutes, the choice is kept; MJPEG says it has no sound', async (t) => {
  const server = await startServer('test');
  t.after(server.stop);
  const context = await browser().newContext(PHONE);
  t.after(() => context.close().catch(() => {}));
  await context.addInitScript(keepPeerConnections);
  const page = await context.newPage();
  const errors = [];
  page.on('pageerror', (error) => errors.push(error.message));

  await page.goto(server.url);
  await page.waitForFunction(() => /^Live · WebRTC/.test(document.querySelector('[role=status]').textContent),
                             null, { timeout: 15000 });
  const button = page.locator('#sound');
  await waitFor('the sound button', () => button.isVisible());
  assert.equal(await button.textContent(), 'Sound off');
  assert.equal(await page.evaluate(() => document.getElementById('video').muted), true, 'starts muted');

  // Sound arrives and is decoded while muted.
  const first = await waitFor('inbound audio', () => inboundAudio(page));
  const grown = await waitFor('totalSamplesReceived to grow', async () => {
    const now = await inboundAudio(page);
    return now && now.samples > first.samples + 24000 ? now : null;
  });
  assert.ok(grown.packets > 0);

  // One tap: sound on, heard, remembered.
  await button.click();
  assert.equal(await page.evaluate(() => document.getElementById('video').muted), false, 'unmuted by one tap');
  assert.equal(await button.textContent(), 'Sound on');
  const loud = await waitFor('audioLevel > 0', async () => {
    const now = await inboundAudio(page);
    return now && now.level > 0 ? now : null;
  });
  assert.ok(loud.level > 0.01, `audioLevel ${loud.level}`);
  assert.equal(await page.evaluate(() => localStorage.getItem('onair-sound')), 'on');

  // The next visit has sound at once (autoplay is allowed here).
  await page.reload();
  await waitFor('sound restored', () => page.evaluate(() => {
    const video = document.getElementById('video');
    return !video.paused && !video.muted;
  }), 15000);
  assert.equal(await button.textContent(), 'Sound on');

  // MJPEG carries no sound, and the page says so.
  await page.locator('#switch').click();
  await waitFor('the MJPEG note', () => page.locator('#sound-note').isVisible());
  assert.equal(await page.locator('#sound-note').textContent(), 'No sound with MJPEG');
  assert.equal(await button.isVisible(), false);
  assert.deepEqual(errors, []);
});

for (const codec of ['opus', 'pcma']) {
  test(`an RTSP camera's sound (${codec}) plays in the page`, async (t) => {
    const camera = await startCamera({ audio: codec });
    t.after(camera.stop);
    const server = await startServer(camera.url);
    t.after(server.stop);
    const context = await browser().newContext(PHONE);
    t.after(() => context.close().catch(() => {}));
    await context.addInitScript(keepPeerConnections);
    const page = await context.newPage();

    await page.goto(server.url);
    await page.waitForFunction(() => /^Live · WebRTC/.test(document.querySelector('[role=status]').textContent),
                               null, { timeout: 20000 });
    const first = await waitFor('inbound audio', () => inboundAudio(page), 15000);
    await waitFor('totalSamplesReceived to grow', async () => {
      const now = await inboundAudio(page);
      return now && now.samples > first.samples + 24000 ? now : null;
    }, 15000);
    await page.locator('#sound').click();
    const loud = await waitFor('audioLevel > 0', async () => {
      const now = await inboundAudio(page);
      return now && now.level > 0 ? now : null;
    }, 15000);
    assert.ok(loud.level > 0.01, `audioLevel ${loud.level}`);
  });
}

/* The answer with the sound's SSRC lines (and so its msid) taken out, as
 * a server that does not know the sound's SSRC yet writes it: the browser
 * then puts the sound in a stream of its own. */
function withoutSoundMsid (sdp) {
  const sections = sdp.split(/\r\n(?=m=)/);
  return sections.map((section) => /^m=audio /.test(section)
    ? section.split('\r\n').filter((line) => !/^a=(ssrc|msid)/.test(line)).join('\r\n')
    : section).join('\r\n');
}

test('an answer whose sound has no msid still shows the picture, with its sound', async (t) => {
  const server = await startServer('test');
  t.after(server.stop);
  const context = await browser().newContext(PHONE);
  t.after(() => context.close().catch(() => {}));
  await context.addInitScript(keepPeerConnections);
  await context.addInitScript(() => {
    window.__trackStreams = [];
    const Native = window.RTCPeerConnection;
    window.RTCPeerConnection = class extends Native {
      constructor (...args) {
        super(...args);
        this.addEventListener('track', (event) => window.__trackStreams.push(event.streams.map((s) => s.id).join()));
      }
    };
  });
  let rewritten = 0;
  await context.route('**/whep', async (route) => {
    const response = await route.fetch();
    const body = await response.text();
    if (response.status() !== 201)
      return route.fulfill({ response, body });
    rewritten++;
    return route.fulfill({ response, body: withoutSoundMsid(body) });
  });
  const page = await context.newPage();

  await page.goto(server.url);
  await page.waitForFunction(() => /^Live · WebRTC/.test(document.querySelector('[role=status]').textContent),
                             null, { timeout: 15000 });
  assert.ok(rewritten > 0, 'the answer went through the rewrite');
  const streams = await page.evaluate(() => window.__trackStreams);
  assert.equal(streams.length, 2, 'a video and an audio track');
  assert.notEqual(streams[0], streams[1], `the browser gave them different streams: ${streams}`);
  const kinds = await page.evaluate(() => document.getElementById('video').srcObject.getTracks().map((t) => t.kind).sort());
  assert.deepEqual(kinds, ['audio', 'video'], 'the picture and the sound play from one element');
  await page.locator('#sound').click();
  const loud = await waitFor('audioLevel > 0', async () => {
    const now = await inboundAudio(page);
    return now && now.level > 0 ? now : null;
  });
  assert.ok(loud.level > 0.01, `audioLevel ${loud.level}`);
});
