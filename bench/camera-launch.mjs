// The RTSP camera the namespace benches (lossy.mjs, congested.mjs) start,
// and how they start it:
// tests/onair-rtsp-fixture with a 720p30 H.264 stream of one slice per
// frame and a keyframe a second, as an IP camera sends
// (RTSP_FIXTURE_LAUNCH overrides it).
//
// SPDX-License-Identifier: GPL-3.0-or-later

import { firstLine } from './child.mjs';

export const FIXTURE_LAUNCH = process.env.RTSP_FIXTURE_LAUNCH ||
  '( videotestsrc is-live=true pattern=smpte horizontal-speed=4 ' +
  '! video/x-raw,width=1280,height=720,framerate=30/1,format=I420 ! identity name=stamp ' +
  '! x264enc tune=zerolatency threads=1 speed-preset=ultrafast key-int-max=30 bitrate=2500 ' +
  '! video/x-h264,profile=constrained-baseline ! rtph264pay name=pay0 pt=96 config-interval=-1 )';

/* The source argument for `onair --source` in @link's server namespace:
 * 'test', or for 'rtsp' the URL of @fixture started there (pushed on
 * @children, which the caller stops). */
export async function sourceSpec (link, source, fixture, children) {
  if (source !== 'rtsp')
    return 'test';
  const proc = link.spawn(link.serverNs, [fixture], {
    env: { ...process.env, RTSP_FIXTURE_LAUNCH: FIXTURE_LAUNCH }, stdio: ['ignore', 'pipe', 'pipe'] });
  children.push(proc);
  return firstLine(proc, /^(rtsp:\/\/\S+)/, 'the RTSP fixture');
}
