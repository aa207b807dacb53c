'use strict';
// Minimal WHEP player with MJPEG fallback.
(function () {
  const token = new URLSearchParams(location.search).get('token');
  const auth = token ? { Authorization: 'Bearer ' + token } : {};
  const video = document.getElementById('video');
  const img = document.getElementById('mjpeg');
  const status = document.getElementById('status');

  function mjpeg() {
    video.hidden = true;
    img.hidden = false;
    img.src = 'stream.mjpg' + (token ? '?token=' + encodeURIComponent(token) : '');
    status.textContent = 'Live · MJPEG';
  }

  async function webrtc() {
    if (!window.RTCPeerConnection) throw new Error('no WebRTC');
    const pc = new RTCPeerConnection();
    pc.addTransceiver('video', { direction: 'recvonly' });
    pc.ontrack = (e) => { video.srcObject = e.streams[0] || new MediaStream([e.track]); };
    await pc.setLocalDescription(await pc.createOffer());
    const res = await fetch('whep', { method: 'POST', headers: Object.assign({ 'Content-Type': 'application/sdp' }, auth), body: pc.localDescription.sdp });
    if (res.status === 401) { status.textContent = 'This link needs an access code'; return; }
    if (!res.ok) throw new Error('WHEP ' + res.status);
    await pc.setRemoteDescription({ type: 'answer', sdp: await res.text() });
    status.textContent = 'Live · WebRTC';
  }

  webrtc().catch(mjpeg);
})();
