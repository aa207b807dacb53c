/* On Air viewer page.
 *
 * Plays the broadcast over WebRTC (WHEP, no trickle: the server's answer
 * holds all its candidates) and falls back to MJPEG in an <img> when WebRTC
 * is missing or shows no frame within a few seconds. Every failure ends in
 * one place, retry(), which tears the attempt down and tries again with
 * backoff, so a restarted broadcaster or a dropped network heals by itself.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
'use strict';

(function () {
  const FIRST_FRAME_MS = 3000;       // after the answer, WebRTC gets this long before MJPEG takes over
  const MJPEG_FIRST_FRAME_MS = 8000;
  const WEBRTC_STALL_MS = 2500;      // no new frame this long: reconnect
  const MJPEG_STILL_MS = 4000;       // an unchanged picture this long: ask the server
  const BACKOFF_MS = [500, 1000, 2000, 4000, 5000];
  const STATUS_TIMEOUT_MS = 3000;
  const SOURCE_POLL_MS = 2000;
  const STATS_INTERVAL_MS = 1000;

  const $ = (id) => document.getElementById(id);
  const video = $('video');
  const img = $('mjpeg');
  const stage = $('stage');
  const statusLine = $('status');
  const nameEl = $('name');
  const statsBox = $('stats');
  const statsList = $('stats-list');
  const accessForm = $('access');
  const accessInput = $('access-code');
  const switchButton = $('switch');
  const statsButton = $('stats-button');
  const fullscreenButton = $('fullscreen');

  const { token, authHeaders, fetchWithTimeout, deleteSession: deleteWhepSession } = window.OnAirWhep;
  const hasWebRTC = typeof window.RTCPeerConnection === 'function';

  const state = {
    mode: hasWebRTC ? 'webrtc' : 'mjpeg',
    chosenByUser: false,
    webrtcWorked: false, // then a slow first frame is the server warming up, not the network
    session: null,      // the attempt in progress, see newSession()
    retries: 0,
    retryTimer: 0,
    everPlayed: false,
    denied: false,
    paused: false,
    serverStartedAt: 0, // wall clock, from /api/status uptime: tells a restart
    sourceFps: 0,
    sourceOffline: false, // the camera is gone: the picture is the server's slate
    statusRtt: 0,
    statsTimer: 0,
  };

  function log (...args) {
    console.info('[onair]', ...args);
  }

  /* ------------------------------------------------------------------ */
  /* status line                                                         */

  function setStatus (text, kind) {
    if (statusLine.textContent !== text)
      statusLine.textContent = text;
    statusLine.dataset.state = kind;
  }

  function resolutionText () {
    if (state.session && state.session.mode === 'mjpeg')
      return img.naturalWidth ? img.naturalWidth + '×' + img.naturalHeight : '';
    return video.videoWidth ? video.videoWidth + '×' + video.videoHeight : '';
  }

  function showLive (s) {
    if (s.needsTap)
      return; // a refused play() shows the first frame, paused: not live yet
    // The stream goes on, but what it shows is the slate.
    if (state.sourceOffline) {
      setStatus('Camera offline · trying again', 'offline');
      return;
    }
    if (s.mode === 'mjpeg') {
      setStatus('Live · MJPEG', 'live');
      return;
    }
    const parts = ['Live', 'WebRTC'];
    if (s.codec)
      parts.push(s.codec);
    const resolution = resolutionText();
    if (resolution)
      parts.push(resolution);
    setStatus(parts.join(' · '), 'live');
  }

  /* The broadcast's title, never the camera's address. */
  function showTitle (title) {
    const name = title || 'Live camera';
    nameEl.textContent = name;
    document.title = 'On Air · ' + name;
  }

  /* ------------------------------------------------------------------ */
  /* HTTP                                                                */

  /* Resolves to null when the token is refused; throws when unreachable. */
  async function loadStatus () {
    const begin = performance.now();
    const response = await fetchWithTimeout('api/status', { headers: authHeaders }, STATUS_TIMEOUT_MS);
    if (response.status === 401 || response.status === 403)
      return null;
    if (!response.ok)
      throw new Error('status ' + response.status);
    const status = await response.json();
    state.statusRtt = performance.now() - begin;
    const startedAt = Date.now() - (status.uptime || 0) * 1000;
    const restarted = state.serverStartedAt !== 0 && Math.abs(startedAt - state.serverStartedAt) > 2000;
    state.serverStartedAt = startedAt;
    state.sourceFps = status.source && status.source.fps || 0;
    const sourceState = status.source && status.source.state;
    state.sourceOffline = sourceState === 'failed' || sourceState === 'reconnecting';
    showTitle(status.title);
    return { status, restarted };
  }

  /* ------------------------------------------------------------------ */
  /* attempts                                                            */

  function newSession (mode) {
    const s = {
      mode,
      pc: null,
      whepUrl: '',
      codec: '',
      startedAt: performance.now(),
      firstFrameAt: 0,
      lastFrameAt: 0,
      frameCallback: 0,
      lastTotalFrames: 0,
      lastCurrentTime: 0,
      lastSample: '',
      probing: false,
      needsTap: false,
      timers: [],
      previousStats: null,
    };
    state.session = s;
    return s;
  }

  function alive (s) {
    return state.session === s;
  }

  function endSession () {
    const s = state.session;
    if (!s)
      return;
    state.session = null;
    s.timers.forEach((t) => { clearTimeout(t); clearInterval(t); });
    if (s.frameCallback && video.cancelVideoFrameCallback)
      video.cancelVideoFrameCallback(s.frameCallback);
    if (s.pc) {
      s.pc.close();
      s.pc = null;
    }
    if (s.whepUrl)
      deleteWhepSession(s.whepUrl);
    if (s.mode === 'webrtc') {
      video.pause();
      video.srcObject = null;
    } else {
      img.onload = null;
      img.onerror = null;
      img.removeAttribute('src'); // closes the stream
      img.hidden = true;
    }
  }

  function clearRetry () {
    clearTimeout(state.retryTimer);
    state.retryTimer = 0;
  }

  async function start () {
    clearRetry();
    endSession();
    if (state.denied || state.paused)
      return;
    if (document.visibilityState === 'hidden') {
      pause();
      return;
    }
    setStatus(state.everPlayed || state.retries > 0 ? 'Reconnecting…' : 'Connecting…',
              state.everPlayed ? 'reconnecting' : 'connecting');

    if (state.mode === 'webrtc') {
      // The offer does not wait for the status: a refused token or an
      // unreachable server shows in the WHEP answer as well, and the
      // round trip saved is part of the time to the first frame.
      const s = startWebRTC();
      loadStatus().then((info) => {
        if (info === null && alive(s))
          deny();
      }, () => {});
      return;
    }

    // Holds the slot so a second start() makes this one stale.
    const probe = newSession('probe');
    let info;
    try {
      info = await loadStatus();
    } catch (error) {
      if (alive(probe))
        retry('server unreachable: ' + error.message);
      return;
    }
    if (!alive(probe))
      return;
    if (info === null) {
      deny();
      return;
    }
    state.session = null;
    startMjpeg();
  }

  function retry (reason) {
    if (state.denied || state.paused)
      return;
    log('retrying:', reason);
    endSession();
    clearRetry();
    setStatus('Reconnecting…', 'reconnecting');
    const delay = BACKOFF_MS[Math.min(state.retries, BACKOFF_MS.length - 1)];
    state.retries++;
    state.retryTimer = setTimeout(start, delay);
  }

  function fallBackToMjpeg (reason) {
    log('switching to MJPEG:', reason);
    endSession();
    state.mode = 'mjpeg';
    updateSwitch();
    start();
  }

  function deny () {
    log('access refused');
    endSession();
    clearRetry();
    state.denied = true;
    video.hidden = true;
    img.hidden = true;
    statsBox.hidden = true;
    accessForm.hidden = false;
    document.getElementById('controls').hidden = true; // nothing to control
    setStatus('This link needs an access code', 'denied');
  }

  function gotFrame (s) {
    const now = performance.now();
    s.lastFrameAt = now;
    if (s.firstFrameAt)
      return;
    s.firstFrameAt = now;
    state.retries = 0;
    state.everPlayed = true;
    try {
      performance.mark('onair-first-frame-' + s.mode);
    } catch (e) { /* old browsers */ }
    if (s.mode === 'webrtc')
      state.webrtcWorked = true;
    log('first ' + s.mode + ' frame after ' + Math.round(now - s.startedAt) + ' ms');
    showLive(s);
    if (s.mode === 'webrtc')
      readCodec(s);
  }

  /* ------------------------------------------------------------------ */
  /* WebRTC over WHEP                                                    */

  function codecName (mimeType) {
    const names = { 'video/h264': 'H.264', 'video/h265': 'H.265', 'video/vp8': 'VP8', 'video/vp9': 'VP9', 'video/av1': 'AV1' };
    return names[(mimeType || '').toLowerCase()] || (mimeType || '').replace(/^video\//i, '');
  }

  function h264Profile (fmtp) {
    const match = /profile-level-id=([0-9a-f]{6})/i.exec(fmtp || '');
    if (!match)
      return '';
    const idc = match[1].slice(0, 2).toLowerCase();
    const iop = parseInt(match[1].slice(2, 4), 16);
    if (idc === '42')
      return (iop & 0x40) ? 'constrained baseline' : 'baseline';
    return { '4d': 'main', '58': 'extended', '64': 'high' }[idc] || '';
  }

  async function readStats (s) {
    if (!s.pc)
      return null;
    const report = await s.pc.getStats();
    let inbound = null;
    let transport = null;
    report.forEach((r) => {
      if (r.type === 'inbound-rtp' && (r.kind || r.mediaType) === 'video')
        inbound = r;
      else if (r.type === 'transport')
        transport = r;
    });
    const codec = inbound && inbound.codecId ? report.get(inbound.codecId) : null;
    let pair = transport && transport.selectedCandidatePairId ? report.get(transport.selectedCandidatePairId) : null;
    if (!pair) {
      report.forEach((r) => {
        if (r.type === 'candidate-pair' && r.nominated && r.state === 'succeeded')
          pair = r;
      });
    }
    return { inbound, codec, pair, at: performance.now() };
  }

  /* The codec for the status line. Firefox may list it in getStats() a
   * moment after the first frame: asked again a few times. */
  async function readCodec (s, tries = 10) {
    try {
      const stats = await readStats(s);
      if (!alive(s))
        return;
      if (!stats || !stats.codec) {
        if (tries > 1)
          setTimeout(() => readCodec(s, tries - 1), 300);
        return;
      }
      s.codec = codecName(stats.codec.mimeType);
      showLive(s);
    } catch (error) {
      log('getStats:', error.message);
    }
  }

  async function playVideo (s) {
    try {
      await video.play();
      if (!alive(s))
        return;
      const wasWaiting = s.needsTap;
      s.needsTap = false;
      if (wasWaiting && s.firstFrameAt) {
        s.lastFrameAt = performance.now(); // the stall watchdog counts from now
        showLive(s);
      }
    } catch (error) {
      if (!alive(s))
        return;
      if (error.name === 'NotAllowedError') {
        // iOS in Low Power Mode refuses play() even muted: a tap starts it.
        // Until then the paused first frame is not "Live", and the stall
        // watchdog leaves the connection alone.
        s.needsTap = true;
        setStatus('Tap to play', 'connecting');
      }
    }
  }

  /* Without requestVideoFrameCallback (Firefox before 132) a new frame
   * shows in either of these moving: getVideoPlaybackQuality() (it stays
   * at 0 for live WebRTC in those Firefoxes) or currentTime. Only while
   * playing: a paused video is not live. */
  function framesAdvanced (s) {
    if (video.paused)
      return false;
    let advanced = false;
    if (typeof video.getVideoPlaybackQuality === 'function') {
      const total = video.getVideoPlaybackQuality().totalVideoFrames;
      advanced = total > s.lastTotalFrames;
      s.lastTotalFrames = Math.max(total, s.lastTotalFrames);
    }
    if (video.currentTime > s.lastCurrentTime) {
      advanced = true;
      s.lastCurrentTime = video.currentTime;
    }
    return advanced;
  }

  function watchVideoFrames (s) {
    const hasFrameCallback = typeof video.requestVideoFrameCallback === 'function';
    if (hasFrameCallback) {
      const onFrame = () => {
        if (!alive(s))
          return;
        s.frameCallback = video.requestVideoFrameCallback(onFrame);
        gotFrame(s);
      };
      s.frameCallback = video.requestVideoFrameCallback(onFrame);
    }
    s.timers.push(setInterval(() => {
      if (!alive(s))
        return;
      if (!hasFrameCallback && framesAdvanced(s))
        gotFrame(s);
      if (s.firstFrameAt && !s.needsTap && performance.now() - s.lastFrameAt > WEBRTC_STALL_MS)
        retry('no WebRTC frame for ' + WEBRTC_STALL_MS + ' ms');
    }, 500));
  }

  /* Returns the new session at once; the rest runs on its own. */
  function startWebRTC () {
    const s = newSession('webrtc');
    negotiate(s);
    return s;
  }

  async function negotiate (s) {
    img.hidden = true;
    video.hidden = false;

    // The first attempt was started by webrtc.js while the page loaded.
    let attempt;
    try {
      attempt = window.OnAirWhep.takeEarly() || window.OnAirWhep.offer();
    } catch (error) {
      fallBackToMjpeg('RTCPeerConnection: ' + error.message);
      return;
    }
    const pc = s.pc = attempt.pc;
    const show = (stream) => {
      if (!alive(s) || video.srcObject === stream)
        return;
      video.srcObject = stream;
      playVideo(s);
    };
    if (attempt.stream)
      show(attempt.stream); // came before this listener: the answer was applied early
    pc.addEventListener('track', () => show(attempt.stream));
    pc.addEventListener('connectionstatechange', () => {
      if (alive(s) && pc.connectionState === 'failed')
        retry('WebRTC connection failed');
    });
    let response, answerError;
    try {
      ({ response, answerError } = await attempt.result);
    } catch (error) {
      if (alive(s))
        retry('WHEP request: ' + error.message);
      return;
    }

    const sessionPath = response.headers.get('Location');
    if (response.status === 201 && sessionPath) {
      const url = new URL(sessionPath, location.href).href;
      if (!alive(s)) {
        deleteWhepSession(url); // given up on while the answer was on its way
        return;
      }
      s.whepUrl = url;
    }
    if (!alive(s))
      return;
    if (response.status === 401 || response.status === 403) {
      deny();
      return;
    }
    if (response.status >= 500 || response.status === 408 || response.status === 429) {
      retry('WHEP answered ' + response.status);
      return;
    }
    if (response.status !== 201) {
      // 400, 404, 415…: this server or browser cannot do WebRTC together.
      fallBackToMjpeg('WHEP answered ' + response.status);
      return;
    }
    if (answerError) {
      fallBackToMjpeg('bad WHEP answer: ' + answerError.message);
      return;
    }
    log('answer applied after ' + Math.round(performance.now() - s.startedAt) + ' ms');
    watchVideoFrames(s);
    // Counted from the answer, not the request: a busy server that answers
    // slowly is no sign that WebRTC cannot get through this network.
    s.timers.push(setTimeout(() => {
      if (!alive(s) || s.firstFrameAt || s.needsTap)
        return;
      if (state.chosenByUser || state.webrtcWorked)
        retry('no WebRTC frame within ' + FIRST_FRAME_MS + ' ms');
      else
        fallBackToMjpeg('no WebRTC frame within ' + FIRST_FRAME_MS + ' ms');
    }, FIRST_FRAME_MS));
  }

  /* ------------------------------------------------------------------ */
  /* MJPEG                                                               */

  const sampler = document.createElement('canvas');
  sampler.width = 24;
  sampler.height = 14;
  let samplerContext = null;

  /* A tiny thumbnail of what the <img> shows now: the multipart image fires
   * 'load' once in Chromium, so this is how new frames are seen. */
  function sampleImage () {
    if (!img.naturalWidth)
      return '';
    try {
      samplerContext = samplerContext || sampler.getContext('2d', { willReadFrequently: true });
      samplerContext.drawImage(img, 0, 0, sampler.width, sampler.height);
      const data = samplerContext.getImageData(0, 0, sampler.width, sampler.height).data;
      let hash = 0;
      for (let i = 0; i < data.length; i++)
        hash = (Math.imul(hash, 31) + data[i]) | 0;
      return String(hash);
    } catch (error) {
      return '';
    }
  }

  async function probeServer (s) {
    s.probing = true;
    try {
      const info = await loadStatus();
      if (!alive(s))
        return;
      if (info === null)
        deny();
      else if (info.restarted)
        retry('the broadcaster restarted');
      else
        s.lastFrameAt = performance.now(); // a still picture, the server is fine
    } catch (error) {
      if (alive(s))
        retry('server unreachable: ' + error.message);
    } finally {
      s.probing = false;
    }
  }

  function startMjpeg () {
    const s = newSession('mjpeg');
    video.hidden = true;
    img.hidden = false;
    // Chromium fires 'load' for the first part only; others may fire it per part.
    img.onload = () => {
      if (!alive(s))
        return;
      if (!s.firstFrameAt)
        s.lastSample = sampleImage();
      gotFrame(s);
    };
    img.onerror = () => {
      if (alive(s))
        retry('MJPEG stream failed');
    };
    img.src = 'stream.mjpg' + (token ? '?token=' + encodeURIComponent(token) : '');

    s.timers.push(setTimeout(() => {
      if (alive(s) && !s.firstFrameAt)
        retry('no MJPEG frame within ' + MJPEG_FIRST_FRAME_MS + ' ms');
    }, MJPEG_FIRST_FRAME_MS));
    s.timers.push(setInterval(() => {
      if (!alive(s) || !s.firstFrameAt)
        return;
      if (!img.naturalWidth) {
        retry('MJPEG stream broke off'); // Chromium drops the picture when the connection dies
        return;
      }
      const sample = sampleImage();
      if (sample && sample !== s.lastSample) {
        s.lastSample = sample;
        gotFrame(s);
      } else if (!s.probing && performance.now() - s.lastFrameAt > MJPEG_STILL_MS) {
        probeServer(s);
      }
    }, 1000));
  }

  /* ------------------------------------------------------------------ */
  /* stats overlay                                                       */

  function formatMs (seconds) {
    return Number.isFinite(seconds) ? Math.round(seconds * 1000) + ' ms' : '–';
  }

  async function statsRows () {
    const s = state.session;
    if (!s || !s.firstFrameAt)
      return [['Transport', s && s.mode === 'mjpeg' ? 'MJPEG' : 'WebRTC'], ['State', statusLine.textContent]];
    if (s.mode === 'mjpeg') {
      return [
        ['Transport', 'MJPEG over HTTP'],
        ['Codec', 'JPEG'],
        ['Resolution', resolutionText() || '–'],
        ['Frame rate', state.sourceFps ? state.sourceFps.toFixed(1) + ' fps (source)' : '–'],
        ['Round trip', state.statusRtt ? Math.round(state.statusRtt) + ' ms (HTTP)' : '–'],
        ['Jitter buffer', 'none'],
      ];
    }
    const stats = await readStats(s);
    if (!stats || !stats.inbound)
      return [['Transport', 'WebRTC'], ['State', 'waiting for statistics']];
    const r = stats.inbound;
    const previous = s.previousStats;
    s.previousStats = { inbound: r, at: stats.at };
    let jitterBuffer = NaN;
    let bitrate = '–';
    if (previous) {
      const emitted = r.jitterBufferEmittedCount - previous.inbound.jitterBufferEmittedCount;
      if (emitted > 0)
        jitterBuffer = (r.jitterBufferDelay - previous.inbound.jitterBufferDelay) / emitted;
      const seconds = (stats.at - previous.at) / 1000;
      if (seconds > 0)
        bitrate = Math.round((r.bytesReceived - previous.inbound.bytesReceived) * 8 / seconds / 1000) + ' kbit/s';
    } else if (r.jitterBufferEmittedCount > 0) {
      jitterBuffer = r.jitterBufferDelay / r.jitterBufferEmittedCount;
    }
    let codec = '–';
    if (stats.codec) {
      const profile = /h264/i.test(stats.codec.mimeType) ? h264Profile(stats.codec.sdpFmtpLine) : '';
      codec = codecName(stats.codec.mimeType) + (profile ? ' ' + profile : '');
    }
    const width = r.frameWidth || video.videoWidth;
    const height = r.frameHeight || video.videoHeight;
    return [
      ['Transport', 'WebRTC'],
      ['Codec', codec],
      ['Resolution', width ? width + '×' + height : '–'],
      ['Frame rate', Number.isFinite(r.framesPerSecond) ? Math.round(r.framesPerSecond) + ' fps' : '–'],
      ['Round trip', stats.pair ? formatMs(stats.pair.currentRoundTripTime) : '–'],
      ['Jitter buffer', formatMs(jitterBuffer)],
      ['Bitrate', bitrate],
      ['Packets lost', String(r.packetsLost || 0)],
      ['Frames dropped', String(r.framesDropped || 0)],
    ];
  }

  async function refreshStats () {
    let rows;
    try {
      rows = await statsRows();
    } catch (error) {
      rows = [['Statistics', 'unavailable']];
    }
    if (statsBox.hidden)
      return;
    const fragment = document.createDocumentFragment();
    rows.forEach(([term, value]) => {
      const dt = document.createElement('dt');
      const dd = document.createElement('dd');
      dt.textContent = term;
      dd.textContent = value;
      fragment.append(dt, dd);
    });
    statsList.replaceChildren(fragment);
  }

  function setStatsVisible (visible) {
    statsBox.hidden = !visible;
    statsButton.setAttribute('aria-pressed', String(visible));
    clearInterval(state.statsTimer);
    state.statsTimer = 0;
    if (!visible)
      return;
    refreshStats();
    state.statsTimer = setInterval(() => {
      const s = state.session;
      if (s && s.mode === 'mjpeg' && s.firstFrameAt && !s.probing)
        loadStatus().catch(() => {}); // source fps and HTTP round trip
      refreshStats();
    }, STATS_INTERVAL_MS);
  }

  /* ------------------------------------------------------------------ */
  /* fullscreen                                                          */

  function fullscreenElement () {
    return document.fullscreenElement || document.webkitFullscreenElement || null;
  }

  function updateFullscreenButton () {
    const on = !!fullscreenElement() || document.body.classList.contains('immersive');
    fullscreenButton.setAttribute('aria-pressed', String(on));
    fullscreenButton.textContent = on ? 'Exit full screen' : 'Full screen';
  }

  function lockLandscape () {
    const wide = (video.videoWidth || img.naturalWidth) > (video.videoHeight || img.naturalHeight);
    if (wide && screen.orientation && screen.orientation.lock)
      screen.orientation.lock('landscape').catch(() => {});
  }

  function toggleFullscreen () {
    if (document.body.classList.contains('immersive')) {
      document.body.classList.remove('immersive');
    } else if (fullscreenElement()) {
      (document.exitFullscreen || document.webkitExitFullscreen).call(document);
    } else if (stage.requestFullscreen && document.fullscreenEnabled) {
      stage.requestFullscreen({ navigationUI: 'hide' }).then(lockLandscape, () => {
        document.body.classList.add('immersive');
        updateFullscreenButton();
      });
    } else if (stage.webkitRequestFullscreen && document.webkitFullscreenEnabled) {
      stage.webkitRequestFullscreen();
    } else if (!video.hidden && video.webkitEnterFullscreen) {
      video.webkitEnterFullscreen(); // iPhone: only <video> can go full screen
    } else {
      document.body.classList.add('immersive');
    }
    updateFullscreenButton();
  }

  /* ------------------------------------------------------------------ */
  /* page lifecycle and controls                                         */

  function pause () {
    if (state.denied)
      return;
    state.paused = true;
    clearRetry();
    endSession();
    setStatus('Paused', 'paused');
  }

  function resume () {
    if (!state.paused || state.denied)
      return;
    state.paused = false;
    state.retries = 0;
    start();
  }

  /* A tap while nothing plays yet (connecting, reconnecting) is the user
   * asking for the picture, not for full screen: it lets the <video> play
   * from now on (iOS allows play() once it was called in a tap) and cuts a
   * reconnect's wait short. */
  function playOnTap () {
    if (hasWebRTC)
      video.play().catch(() => {});
    if (state.retryTimer && !state.paused) {
      state.retries = 0;
      start();
    }
  }

  function updateSwitch () {
    switchButton.hidden = !hasWebRTC;
    const toMjpeg = state.mode === 'webrtc';
    switchButton.textContent = toMjpeg ? 'Use MJPEG' : 'Use WebRTC';
  }

  switchButton.addEventListener('click', () => {
    state.mode = state.mode === 'webrtc' ? 'mjpeg' : 'webrtc';
    state.chosenByUser = true;
    state.retries = 0;
    updateSwitch();
    start();
  });

  statsButton.addEventListener('click', () => setStatsVisible(statsBox.hidden));
  fullscreenButton.addEventListener('click', toggleFullscreen);

  stage.addEventListener('click', (event) => {
    if (state.denied || accessForm.contains(event.target))
      return;
    const s = state.session;
    if (s && s.needsTap) {
      playVideo(s);
      return;
    }
    if (!s || !s.firstFrameAt) {
      playOnTap();
      return;
    }
    toggleFullscreen();
  });

  document.addEventListener('keydown', (event) => {
    if (event.target instanceof HTMLInputElement || event.ctrlKey || event.metaKey || event.altKey)
      return;
    if ((event.key === 'f' || event.key === 'F') && !state.denied)
      toggleFullscreen();
  });

  /* While something plays, whether the camera behind it is there. */
  setInterval(() => {
    const s = state.session;
    if (!s || !s.firstFrameAt || document.hidden)
      return;
    loadStatus().then(() => {
      if (state.session === s && alive(s))
        showLive(s);
    }).catch(() => {});
  }, SOURCE_POLL_MS);

  document.addEventListener('fullscreenchange', updateFullscreenButton);
  document.addEventListener('webkitfullscreenchange', updateFullscreenButton);
  video.addEventListener('resize', () => {
    const s = state.session;
    if (s && s.mode === 'webrtc' && s.firstFrameAt)
      showLive(s);
  });

  accessForm.addEventListener('submit', (event) => {
    event.preventDefault();
    const code = accessInput.value.trim();
    if (code)
      location.replace(location.pathname + '?token=' + encodeURIComponent(code));
  });

  document.addEventListener('visibilitychange', () => {
    if (document.visibilityState === 'hidden')
      pause();
    else
      resume();
  });

  // Ends the WHEP session when the page goes away (DELETE with keepalive).
  window.addEventListener('pagehide', pause);
  window.addEventListener('pageshow', (event) => {
    if (event.persisted)
      resume();
  });

  updateSwitch();
  updateFullscreenButton();
  start();
  // start() took webrtc.js's attempt if it went the WebRTC way.
  window.OnAirWhep.dropEarly();
})();
