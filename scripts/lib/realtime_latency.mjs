// Write-to-event latency of the realtime API, as Stream's browser client sees it: a client
// (`@stream-io/feeds-client`, with `ws` as its WebSocket) watches a user feed; the server SDK
// adds N activities to it one after another; each is timed from the add's start to the
// `feeds.activity.added` event's arrival. Prints p50, p99, min and max (also as `BENCH-FIGURE`
// lines for scripts/bench's JSON record).
//
// Run by `scripts/bench realtime_latency` against a stack it starts; by hand:
//   BASE_URL=http://127.0.0.1:3030 API_KEY=… API_SECRET=… [N=50] node scripts/lib/realtime_latency.mjs

import { createRequire } from 'node:module';

const require = createRequire(new URL('../package.json', import.meta.url));
globalThis.WebSocket ??= require('ws');
const { FeedsClient } = require('@stream-io/feeds-client');
const { StreamClient } = require('@stream-io/node-sdk');

const { BASE_URL: base, API_KEY: key, API_SECRET: secret } = process.env;
const N = Number(process.env.N || 50);
const server = new StreamClient(key, secret, { basePath: base, timeout: 30_000 });
const user = `latency-${Date.now()}`;
const browser = new FeedsClient(key, { base_url: base });
await browser.connectUser({ id: user }, server.generateUserToken({ user_id: user }));
await browser.feed('user', user).getOrCreate({ watch: true });

const waiting = new Map();
browser.on('feeds.activity.added', (e) => waiting.get(e.activity?.text)?.(Date.now()));
const times = [];
for (let i = 0; i < N; i++) {
  const text = `latency ${i}`;
  const arrived = new Promise((resolve, reject) => {
    waiting.set(text, resolve);
    setTimeout(() => reject(new Error(`no event for '${text}' in 30 s`)), 30_000);
  });
  const start = Date.now();
  await server.feeds.addActivity({ type: 'post', feeds: [`user:${user}`], text, user_id: user });
  times.push((await arrived) - start);
}
times.sort((a, b) => a - b);
const at = (q) => times[Math.round((times.length - 1) * q)];
console.log(
  `write -> event, ${N} activities: p50 ${at(0.5)} ms  p99 ${at(0.99)} ms  min ${times[0]} ms  max ${times.at(-1)} ms`,
);
// The same figures for scripts/bench's JSON record (scripts/lib/bench_results.py).
for (const [measure, value] of [['p50', at(0.5)], ['p99', at(0.99)], ['min', times[0]], ['max', times.at(-1)]]) {
  const figure = { bench: 'realtime_latency', measure: `write -> event: ${measure}`, value, unit: 'ms' };
  console.log(`BENCH-FIGURE ${JSON.stringify(figure)}`);
}
await browser.disconnectUser();
process.exit(0);
