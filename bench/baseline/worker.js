// The "hand-written JavaScript worker of the same design" that edge-verify is compared against
// (bench/run.mjs): what a developer would write in an afternoon instead of edge-verify, with the
// same storage design and the same Twilio Verify v2 wire format, and no shortcut edge-verify may
// not take. Only what the benchmark exercises: POST /v2/Services, POST .../Verifications (sms),
// POST .../VerificationCheck.
//
// Cost of one start+check pair, every step awaited:
//   2 API requests, 2 Durable Object calls (one per request, to the object of service + To, the
//   single writer of sends, checks and status), 3 KV operations (2 service reads, 1 verification
//   token write with expirationTtl), 1 provider call (Twilio Messages API), HMAC-SHA256 by WebCrypto.
// The Durable Object is called by RPC, as Cloudflare's docs teach (edge-verify uses stub.fetch
// with a JSON body; a variant of this file doing the same measured equal within noise).
//
// Bindings: OTP_KV (KV), VERIFY_TARGET_JS (Durable Object VerificationTargetJs, SQLite-backed),
// ACCOUNT_SID, AUTH_TOKEN, CODE_HMAC_KEY, DELIVERY_CONFIG (JSON), TWILIO_API_BASE, PROVIDER_TIMEOUT_MS.
import { DurableObject } from "cloudflare:workers";

const LIFETIME_MS = 10 * 60 * 1000;
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

async function startVerification(env, service, form, origin) {
  const to = form.get("To") ?? "";
  if (!/^\+[1-9]\d{7,14}$/.test(to)) return invalid("To", "must be a phone number in E.164 form, e.g. +14155550100");
  if (form.get("Channel") !== "sms") return invalid("Channel", "only sms is supported");
  const stub = target(env, service.sid, to);
  const reply = await stub.start({ service_sid: service.sid, account_sid: service.account_sid, to, code_length: service.code_length });
  if (reply.error) return twilioError(429, reply.error, reply.message);
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
    const { removed } = await stub.release(attempt_sid);
    if (removed) await env.OTP_KV.delete(tokenKey);
    return twilioError(502, 30008, `Delivery failed: twilio answered ${status}`);
  }
  return json(201, verificationJson(v, origin));
}

async function checkVerification(env, service, form) {
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
  return reply.verification ? json(200, checkJson(reply.verification)) : null;
}

export default {
  async fetch(request, env) {
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
    const res = m[2] === "Verifications" ? await startVerification(env, service, form, url.origin) : await checkVerification(env, service, form);
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
    await this.ctx.storage.setAlarm(v.expires);
  }

  async start({ service_sid, account_sid, to, code_length }) {
    const now = Date.now();
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
    await this.save(v);
    return { verification: v, code, created, attempt_sid };
  }

  // Undoes a send whose delivery failed; a verification with no send left is removed.
  async release(attempt_sid) {
    const v = await this.load();
    if (!v) return { removed: false };
    v.sends = v.sends.filter((s) => s.attempt_sid !== attempt_sid);
    if (v.sends.length === 0) {
      await this.ctx.storage.deleteAll();
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
      await this.ctx.storage.deleteAll();
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
