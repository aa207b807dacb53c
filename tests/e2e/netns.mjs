// A lossy Wi-Fi in a box: two network namespaces (a server and a phone)
// joined by a veth pair, the phone side dropping a share of the UDP
// packets each way with iptables' statistic match (TCP untouched, so the
// page and WHEP still load). Made and removed by whoever uses it (the loss
// test and bench/lossy.mjs); root only. libnice gathers no loopback
// candidates, so WebRTC needs two namespaces to behave like two hosts.
//
// SPDX-License-Identifier: GPL-3.0-or-later

import { execFileSync, spawn } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export class NetnsUnavailable extends Error {}

function run (argv) {
  return execFileSync(argv[0], argv.slice(1), { stdio: ['ignore', 'pipe', 'pipe'] }).toString();
}

function which (program) {
  for (const dir of ['/usr/sbin', '/sbin', '/usr/bin', '/bin']) {
    const candidate = path.join(dir, program);
    try {
      run(['test', '-x', candidate]);
      return candidate;
    } catch (error) { /* next */ }
  }
  return null;
}

/* Why this machine cannot make the link, or null. */
export function whyNoNetns () {
  if (typeof process.getuid === 'function' && process.getuid() !== 0)
    return 'network namespaces need root (run as root, or in CI)';
  if (!which('ip'))
    return 'iproute2 (`ip`) is not installed';
  if (!which('iptables'))
    return 'iptables is not installed';
  return null;
}

export class LossyLink {
  /* Addresses from 10.203.0.0/16, inside the namespaces only; @tag keeps
   * parallel links apart. */
  constructor (tag = String(process.pid % 250)) {
    const id = Number(tag) % 250;
    this.serverNs = `onair-srv-${tag}`;
    this.phoneNs = `onair-ph-${tag}`;
    this.serverAddr = `10.203.${id}.1`;
    this.phoneAddr = `10.203.${id}.2`;
    this.loss = 0;
    this.made = [];
    this.dir = null;
  }

  /* Throws NetnsUnavailable (with the reason) where namespaces cannot be made. */
  create () {
    const why = whyNoNetns();
    if (why)
      throw new NetnsUnavailable(why);
    const vs = `oas${this.serverNs.slice(10)}`;
    const vp = `oap${this.phoneNs.slice(9)}`;
    try {
      for (const ns of [this.serverNs, this.phoneNs]) {
        run(['ip', 'netns', 'add', ns]);
        this.made.push(ns);
        run(['ip', '-n', ns, 'link', 'set', 'lo', 'up']);
      }
      run(['ip', 'link', 'add', vs, 'netns', this.serverNs, 'type', 'veth', 'peer', 'name', vp, 'netns', this.phoneNs]);
      run(['ip', '-n', this.serverNs, 'addr', 'add', this.serverAddr + '/24', 'dev', vs]);
      run(['ip', '-n', this.phoneNs, 'addr', 'add', this.phoneAddr + '/24', 'dev', vp]);
      run(['ip', '-n', this.serverNs, 'link', 'set', vs, 'up']);
      run(['ip', '-n', this.phoneNs, 'link', 'set', vp, 'up']);
      this.waitOperational([[this.serverNs, vs], [this.phoneNs, vp]]);
      this.setLoss(0);
    } catch (error) {
      this.remove();
      const detail = error.stderr ? error.stderr.toString().trim() : error.message;
      throw new NetnsUnavailable('cannot make network namespaces here: ' + detail);
    }
    this.dir = mkdtempSync(path.join(os.tmpdir(), 'onair-netns-'));
    return this;
  }

  /* Waits (≤ 5 s) until each [namespace, device] of @links is
   * operationally up. The kernel reports a veth's carrier a moment after
   * `link set up`; a browser started in that moment lists no network and
   * gathers no ICE candidate for its first connection. */
  waitOperational (links) {
    const pause = new Int32Array(new SharedArrayBuffer(4));
    const end = Date.now() + 5000;
    for (;;) {
      const down = links.filter(([ns, dev]) => !/\bstate UP\b/.test(run(['ip', '-n', ns, '-o', 'link', 'show', 'dev', dev])));
      if (down.length === 0)
        return;
      if (Date.now() > end)
        throw new Error('the veth pair did not come up: ' + down.map(([ns, dev]) => `${dev} in ${ns}`).join(', '));
      Atomics.wait(pause, 0, 0, 50);
    }
  }

  /* Drops @fraction (0–1) of UDP packets each way on the phone side. */
  setLoss (fraction) {
    this.loss = fraction;
    const ns = ['ip', 'netns', 'exec', this.phoneNs, 'iptables'];
    run([...ns, '-F']);
    if (fraction <= 0)
      return;
    for (const chain of ['INPUT', 'OUTPUT'])
      run([...ns, '-A', chain, '-p', 'udp', '-m', 'statistic', '--mode', 'random',
           '--probability', String(fraction), '-j', 'DROP']);
  }

  /* Packets the rules dropped so far, both ways. */
  dropped () {
    const out = run(['ip', 'netns', 'exec', this.phoneNs, 'iptables', '-L', '-n', '-v', '-x']);
    let total = 0;
    for (const line of out.split('\n'))
      if (/DROP/.test(line))
        total += Number(line.trim().split(/\s+/)[0]) || 0;
    return total;
  }

  /* Spawns @argv in @ns (this.serverNs or this.phoneNs). */
  spawn (ns, argv, options = {}) {
    return spawn('ip', ['netns', 'exec', ns, ...argv], options);
  }

  /* A program that runs @program in @ns: for launchers that take a path
   * (playwright's executablePath). A @nice other than 0 runs it at that
   * priority (below 0 needs root, as the namespaces do). */
  wrapper (ns, program, nice = 0) {
    const file = path.join(this.dir, path.basename(program) + '-in-' + ns);
    const prefix = nice ? `nice -n ${Number(nice)} ` : '';
    writeFileSync(file, `#!/bin/sh\nexec ${prefix}ip netns exec ${ns} ${program} "$@"\n`);
    chmodSync(file, 0o755);
    return file;
  }

  remove () {
    for (const ns of this.made.splice(0).reverse()) {
      try {
        // Processes still inside keep it alive: the caller stops them first.
        run(['ip', 'netns', 'del', ns]);
      } catch (error) { /* already gone */ }
    }
    if (this.dir) {
      rmSync(this.dir, { recursive: true, force: true });
      this.dir = null;
    }
  }
}
