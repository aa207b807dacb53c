/* On Air viewer page: sound.
 *
 * The picture starts muted: browsers only autoplay muted media. The sound
 * button unmutes on the first tap (play() runs inside the tap's handler,
 * which iOS and Android require) and the choice is kept in localStorage:
 * a viewer who turned sound on gets it at the next visit wherever the
 * browser allows, and the button says when a tap is still needed. MJPEG
 * carries no sound, and the page says so.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
'use strict';

(function () {
  const KEY = 'onair-sound';
  const video = document.getElementById('video');
  const img = document.getElementById('mjpeg');
  const button = document.getElementById('sound');
  const note = document.getElementById('sound-note');
  if (!video || !button || !note)
    return;

  function remembered () {
    try {
      return localStorage.getItem(KEY) === 'on';
    } catch (error) {
      return false; // storage refused (private mode): start muted
    }
  }

  function remember (on) {
    try {
      localStorage.setItem(KEY, on ? 'on' : 'off');
    } catch (error) {
      // not kept; the choice still holds for this visit
    }
  }

  function hasSound () {
    const stream = video.srcObject;
    return !!(stream && typeof stream.getAudioTracks === 'function' && stream.getAudioTracks().length > 0);
  }

  function isMjpeg () {
    return img && !img.hidden;
  }

  function update () {
    const mjpeg = isMjpeg();
    const sound = !mjpeg && hasSound();
    button.hidden = !sound;
    note.hidden = !mjpeg;
    note.textContent = mjpeg ? 'No sound with MJPEG' : '';
    const on = sound && !video.muted;
    button.setAttribute('aria-pressed', on ? 'true' : 'false');
    button.textContent = on ? 'Sound on' : 'Sound off';
    button.title = on ? 'Mute' : 'Unmute';
    button.dataset.state = on ? 'on' : 'off';
  }

  /* Sound the viewer asked for before: on, if this browser lets it. */
  async function restore () {
    if (!remembered() || !video.muted || !hasSound())
      return;
    video.muted = false;
    try {
      await video.play();
    } catch (error) {
      // Autoplay with sound refused: the picture goes on muted, and the
      // button waits for a tap.
      video.muted = true;
      video.play().catch(() => {});
    }
    update();
  }

  button.addEventListener('click', () => {
    const unmute = video.muted;
    video.muted = !unmute;
    if (unmute) {
      // In the tap's own handler: that is what unlocks sound on phones.
      video.play().catch((error) => console.info('[onair] play with sound:', error.message));
    }
    remember(unmute);
    update();
  });

  video.addEventListener('volumechange', update);
  video.addEventListener('playing', () => {
    update();
    restore();
  });
  video.addEventListener('emptied', update);
  new MutationObserver(update).observe(img, { attributes: true, attributeFilter: ['hidden'] });
  // Tracks can arrive after the picture plays; cheap to look again.
  setInterval(update, 1000);
  update();
})();
