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
