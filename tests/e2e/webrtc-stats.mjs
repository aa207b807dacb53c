// One WebRTC viewer inside a Chromium page, measured with getStats():
// the figures that tell how playback survives loss. Shared by the loss
// test and bench/lossy.mjs. The viewer is made as the page makes it
// (recvonly, constrained-baseline H.264 first, WHEP without trickle) but
// without the page's reconnect logic, so a long freeze shows as a freeze
// instead of a new connection.
//
// SPDX-License-Identifier: GPL-3.0-or-later

export const FIELDS = ['framesDecoded', 'framesDropped', 'freezeCount', 'totalFreezesDuration', 'nackCount',
  'pliCount', 'firCount', 'retransmittedPacketsReceived', 'packetsLost', 'packetsReceived', 'keyFramesDecoded'];

/* Opens a viewer in @page (already at the server's origin); resolves to
 * the answer SDP. @codec 'vp8' offers VP8 first, as Firefox does. */
export async function openViewer (page, { token = '', codec = 'h264' } = {}) {
  return page.evaluate(async ({ token, codec }) => {
    const pc = new RTCPeerConnection({ bundlePolicy: 'max-bundle' });
    const transceiver = pc.addTransceiver('video', { direction: 'recvonly' });
    const rank = (c) => {
      if (codec === 'vp8')
        return /vp8/i.test(c.mimeType) ? 0 : 3;
      if (!/h264/i.test(c.mimeType))
        return 2;
      const fmtp = c.sdpFmtpLine || '';
      return /packetization-mode=1/.test(fmtp) && /profile-level-id=42e01f/.test(fmtp) ? 0 : 1;
    };
    const codecs = RTCRtpReceiver.getCapabilities('video').codecs;
    transceiver.setCodecPreferences(codecs.map((codec, index) => ({ codec, index }))
      .sort((a, b) => rank(a.codec) - rank(b.codec) || a.index - b.index).map((e) => e.codec));
    const video = document.createElement('video');
    video.muted = true;
    video.autoplay = true;
    video.playsInline = true;
    document.body.append(video);
    pc.addEventListener('track', (event) => {
      video.srcObject = event.streams[0] || new MediaStream([event.track]);
      video.play().catch(() => {});
    });
    await pc.setLocalDescription(await pc.createOffer());
    const headers = { 'Content-Type': 'application/sdp' };
    if (token)
      headers.Authorization = 'Bearer ' + token;
    const response = await fetch('/whep', { method: 'POST', headers, body: pc.localDescription.sdp });
    if (response.status !== 201)
      throw new Error('WHEP answered ' + response.status + ': ' + await response.text());
    const answer = await response.text();
    window.__onairViewer = { pc, video, session: new URL(response.headers.get('Location'), location.href).href };
    await pc.setRemoteDescription({ type: 'answer', sdp: answer });
    return answer;
  }, { token, codec });
}

/* The inbound video figures now ({} before the first packet). */
export async function readInbound (page) {
  return page.evaluate(async (fields) => {
    const report = await window.__onairViewer.pc.getStats();
    const out = { at: performance.now() };
    report.forEach((r) => {
      if (r.type === 'inbound-rtp' && r.kind === 'video')
        for (const f of fields)
          out[f] = r[f] || 0;
    });
    return out;
  }, FIELDS);
}

/* Starts logging each frame the viewer's <video> shows: the time of
 * every requestVideoFrameCallback and the count of frames presented so
 * far (a callback can cover more than one). False where the browser has
 * no requestVideoFrameCallback. */
export async function startFrameLog (page) {
  return page.evaluate(() => {
    const v = window.__onairViewer;
    if (!('requestVideoFrameCallback' in HTMLVideoElement.prototype))
      return false;
    v.frames = [];
    const onFrame = (now, metadata) => {
      v.frames.push([now, metadata.presentedFrames]);
      v.video.requestVideoFrameCallback(onFrame);
    };
    v.video.requestVideoFrameCallback(onFrame);
    return true;
  });
}

/* The frames logged since startFrameLog(): [[time (ms, performance.now
 * clock), frames presented so far], ...]. */
export async function readFrameLog (page) {
  return page.evaluate(() => window.__onairViewer.frames || []);
}

/* The fewest frames the <video> showed in any one second of the log
 * after @from (performance.now clock): for each logged frame, the frames
 * presented after it and at most 1 s after it. A steady 30 fps stream
 * reads 29 or 30 (a window's edge can fall on either side of a frame);
 * each frame that comes more than a frame late takes one more from the
 * windows it falls in. Also the longest time one frame stayed on screen
 * (ms). */
export function worstShownSecond (frames, from = -Infinity) {
  let worst = Infinity;
  let longest = 0;
  for (let i = 0, j = 0; i < frames.length; i++) {
    if (frames[i][0] < from)
      continue;
    if (i + 1 < frames.length)
      longest = Math.max(longest, frames[i + 1][0] - frames[i][0]);
    j = Math.max(j, i);
    while (j + 1 < frames.length && frames[j + 1][0] - frames[i][0] <= 1000)
      j++;
    if (j + 1 < frames.length) /* else the log ends within this second */
      worst = Math.min(worst, frames[j][1] - frames[i][1]);
  }
  return { worst: Number.isFinite(worst) ? worst : null, longestMs: longest };
}

export async function closeViewer (page) {
  await page.evaluate(async () => {
    const v = window.__onairViewer;
    if (!v)
      return;
    v.pc.close();
    await fetch(v.session, { method: 'DELETE' }).catch(() => {});
    v.video.remove();
    window.__onairViewer = null;
  });
}

/* Waits for the first decoded frame; false after @ms. */
export async function waitFirstFrame (page, ms = 10000) {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    const s = await readInbound(page);
    if (s.framesDecoded > 0)
      return true;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  return false;
}

/* The change of every figure between two readings, and fps. */
export function delta (before, after) {
  const seconds = (after.at - before.at) / 1000;
  const d = { seconds };
  for (const f of FIELDS)
    d[f] = (after[f] || 0) - (before[f] || 0);
  d.fps = d.framesDecoded / seconds;
  return d;
}
