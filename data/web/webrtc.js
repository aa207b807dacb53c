/* On Air viewer page: the WebRTC offer.
 *
 * Loaded first, before the style sheet and viewer.js, so the offer starts
 * as soon as the page's head is parsed: creating a browser's first peer
 * connection and its offer takes 50–250 ms (headless Chromium on two
 * cores), and it now overlaps the loading of the rest of the page.
 * viewer.js takes that attempt over, and starts later ones (reconnects)
 * with the same offer().
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
'use strict';

(function () {
  const WHEP_TIMEOUT_MS = 10000;

  const token = new URLSearchParams(location.search).get('token') || '';
  const authHeaders = token ? { Authorization: 'Bearer ' + token } : {};

  async function fetchWithTimeout (url, options, ms) {
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(), ms);
    try {
      return await fetch(url, Object.assign({ cache: 'no-store', signal: controller.signal }, options));
    } finally {
      clearTimeout(timer);
    }
  }

  function deleteSession (url) {
    // keepalive lets the request outlive the page on pagehide
    fetch(url, { method: 'DELETE', headers: authHeaders, keepalive: true, cache: 'no-store' })
      .catch(() => {});
  }

  function h264Rank (codec) {
    if (!/^video\/h264$/i.test(codec.mimeType))
      return 3;
    const fmtp = (codec.sdpFmtpLine || '').toLowerCase();
    const mode1 = /packetization-mode=1/.test(fmtp);
    if (mode1 && /profile-level-id=42e01f/.test(fmtp))
      return 0;
    if (mode1 && /profile-level-id=42/.test(fmtp))
      return 1;
    return 2;
  }

  /* Constrained-baseline H.264 first: what iOS Safari decodes in hardware
   * and what the server sends without transcoding. */
  function preferH264 (transceiver) {
    if (!transceiver.setCodecPreferences || !window.RTCRtpReceiver || !RTCRtpReceiver.getCapabilities)
      return;
    const capabilities = RTCRtpReceiver.getCapabilities('video');
    if (!capabilities || !capabilities.codecs)
      return;
    const codecs = capabilities.codecs
      .map((codec, index) => ({ codec, index, rank: h264Rank(codec) }))
      .sort((a, b) => a.rank - b.rank || a.index - b.index)
      .map((entry) => entry.codec);
    try {
      transceiver.setCodecPreferences(codecs);
    } catch (error) {
      console.info('[onair] setCodecPreferences:', error.message);
    }
  }

  /* A receive-only peer connection, negotiated with the server as far as
   * it goes without the page: { pc, stream, result }. stream is the
   * remote MediaStream once its track has come (the 'track' event may fire
   * before viewer.js listens). result resolves to { response, answerError }:
   * the WHEP Response and, when it is a 201 whose answer could not be
   * applied, why; it rejects when the server is unreachable. Throws when
   * the browser cannot make a peer connection.
   *
   * The answer is applied here, as soon as it arrives: ICE, DTLS and the
   * first frame no longer wait for the rest of the page to load (the
   * deferred viewer.js ran 40–105 ms after the answer had come, headless
   * Chromium on two cores). */
  function offer () {
    const pc = new RTCPeerConnection({ bundlePolicy: 'max-bundle' });
    preferH264(pc.addTransceiver('video', { direction: 'recvonly' }));
    // Sound, in the same bundle; a server without it answers video only.
    pc.addTransceiver('audio', { direction: 'recvonly' });
    const attempt = { pc, stream: null, result: null };
    // Every track in one stream, whatever stream ids the answer gives (an
    // answer without the sound's msid put it in a stream of its own, and
    // the picture's track was lost when that stream replaced it).
    pc.addEventListener('track', (event) => {
      const given = event.streams && event.streams[0];
      if (attempt.stream === null)
        attempt.stream = given || new MediaStream();
      if (!attempt.stream.getTracks().includes(event.track))
        attempt.stream.addTrack(event.track);
    });
    attempt.result = (async () => {
      // No wait for ICE gathering: browsers hide host candidates behind
      // mDNS names the server cannot resolve, and the server learns this
      // browser's address from its connectivity checks anyway.
      await pc.setLocalDescription(await pc.createOffer());
      const response = await fetchWithTimeout('whep', {
        method: 'POST',
        headers: Object.assign({ 'Content-Type': 'application/sdp' }, authHeaders),
        body: pc.localDescription.sdp,
      }, WHEP_TIMEOUT_MS);
      let answerError = null;
      if (response.status === 201 && pc.signalingState !== 'closed') {
        try {
          await pc.setRemoteDescription({ type: 'answer', sdp: await response.text() });
        } catch (error) {
          answerError = error;
        }
      }
      return { response, answerError };
    })();
    attempt.result.catch(() => {}); // whoever takes the attempt sees the error
    return attempt;
  }

  let early = null;
  if (typeof window.RTCPeerConnection === 'function' && document.visibilityState !== 'hidden') {
    try {
      early = offer();
    } catch (error) {
      early = null; // viewer.js finds out again, and falls back to MJPEG
    }
  }

  window.OnAirWhep = {
    token,
    authHeaders,
    fetchWithTimeout,
    deleteSession,
    offer,
    /* The attempt started with the page, once; null after that. */
    takeEarly () {
      const attempt = early;
      early = null;
      return attempt;
    },
    /* Nobody will use the early attempt (MJPEG, a hidden tab): ends it,
     * and its session on the server if one was made. */
    dropEarly () {
      const attempt = early;
      early = null;
      if (attempt === null)
        return;
      attempt.pc.close();
      attempt.result.then(({ response }) => {
        const path = response.headers.get('Location');
        if (response.status === 201 && path)
          deleteSession(new URL(path, location.href).href);
      }, () => {});
    },
  };
})();
