// The "hand-written JavaScript worker of the same design" that edge-verify is compared against
// (bench/run.mjs): what a developer would write in an afternoon instead of edge-verify, with the
// same storage design and the same Twilio Verify v2 wire format, and no shortcut edge-verify may
// not take. Only what the benchmark exercises: POST /v2/Services, POST .../Verifications (sms),
// POST .../VerificationCheck.
//
// Cost of one start+check pair, every step awaited:
//   2 API requests, 2 Durable Object calls to the object of service + To (the single writer of
//   sends, checks and status, and of the sends to that To per hour and day), 2 limiter Durable
//   Object calls beside the start (the destination's block of 10,000 numbers: starts per service
//   and the fraud guard; the account: sends per day) and 1 after the check's response (the
//   approval credited to the block), 3 KV operations (2 service reads, 1 verification token
//   write with expirationTtl), 1 provider call (Twilio Messages API), HMAC-SHA256 by WebCrypto.
//   The limits are edge-verify's defaults (docs/limits.md), read from the same POLICY setting.
// The Durable Object is called by RPC, as Cloudflare's docs teach (edge-verify uses stub.fetch
// with a JSON body; a variant of this file doing the same measured equal within noise).
//
// Bindings: OTP_KV (KV), VERIFY_TARGET_JS (Durable Object VerificationTargetJs, SQLite-backed),
// LIMITER_JS (Durable Object LimiterJs, SQLite-backed), ACCOUNT_SID, AUTH_TOKEN, CODE_HMAC_KEY,
// DELIVERY_CONFIG (JSON), TWILIO_API_BASE, PROVIDER_TIMEOUT_MS, POLICY (JSON, optional).
import { DurableObject } from "cloudflare:workers";

const LIFETIME_MS = 10 * 60 * 1000;
const HOUR = 3600, DAY = 86400;
const MAX_SENDS = 5;
const MAX_CHECKS = 5;
const enc = new TextEncoder();

// ---- small helpers ----
const hex = (bytes) => Array.from(new Uint8Array(bytes), (b) => b.toString(16).padStart(2, "0")).join("");
const randomHex = (n) => hex(crypto.getRandomValues(new Uint8Array(n)));
const iso = (ms) => new Date(ms).toISOString().replace(/\.\d{3}Z$/, "Z");
const json = (status, body, headers = {}) =>
  new Response(JSON.stringify(body), { status, headers: { "content-type": "application/json", ...headers } });
const twilioError = (status, code, message, headers) =>
  json(status, { code, message, more_info: `https://www.twilio.com/docs/errors/${code}`, status }, headers);
const invalid = (name, why) => twilioError(400, 60200, `Invalid parameter: ${name}: ${why}`);
const notFound = (path) => twilioError(404, 20404, `The requested resource ${path} was not found`);

function equalBytes(a, b) {
  const x = new Uint8Array(a), y = new Uint8Array(b);
  if (x.length !== y.length) return false;
  let diff = 0;
  for (let i = 0; i < x.length; i++) diff |= x[i] ^ y[i];
  return diff === 0;
}

// The HMAC key, imported once per isolate.
let hmacKey;
function codeKey(env) {
  hmacKey ??= crypto.subtle.importKey("raw", enc.encode(env.CODE_HMAC_KEY), { name: "HMAC", hash: "SHA-256" }, false, ["sign"]);
  return hmacKey;
}
async function hmac(env, text) {
  return crypto.subtle.sign("HMAC", await codeKey(env), enc.encode(text));
}
// A code of `length` uniform digits derived from the seed (bytes >= 250 are skipped, no bias),
// so a resend repeats it without the code being stored.
async function deriveCode(env, seed, length) {
  let code = "";
  for (let block = 0; code.length < length; block++) {
    for (const b of new Uint8Array(await hmac(env, `code|${seed}|${block}`))) {
      if (b < 250 && code.length < length) code += String(b % 10);
    }
  }
  return code;
}
const codeDigest = async (env, sid, code) => hex(await hmac(env, `${sid}|${code}`));

// Basic auth against the main account, compared in constant time over SHA-256 digests.
async function authenticated(request, env) {
  const header = request.headers.get("authorization") ?? "";
  let given = "";
  if (header.startsWith("Basic ")) {
    try { given = atob(header.slice(6)); } catch { given = ""; }
  }
  const [a, b] = await Promise.all([
    crypto.subtle.digest("SHA-256", enc.encode(given)),
    crypto.subtle.digest("SHA-256", enc.encode(`${env.ACCOUNT_SID}:${env.AUTH_TOKEN}`)),
  ]);
  return equalBytes(a, b);
}

let policyText = {}, policy;
function limits(env) {
  if (env.POLICY !== policyText) {
    policyText = env.POLICY;
    const p = policyText ? JSON.parse(policyText) : {};
    const l = p.limits ?? {};
    policy = {
      perToHour: l.sends_per_to_per_hour ?? 8, perToDay: l.sends_per_to_per_day ?? 15,
      perPrefixHour: l.starts_per_prefix_per_hour ?? 30, perServiceDay: l.sends_per_service_per_day ?? 1000,
      perAccountDay: p.sends_per_account_per_day ?? 2000, fraud: (p.fraud_guard ?? "block") !== "off",
    };
  }
  return policy;
}

let deliveryText, deliveryRoute;
function defaultRoute(env) {
  if (env.DELIVERY_CONFIG !== deliveryText) {
    deliveryText = env.DELIVERY_CONFIG;
    deliveryRoute = JSON.parse(deliveryText).twilio_routes.find((r) => r.prefix === "*");
  }
  return deliveryRoute;
}

// ---- the resources ----
function serviceJson(s, origin) {
  return {
    sid: s.sid, account_sid: s.account_sid, friendly_name: s.friendly_name, code_length: s.code_length,
    lookup_enabled: false, psd2_enabled: false, skip_sms_to_landlines: false, dtmf_input_required: true,
    tts_name: null, do_not_share_warning_enabled: false, custom_code_enabled: false,
    date_created: s.date_created, date_updated: s.date_updated,
    url: `${origin}/v2/Services/${s.sid}`,
    links: { verifications: `${origin}/v2/Services/${s.sid}/Verifications` },
  };
}
function verificationJson(v, origin) {
  return {
    sid: v.sid, service_sid: v.service_sid, account_sid: v.account_sid, to: v.to, channel: v.channel,
    status: v.status, valid: v.status === "approved", lookup: {}, amount: null, payee: null,
    send_code_attempts: v.sends.map((s) => ({ attempt_sid: s.attempt_sid, channel: "SMS", time: iso(s.time) })),
    date_created: iso(v.created), date_updated: iso(v.updated), sna: null,
    url: `${origin}/v2/Services/${v.service_sid}/Verifications/${v.sid}`,
  };
}
function checkJson(v) {
  return {
    sid: v.sid, service_sid: v.service_sid, account_sid: v.account_sid, to: v.to, channel: v.channel,
    status: v.status, valid: v.status === "approved", amount: null, payee: null,
    date_created: iso(v.created), date_updated: iso(v.updated), sna_attempts_error_codes: null,
  };
}

async function createService(env, form, origin) {
  const name = form.get("FriendlyName");
  if (!name) return invalid("FriendlyName", "is required");
  const length = form.has("CodeLength") ? Number(form.get("CodeLength")) : 6;
  if (!Number.isInteger(length) || length < 4 || length > 10) return invalid("CodeLength", "must be an integer from 4 to 10");
  const now = iso(Date.now());
  const s = { sid: "VA" + randomHex(16), account_sid: env.ACCOUNT_SID, friendly_name: name, code_length: length, date_created: now, date_updated: now };
  await env.OTP_KV.put(`svc/${s.account_sid}/${s.sid}`, JSON.stringify(s));
  return json(201, serviceJson(s, origin));
}

const target = (env, serviceSid, to) => env.VERIFY_TARGET_JS.get(env.VERIFY_TARGET_JS.idFromName(`${serviceSid}/${to}`));
const shard = (env, name) => env.LIMITER_JS.get(env.LIMITER_JS.idFromName(name));

// The limiter reservations of a start: the destination's block of 10,000 numbers (starts per
// service per hour, and the fraud guard: unapproved numbers in one thousand, or too many
// unapproved in the block) and the account (sends per account and per service per day).
function reservations(env, service, to) {
  const p = limits(env);
  const block = to.slice(0, -4);
  return [
    { shard: shard(env, `px|${service.account_sid}|${block}`), limits: [{ name: `svc/${service.sid}`, max: p.perPrefixHour, interval: HOUR }],
      probe: p.fraud ? { dest: to, near: to.slice(0, -3), nearMax: 2, unconvertedMax: 6, blockSeconds: 12 * HOUR } : null },
    { shard: shard(env, `ac|${service.account_sid}`), limits: [{ name: "sends", max: p.perAccountDay, interval: DAY }, { name: `svc/${service.sid}`, max: p.perServiceDay, interval: DAY }], probe: null },
  ];
}

async function startVerification(env, service, form, origin) {
  const to = form.get("To") ?? "";
  if (!/^\+[1-9]\d{7,14}$/.test(to)) return invalid("To", "must be a phone number in E.164 form, e.g. +14155550100");
  if (form.get("Channel") !== "sms") return invalid("Channel", "only sms is supported");
  const stub = target(env, service.sid, to);
  const p = limits(env);
  const shards = reservations(env, service, to);
  const [reply, ...reserved] = await Promise.all([
    stub.start({ service_sid: service.sid, account_sid: service.account_sid, to, code_length: service.code_length, perHour: p.perToHour, perDay: p.perToDay }),
    ...shards.map((s) => s.shard.reserve(s.limits, s.probe)),
  ]);
  const undo = () => Promise.all([
    reply.error ? null : stub.release(reply.attempt_sid),
    ...reserved.map((r, i) => (r.error ? null : shards[i].shard.release(r.at, shards[i].limits, r.recorded ? to : null))),
  ]);
  const refusal = reply.error ? reply : reserved.find((r) => r.error);
  if (refusal) {
    await undo();
    return twilioError(refusal.status ?? 429, refusal.error, refusal.message, refusal.retryAfter ? { "retry-after": String(refusal.retryAfter) } : {});
  }
  const { verification: v, code, created, attempt_sid } = reply;
  const tokenKey = `ver/${v.service_sid}/${v.sid}`;
  if (created) {
    const token = { sid: v.sid, account_sid: v.account_sid, service_sid: v.service_sid, to: v.to, code_digest: v.digest, expires_at: v.expires };
    const ttl = Math.max(60, Math.ceil((v.expires - Date.now()) / 1000));
    await env.OTP_KV.put(tokenKey, JSON.stringify(token), { expirationTtl: ttl });
  }
  // Deliver through Twilio's Messages API with the default route.
  const route = defaultRoute(env);
  let delivered = false, status = "no answer";
  try {
    const res = await fetch(`${env.TWILIO_API_BASE}/2010-04-01/Accounts/${route.account_sid}/Messages.json`, {
      method: "POST",
      headers: {
        authorization: "Basic " + btoa(`${route.account_sid}:${route.auth_token}`),
        "content-type": "application/x-www-form-urlencoded",
      },
      body: new URLSearchParams({ To: to, From: route.from, Body: `Your ${service.friendly_name} verification code is: ${code}.` }),
      signal: AbortSignal.timeout(Number(env.PROVIDER_TIMEOUT_MS ?? 10000)),
    });
    await res.arrayBuffer();
    delivered = res.ok;
    status = res.status;
  } catch (err) {
    status = err.name;
  }
  if (!delivered) {
    await undo();
    await env.OTP_KV.delete(tokenKey);
    return twilioError(502, 30008, `Delivery failed: twilio answered ${status}`);
  }
  return json(201, verificationJson(v, origin));
}

async function checkVerification(env, service, form, ctx) {
  const code = form.get("Code");
  if (!code) return invalid("Code", "is required");
  let to = form.get("To");
  const sid = form.get("VerificationSid");
  if (!to && sid) {
    const token = await env.OTP_KV.get(`ver/${service.sid}/${sid}`, "json");
    if (!token) return null;
    to = token.to;
  }
  if (!to) return invalid("To", "To or VerificationSid is required");
  const reply = await target(env, service.sid, to).check({ sid, code });
  if (reply.error) return twilioError(429, reply.error, reply.message);
  if (reply.verification?.status === "approved" && limits(env).fraud) {
    ctx.waitUntil(shard(env, `px|${service.account_sid}|${to.slice(0, -4)}`).converted(to));
  }
  return reply.verification ? json(200, checkJson(reply.verification)) : null;
}

export default {
  async fetch(request, env, ctx) {
    const url = new URL(request.url);
    if (!(await authenticated(request, env))) {
      return twilioError(401, 20003, "Authentication Error - invalid username", { "www-authenticate": 'Basic realm="Twilio API"' });
    }
    if (request.method !== "POST") return notFound(url.pathname);
    const form = new URLSearchParams(await request.text());
    if (url.pathname === "/v2/Services") return createService(env, form, url.origin);
    const m = url.pathname.match(/^\/v2\/Services\/(VA[0-9a-f]{32})\/(Verifications|VerificationCheck)$/);
    if (!m) return notFound(url.pathname);
    const service = await env.OTP_KV.get(`svc/${env.ACCOUNT_SID}/${m[1]}`, "json");
    if (!service) return notFound(url.pathname);
    const res = m[2] === "Verifications" ? await startVerification(env, service, form, url.origin) : await checkVerification(env, service, form, ctx);
    return res ?? notFound(url.pathname);
  },
};

// One object per service + To: the single writer of that target's verification. Its state is one
// record in the object's (SQLite-backed) storage; an alarm deletes it when it expires.
export class VerificationTargetJs extends DurableObject {
  async load() {
    const v = await this.ctx.storage.get("verification");
    return v && v.expires > Date.now() ? v : null;
  }

  async save(v) {
    await this.ctx.storage.put("verification", v);
    await this.ctx.storage.setAlarm(v.expires + DAY * 1000);
  }

  async start({ service_sid, account_sid, to, code_length, perHour, perDay }) {
    const now = Date.now();
    const sends = ((await this.ctx.storage.get("sends")) ?? []).filter((t) => t > now - DAY * 1000);
    for (const [window, max] of [[HOUR * 1000, perHour], [DAY * 1000, perDay]]) {
      const inside = sends.filter((t) => t > now - window);
      if (inside.length >= max) {
        return { error: 60212, message: "Too many requests: the sends to this To are used up", retryAfter: Math.ceil((inside[inside.length - max] + window - now) / 1000) };
      }
    }
    let v = await this.load();
    if (v?.status === "max_attempts_reached") return { error: 60202, message: "Max check attempts reached" };
    if (v && v.sends.length >= MAX_SENDS) return { error: 60203, message: "Max send attempts reached" };
    const created = !v;
    let code;
    if (created) {
      const sid = "VE" + randomHex(16);
      const seed = randomHex(16);
      code = await deriveCode(this.env, seed, code_length);
      v = { sid, service_sid, account_sid, to, channel: "sms", status: "pending", seed, code_length,
        digest: await codeDigest(this.env, sid, code), sends: [], checks: 0, created: now, updated: now, expires: now + LIFETIME_MS };
    } else {
      code = await deriveCode(this.env, v.seed, v.code_length);
    }
    const attempt_sid = "VL" + randomHex(16);
    v.sends.push({ attempt_sid, time: now });
    v.updated = now;
    sends.push(now);
    await this.ctx.storage.put("sends", sends);
    await this.save(v);
    return { verification: v, code, created, attempt_sid };
  }

  // Undoes a send whose delivery failed; a verification with no send left is removed.
  async release(attempt_sid) {
    const v = await this.load();
    if (!v) return { removed: false };
    const sent = v.sends.find((s) => s.attempt_sid === attempt_sid);
    if (sent) {
      const sends = (await this.ctx.storage.get("sends")) ?? [];
      sends.splice(sends.lastIndexOf(sent.time), 1);
      await this.ctx.storage.put("sends", sends);
    }
    v.sends = v.sends.filter((s) => s.attempt_sid !== attempt_sid);
    if (v.sends.length === 0 && v.checks === 0) {
      await this.ctx.storage.delete("verification");
      return { removed: true };
    }
    await this.save(v);
    return { removed: false };
  }

  async check({ sid, code }) {
    const v = await this.load();
    if (!v || (sid && sid !== v.sid)) return {};
    if (v.status === "max_attempts_reached") return { error: 60202, message: "Max check attempts reached" };
    const given = enc.encode(await codeDigest(this.env, v.sid, code));
    const match = equalBytes(given, enc.encode(v.digest));
    v.checks += 1;
    v.updated = Date.now();
    if (match) {
      v.status = "approved";
      await this.ctx.storage.delete("verification");
    } else {
      if (v.checks >= MAX_CHECKS) v.status = "max_attempts_reached";
      await this.save(v);
    }
    return { verification: v };
  }

  async alarm() {
    await this.ctx.storage.deleteAll();
  }
}

// One object per limiter shard: counters over sliding windows kept in 60 bins each, and the
// fraud guard's memory of recent destinations. A refusal changes no counter.
export class LimiterJs extends DurableObject {
  async reserve(limits, probe) {
    const now = Math.floor(Date.now() / 1000);
    const state = (await this.ctx.storage.get("shard")) ?? { counters: {}, recent: [], block: null };
    if (state.block && state.block.until <= now) state.block = null;
    if (probe) {
      state.recent = state.recent.filter((r) => r.at > now - HOUR);
      if (state.block) return { error: 60410, status: 403, message: `blocked: ${state.block.reason}`, retryAfter: state.block.until - now };
      if (!state.recent.some((r) => r.dest === probe.dest)) {
        const open = state.recent.filter((r) => !r.converted);
        const near = open.filter((r) => r.near === probe.near).length;
        const converted = state.recent.length - open.length;
        const low = converted * 100 < 20 * (state.recent.length + 1);
        const reason = near >= probe.nearMax ? `${near + 1} unapproved numbers in one thousand`
          : open.length + 1 > probe.unconvertedMax && low ? `${open.length + 1} unapproved destinations` : null;
        if (reason) {
          state.block = { until: now + probe.blockSeconds, reason };
          await this.ctx.storage.put("shard", state);
          return { error: 60410, status: 403, message: `blocked: ${reason}`, retryAfter: probe.blockSeconds };
        }
      }
    }
    for (const l of limits) {
      const g = Math.max(1, Math.ceil(l.interval / 60));
      const bins = (state.counters[l.name] ?? []).filter(([start]) => start + g + l.interval > now);
      state.counters[l.name] = bins;
      const count = bins.reduce((n, [, c]) => n + c, 0);
      if (count + 1 > l.max) return { error: 20429, message: `Too many requests: ${l.name}`, retryAfter: bins[0][0] + g + l.interval - now };
    }
    for (const l of limits) {
      const g = Math.max(1, Math.ceil(l.interval / 60));
      const bins = state.counters[l.name];
      const start = now - (now % g);
      if (bins.length && bins[bins.length - 1][0] === start) bins[bins.length - 1][1]++;
      else bins.push([start, 1]);
    }
    let recorded = false;
    if (probe && !state.recent.some((r) => r.dest === probe.dest)) {
      state.recent.push({ dest: probe.dest, near: probe.near, at: now, converted: false });
      if (state.recent.length > 200) state.recent.shift();
      recorded = true;
    }
    await this.ctx.storage.put("shard", state);
    if (!(await this.ctx.storage.getAlarm())) await this.ctx.storage.setAlarm(Date.now() + DAY * 1000);
    return { at: now, recorded };
  }

  async release(at, limits, dest) {
    const state = await this.ctx.storage.get("shard");
    if (!state) return;
    for (const l of limits) {
      const g = Math.max(1, Math.ceil(l.interval / 60));
      const bin = (state.counters[l.name] ?? []).find(([start]) => start === at - (at % g));
      if (bin) bin[1]--;
    }
    if (dest) state.recent = state.recent.filter((r) => !(r.dest === dest && r.at === at && !r.converted));
    await this.ctx.storage.put("shard", state);
  }

  async converted(dest) {
    const state = await this.ctx.storage.get("shard");
    if (!state) return;
    for (const r of state.recent) if (r.dest === dest) r.converted = true;
    await this.ctx.storage.put("shard", state);
  }

  async alarm() {
    await this.ctx.storage.deleteAll();
  }
}
