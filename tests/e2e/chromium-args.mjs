// How the tests and the benchmark start Debian's Chromium: headless, no
// sandbox (root in CI), nothing fetched from the network by the browser
// itself, and media allowed to play without a tap.
//
// SPDX-License-Identifier: GPL-3.0-or-later

export const CHROMIUM_ARGS = Object.freeze([
  '--headless=new', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync',
  '--autoplay-policy=no-user-gesture-required',
]);
