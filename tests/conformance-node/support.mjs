// Shared helpers for the Node SDK conformance tests (no tests here).
//
// The tests talk to a running Tributary server through Stream's official Node server SDK,
// `@stream-io/node-sdk`, installed by scripts/setup into scripts/node_modules (pinned in
// scripts/package.json). Configure the target with:
//
//   TRIBUTARY_BASE_URL    e.g. http://127.0.0.1:3030
//   TRIBUTARY_API_KEY     e.g. tributary-dev-key
//   TRIBUTARY_API_SECRET  e.g. tributary-dev-secret
//
// Missing configuration is a failure, never a skip.

import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';

// The SDK lives in scripts/node_modules, not next to the tests: resolve it from there.
const scriptsRequire = createRequire(new URL('../../scripts/package.json', import.meta.url));
const sdk = scriptsRequire('@stream-io/node-sdk');
export const { StreamClient, StreamFeedsClient } = sdk;
// The package's `exports` hide its package.json; find its directory from its entry point.
const SDK_DIR = path.resolve(path.dirname(scriptsRequire.resolve('@stream-io/node-sdk')), '..');
export const SDK_VERSION = JSON.parse(readFileSync(path.join(SDK_DIR, 'package.json'), 'utf8')).version;

const ENV_VARS = ['TRIBUTARY_BASE_URL', 'TRIBUTARY_API_KEY', 'TRIBUTARY_API_SECRET'];
const missing = ENV_VARS.filter((name) => !process.env[name]);
if (missing.length) {
  throw new Error(
    `Conformance tests need a running Tributary server. Set ${missing.join(', ')} ` +
      '(for the local dev stack: TRIBUTARY_BASE_URL=http://127.0.0.1:3030 ' +
      'TRIBUTARY_API_KEY=tributary-dev-key TRIBUTARY_API_SECRET=tributary-dev-secret).',
  );
}
export const settings = {
  baseUrl: process.env.TRIBUTARY_BASE_URL.replace(/\/+$/, ''),
  apiKey: process.env.TRIBUTARY_API_KEY,
  apiSecret: process.env.TRIBUTARY_API_SECRET,
};

// The SDK's default timeout is 3 s; debug builds on a busy machine can take longer.
const TIMEOUT_MS = 30_000;

/** A server-side client (signed with the app secret), exactly as an app would build it. */
export const client = new StreamClient(settings.apiKey, settings.apiSecret, {
  basePath: settings.baseUrl,
  timeout: TIMEOUT_MS,
});

/** A fresh unique id, so tests never collide and can rerun on the same database. */
export const uid = (prefix = 't') => `${prefix}-${randomUUID().replace(/-/g, '').slice(0, 16)}`;

/** A user token, made by the SDK (`generateUserToken`, HS256 with the app secret). */
export const userToken = (userId) => client.generateUserToken({ user_id: userId, validity_in_seconds: 3600 });

/**
 * userFeeds(userId) -> the SDK's feeds client authenticated with that user's token.
 *
 * The Node server SDK has no public way to send a user token: `StreamClient` always signs a
 * server token. Its feeds client takes the SDK's own HTTP client, though, so this builds one
 * (the SDK's `ApiClient` class, reached through the server client) with the user's JWT in
 * place of the server token: the requests are byte for byte what the SDK sends (the same
 * `Authorization`, `stream-auth-type: jwt`, `X-Stream-Client`, `api_key`), and responses and
 * errors go through the SDK's decoding.
 */
export function userFeeds(userId) {
  const ApiClient = client.feeds.apiClient.constructor;
  const apiClient = new ApiClient({
    apiKey: settings.apiKey,
    token: userToken(userId),
    baseUrl: settings.baseUrl,
    timeout: TIMEOUT_MS,
  });
  return new StreamFeedsClient(apiClient);
}

/**
 * An HTTP call the SDK cannot make (an endpoint it does not have), sent the way the SDK sends
 * its own: `api_key` in the query, the raw JWT in `Authorization`, `stream-auth-type: jwt`.
 * Returns { status, body }.
 */
export async function rawCall(method, urlPath, { token, body, query } = {}) {
  const params = new URLSearchParams({ ...(query || {}), api_key: settings.apiKey });
  const headers = {
    Authorization: token ?? client.feeds.apiClient.apiConfig.token,
    'stream-auth-type': 'jwt',
    'X-Stream-Client': `stream-node-${SDK_VERSION}`,
    'x-client-request-id': randomUUID(),
  };
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  const resp = await fetch(`${settings.baseUrl}${urlPath}?${params}`, {
    method,
    headers,
    body: body === undefined ? undefined : JSON.stringify(body),
    signal: AbortSignal.timeout(TIMEOUT_MS),
  });
  const text = await resp.text();
  let parsed;
  try {
    parsed = JSON.parse(text);
  } catch {
    assert.fail(`${method} ${urlPath}: HTTP ${resp.status}, body is not JSON: ${text}`);
  }
  return { status: resp.status, body: parsed };
}

/** makeUser() upserts a brand-new user through the SDK and returns its id. */
export async function makeUser(name) {
  const id = uid('u');
  const resp = await client.upsertUsers([{ id, name: name ?? `User ${id}` }]);
  assert.ok(resp.users?.[id], `upsertUsers did not return ${id}`);
  return id;
}

export const DURATION_RE = /^[0-9]+(\.[0-9]+)?ms$/;

export function assertDuration(value) {
  assert.equal(typeof value, 'string', `duration must be a string, got ${JSON.stringify(value)}`);
  assert.match(value, DURATION_RE);
}

/**
 * Runs `call` (a function returning a promise), requires it to reject with the SDK's
 * StreamError carrying the given Stream error code and HTTP status; returns the error.
 */
export async function assertStreamError(call, code, status) {
  let error;
  try {
    await call();
  } catch (err) {
    error = err;
  }
  assert.ok(error, `expected a Stream error ${code} (HTTP ${status}), but the call succeeded`);
  // The SDK throws its StreamError (not exported; its `name` stays 'Error'): `code` is Stream's
  // error code, `metadata.responseCode` the HTTP status.
  assert.equal(error.constructor?.name, 'StreamError', `not a StreamError: ${error?.stack ?? error}`);
  assert.equal(error.metadata?.responseCode, status, `expected HTTP ${status}: ${error.message}`);
  assert.equal(error.code, code, `expected code ${code}: ${error.message}`);
  assert.match(error.message, new RegExp(`^Stream error code ${code}: .+`));
  return error;
}

/** Asserts a raw (non-SDK) error response is Stream's envelope with the given code and status. */
export function assertErrorEnvelope({ status, body }, code, expectedStatus) {
  assert.equal(status, expectedStatus, JSON.stringify(body));
  assert.equal(body.code, code, JSON.stringify(body));
  assert.equal(body.StatusCode, expectedStatus, JSON.stringify(body));
  assert.equal(typeof body.message, 'string');
  assert.equal(typeof body.more_info, 'string');
  assert.ok(Array.isArray(body.details));
  assertDuration(body.duration);
}

export const split = (fid) => {
  const i = fid.indexOf(':');
  return { feed_group_id: fid.slice(0, i), feed_id: fid.slice(i + 1) };
};

// --- response completeness, checked against the SDK's own type declarations --------------------
//
// JavaScript does not check a response against the SDK's TypeScript types, so a missing field
// would go unnoticed until an app reads it. `assertShape(value, 'GetOrCreateFeedResponse')`
// reads the interfaces of the SDK's `dist/src/gen/models/index.d.ts` and requires every field
// not marked optional (`?`) to be present and not null, recursively through nested models,
// arrays of models and `Record<string, Model>`.

let MODELS;

function models() {
  if (MODELS) return MODELS;
  const dts = path.join(SDK_DIR, 'dist/src/gen/models/index.d.ts');
  const text = readFileSync(dts, 'utf8');
  MODELS = new Map();
  const iface = /^export interface (\w+) \{\n([\s\S]*?)^\}/gm;
  for (const [, name, bodyText] of text.matchAll(iface)) {
    const fields = [];
    for (const line of bodyText.split('\n')) {
      const m = /^ {4}(\w+)(\??): (.+);$/.exec(line);
      if (m) fields.push({ name: m[1], optional: m[2] === '?', type: m[3].trim() });
    }
    MODELS.set(name, fields);
  }
  return MODELS;
}

function checkShape(value, type, where, problems) {
  const m = models();
  let arr = /^(\w+)\[\]$/.exec(type);
  if (arr && m.has(arr[1])) {
    if (!Array.isArray(value)) return problems.push(`${where}: expected an array of ${arr[1]}`);
    value.forEach((v, i) => checkShape(v, arr[1], `${where}[${i}]`, problems));
    return;
  }
  const rec = /^Record<string, (\w+)>$/.exec(type);
  if (rec && m.has(rec[1])) {
    if (typeof value !== 'object' || Array.isArray(value)) return problems.push(`${where}: expected an object`);
    for (const [k, v] of Object.entries(value)) checkShape(v, rec[1], `${where}.${k}`, problems);
    return;
  }
  const fields = m.get(type);
  if (!fields) return;
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return problems.push(`${where}: expected a ${type} object, got ${JSON.stringify(value)}`);
  }
  for (const f of fields) {
    const v = value[f.name];
    if (v === undefined || v === null) {
      if (!f.optional) problems.push(`${where}.${f.name} (${type}.${f.name}: ${f.type}) is missing`);
      continue;
    }
    checkShape(v, f.type, `${where}.${f.name}`, problems);
  }
}

/** Requires `value` to carry every field the SDK's model `type` declares as required. */
export function assertShape(value, type) {
  assert.ok(models().has(type), `no model ${type} in the SDK`);
  const problems = [];
  checkShape(value, type, type, problems);
  assert.deepEqual(problems, [], `response is incomplete for the SDK's ${type}:\n  ${problems.join('\n  ')}`);
  return value;
}

/** Polls `fn` until it returns a truthy value (bounded); returns that value or the last one. */
export async function eventually(fn, { timeoutMs = 15_000, intervalMs = 200 } = {}) {
  const deadline = Date.now() + timeoutMs;
  let last;
  for (;;) {
    last = await fn();
    if (last || Date.now() > deadline) return last;
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}
