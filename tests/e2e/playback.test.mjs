// The viewer page where playback is not a given: a browser without
// requestVideoFrameCallback (Firefox before 132), and one that refuses
// play() until the user taps (iOS in Low Power Mode). Both emulated in
// headless Chromium with init scripts, against a real `onair --headless
// --source test` on 127.0.0.1. Run: node --test tests/e2e/playback.test.mjs
// (E2E_SERVER_LOG=FILE appends the server's output to FILE).
//
// SPDX-License-Identifier: GPL-3.0-or-later

import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { PHONE, startOnAir, useChromium } from './harness.mjs';

/* Firefox before 132: no requestVideoFrameCallback, and
 * getVideoPlaybackQuality() counts no frame of live WebRTC video. */
const OLD_FIREFOX = () => {
  delete HTMLVideoElement.prototype.requestVideoFrameCallback;
  delete HTMLVideoElement.prototype.cancelVideoFrameCallback;
  const quality = HTMLVideoElement.prototype.getVideoPlaybackQuality;
  HTMLVideoElement.prototype.realFramesShown = function () {
    return quality.call(this).totalVideoFrames;
  };
  HTMLVideoElement.prototype.getVideoPlaybackQuality = function () {
    const q = quality.call(this);
    return { creationTime: q.creationTime, totalVideoFrames: 0, droppedVideoFrames: 0, corruptedVideoFrames: 0 };
  };
};

/* iOS in Low Power Mode: play() is refused, even muted, unless it was
 * once called on that element while handling a tap. (Not by
 * navigator.userActivation: headless Chromium reports it active without
 * any input now and then.) */
const REFUSED_PLAY = () => {
  let inTap = false;
  for (const type of ['pointerdown', 'pointerup', 'click', 'touchend'])
    addEventListener(type, (event) => {
      if (!event.isTrusted)
        return;
      inTap = true;
      setTimeout(() => { inTap = false; }, 0);
    }, true);
  const play = HTMLMediaElement.prototype.play;
  HTMLMediaElement.prototype.play = function () {
    if (inTap)
      this.__allowedByTap = true;
    if (!this.__allowedByTap)
      return Promise.reject(new DOMException('play() needs a tap', 'NotAllowedError'));
    return play.call(this);
  };
  // Nor does the autoplay attribute get round it.
  new MutationObserver(() => {
    document.querySelectorAll('video[autoplay]').forEach((video) => video.removeAttribute('autoplay'));
  }).observe(document, { childList: true, subtree: true });
};

const browser = useChromium();
let server;

before(async () => {
  server = await startOnAir();
});

async function openPage (t, initScript) {
  const context = await browser().newContext(PHONE);
  t.after(() => context.close().catch(() => {}));
  await context.addInitScript(initScript);
  const page = await context.newPage();
  const history = [];
  // Every status the page shows, in order, as the page shows them.
  await page.exposeFunction('__onairStatus', (text) => history.push(text));
  await page.addInitScript(() => {
    addEventListener('DOMContentLoaded', () => {
      const el = document.querySelector('[role=status]');
      let last = '';
      new MutationObserver(() => {
        if (el.textContent !== last)
          window.__onairStatus(last = el.textContent);
      }).observe(el, { childList: true, characterData: true, subtree: true });
    });
  });
  const logs = [];
  page.on('console', (message) => logs.push(`${(performance.now() / 1000).toFixed(2)} ${message.text()}`));
  page.on('pageerror', (error) => logs.push('uncaught: ' + error.message));
  return { page, history, logs };
}

const statusOf = (page) => page.getByRole('status').textContent();

async function waitForStatus (page, pattern, ms, logs = []) {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (pattern.test(await statusOf(page)))
      return;
    await sleep(100);
  }
  assert.fail(`the status never matched ${pattern} in ${ms} ms; it says “${await statusOf(page)}”; page log:\n` +
              logs.join('\n'));
}

/* Frames the <video> showed so far while playing, 0 when it does not play. */
const playing = (page) => page.evaluate(() => {
  const video = document.querySelector('video');
  const shown = video.realFramesShown ? video.realFramesShown() : video.getVideoPlaybackQuality().totalVideoFrames;
  return !video.hidden && !video.paused ? shown : 0;
});

const fullScreen = (page) => page.evaluate(() => !!document.fullscreenElement ||
                                                 document.body.classList.contains('immersive'));

test('without requestVideoFrameCallback a playing WebRTC stream stays WebRTC', async (t) => {
  const { page, history, logs } = await openPage(t, OLD_FIREFOX);
  await page.goto(server.url);
  await waitForStatus(page, /^Live · WebRTC/, 10000, logs);
  await sleep(6000); // the page gave WebRTC 3 s to show a frame before
  assert.match(await statusOf(page), /^Live · WebRTC/, 'still WebRTC; page log:\n' + logs.join('\n'));
  assert.ok(!history.some((s) => /MJPEG|Reconnecting/.test(s)), 'statuses: ' + history.join(' → '));
  assert.ok(await page.locator('img[alt="Live video"]').isHidden(), 'the MJPEG picture is not shown');
  const before = await playing(page);
  await sleep(1000);
  const later = await playing(page);
  assert.ok(later > before, `the video plays on: frames shown ${before} → ${later}; ` +
            JSON.stringify(await page.evaluate(() => {
              const v = document.querySelector('video');
              return { paused: v.paused, readyState: v.readyState, t: v.currentTime, hidden: v.hidden };
            })));
});

test('a refused play() shows “Tap to play” and waits for the tap, without reconnecting', async (t) => {
  const { page, history, logs } = await openPage(t, REFUSED_PLAY);
  await page.goto(server.url);
  await waitForStatus(page, /^Tap to play$/, 10000, logs);
  await sleep(8000); // the stall watchdog fired after 2.5 s before
  assert.equal(await statusOf(page), 'Tap to play', 'page log:\n' + logs.join('\n'));
  assert.ok(!history.some((s) => /^Live|Reconnecting/.test(s)), 'statuses: ' + history.join(' → '));

  await page.locator('#stage').click({ position: { x: 50, y: 50 } });
  await waitForStatus(page, /^Live · WebRTC/, 5000, logs);
  assert.ok(await playing(page), 'the video plays after the tap');
  assert.ok(!await fullScreen(page), 'the tap that starts the video does not go full screen');
});

test('a tap while reconnecting starts playback instead of going full screen', async (t) => {
  const { page, logs } = await openPage(t, REFUSED_PLAY);
  let refuse = true;
  // The server seems gone for a while: the page shows “Reconnecting…”.
  await page.route('**/whep', (route) => refuse ? route.fulfill({ status: 503, body: 'busy' }) : route.continue());
  await page.goto(server.url);
  await waitForStatus(page, /^Reconnecting…$/, 10000, logs);
  await page.locator('#stage').click({ position: { x: 50, y: 50 } });
  assert.ok(!await fullScreen(page), 'a tap while reconnecting does not go full screen');
  refuse = false;
  await waitForStatus(page, /^Live · WebRTC/, 15000, logs);
  assert.ok(await playing(page), 'the tap let the video play once the connection was back');
});
