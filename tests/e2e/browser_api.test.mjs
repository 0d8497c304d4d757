// The browser face's API through the built worker: a backend mints a client token with its
// credentials, a page (another origin) starts and checks with it as a Bearer token, CORS
// preflights and origins, the result token its approval returns, and the Turnstile bot check
// against a fake siteverify on loopback (each test token passes once: a reuse is refused).
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import http from "node:http";
import { startWorker, assertTwilioError, client } from "./harness.mjs";
import { startFakeProvider, deliveryConfig } from "./fake_provider.mjs";

const PAGE = "http://127.0.0.1:5173";

/** A fake Turnstile siteverify: tokens named `pass-*` succeed once, any other fails. */
async function startFakeSiteverify() {
  const used = new Set();
  const calls = [];
  const server = http.createServer((req, res) => {
    let body = "";
    req.on("data", (c) => { body += c; });
    req.on("end", () => {
      const form = Object.fromEntries(new URLSearchParams(body));
      calls.push({ url: req.url, form });
      let answer;
      if (req.method !== "POST" || req.url !== "/turnstile/v0/siteverify" || form.secret !== "turnstile-secret") {
        answer = { success: false, "error-codes": ["invalid-input-secret"] };
      } else if (!form.response?.startsWith("pass-")) {
        answer = { success: false, "error-codes": ["invalid-input-response"] };
      } else if (used.has(form.response)) {
        answer = { success: false, "error-codes": ["timeout-or-duplicate"] };
      } else {
        used.add(form.response);
        answer = { success: true, hostname: "127.0.0.1", "error-codes": [] };
      }
      res.writeHead(200, { "content-type": "application/json" });
      res.end(JSON.stringify(answer));
    });
  });
  await new Promise((resolve) => server.listen(0, "127.0.0.1", resolve));
  return { url: `http://127.0.0.1:${server.address().port}`, calls, close: () => new Promise((r) => server.close(r)) };
}

let w, fake, siteverify;
before(async () => {
  fake = await startFakeProvider();
  siteverify = await startFakeSiteverify();
  w = await startWorker({ DELIVERY_CONFIG: deliveryConfig(fake), TWILIO_API_BASE: fake.url, SENDGRID_API_BASE: fake.url, TURNSTILE_API_BASE: siteverify.url });
});
after(async () => { await w?.dispose(); await fake?.close(); await siteverify?.close(); });

/** A page's call: Bearer token, Origin, form body, an end user's IP. */
function page(token, origin = PAGE, ip = "198.51.100.44") {
  const c = client(w.url);
  const headers = { authorization: `Bearer ${token}`, "cf-connecting-ip": ip };
  if (origin) headers.origin = origin;
  return {
    post: (path, form, extra = {}) => c.post(path, form, { headers: { ...headers, ...extra } }),
    json: (path, json) => c.call("POST", path, { json, headers }),
  };
}

async function newService(extra = {}) {
  const r = await w.main.post("/v2/Services", { FriendlyName: "Shop", AllowedOrigins: PAGE, ...extra });
  assert.equal(r.status, 201, r.text);
  return `/v2/Services/${r.data.sid}`;
}

async function mint(base, form = {}) {
  const r = await w.main.post(`${base}/ClientTokens`, form);
  assert.equal(r.status, 201, r.text);
  return r.data;
}

const noCorsHeaders = (res) => [...res.headers.keys()].filter((k) => k.startsWith("access-control-"));

test("a backend mints, a page on another origin starts and checks with Bearer, the backend verifies the result", async () => {
  const base = await newService();
  const minted = await mint(base, { Ttl: "120" });
  assert.match(minted.token, /^evt1\.[\w-]+\.[\w-]+$/);
  assert.deepEqual(minted.scopes, ["start", "check"]);
  const p = page(minted.token);
  const to = "+14155550140";
  const started = await p.post(`${base}/Verifications`, { To: to, Channel: "sms", DeviceIp: "203.0.113.9" });
  assert.equal(started.status, 201, started.text);
  assert.equal(started.headers.get("access-control-allow-origin"), PAGE);
  assert.equal(started.headers.get("vary"), "Origin");
  assert.equal(started.headers.get("access-control-allow-credentials"), null);
  const wrong = await p.post(`${base}/VerificationCheck`, { To: to, Code: "000000" });
  assert.equal(wrong.data.status, "pending");
  const checked = await p.post(`${base}/VerificationCheck`, { To: to, Code: fake.lastCode(to) });
  assert.equal(checked.data.status, "approved", checked.text);
  assert.match(checked.data.result_token, /^evr1\./);
  const verified = await w.main.post(`${base}/VerificationResults`, { Token: checked.data.result_token });
  assert.equal(verified.status, 200, verified.text);
  assert.deepEqual([verified.data.valid, verified.data.to, verified.data.verification_sid], [true, to, started.data.sid]);
  assertTwilioError(assert, await w.main.post(`${base}/VerificationResults`, { Token: checked.data.result_token + "x" }), 404, 20404);

  // The JSON actions with the service in the query, and errors keep the CORS headers.
  const svc = base.split("/").pop();
  const action = await p.json(`/v1/actions/start_verification?service_sid=${svc}`, { to: "+14155550141", channel: "sms" });
  assert.equal(action.status, 201, action.text);
  assert.equal(action.headers.get("access-control-allow-origin"), PAGE);
  const bad = await p.post(`${base}/Verifications`, { To: "+14155550142", Channel: "sms", CustomCode: "123456" });
  assertTwilioError(assert, bad, 400, 60200, "CustomCode");
  assert.equal(bad.headers.get("access-control-allow-origin"), PAGE);

  // Anything wrong with the token is the same 401.
  for (const token of [minted.token.slice(0, -2) + "xx", "evt1.e30.AAAA", "nonsense"]) {
    const r = await page(token).post(`${base}/Verifications`, { To: "+14155550143", Channel: "sms" });
    assertTwilioError(assert, r, 401, 20003);
    assert.equal(r.data.message, "Authentication Error - invalid token");
  }
  assertTwilioError(assert, await page(minted.token).post(`${base}/ClientTokens`, {}), 401, 20003);
  const short = await mint(base, { Ttl: "1", Scopes: "start" });
  await new Promise((r) => setTimeout(r, 1100));
  assertTwilioError(assert, await page(short.token).post(`${base}/Verifications`, { To: "+14155550144", Channel: "sms" }), 401, 20003);
});

test("preflights answer the listed origins only, and an unlisted origin runs nothing", async () => {
  const base = await newService();
  const { token } = await mint(base);
  const svc = base.split("/").pop();
  for (const path of [`${base}/Verifications`, `${base}/VerificationCheck`, `/v1/actions/check_verification?service_sid=${svc}`]) {
    const ok = await fetch(w.url + path, { method: "OPTIONS", headers: { origin: PAGE, "access-control-request-method": "POST", "access-control-request-headers": "authorization, content-type" } });
    assert.equal(ok.status, 204, path);
    assert.equal(ok.headers.get("access-control-allow-origin"), PAGE);
    assert.equal(ok.headers.get("access-control-allow-methods"), "POST");
    assert.equal(ok.headers.get("access-control-allow-headers"), "authorization, content-type");
    assert.equal(ok.headers.get("access-control-max-age"), "600");
    assert.equal(ok.headers.get("vary"), "Origin");
    assert.equal(ok.headers.get("access-control-allow-credentials"), null);
    const no = await fetch(w.url + path, { method: "OPTIONS", headers: { origin: "http://127.0.0.1:6666", "access-control-request-method": "POST" } });
    assert.equal(no.status, 403);
    assert.deepEqual(noCorsHeaders(no), []);
  }
  const before = fake.received.length;
  const refused = await page(token, "http://127.0.0.1:6666").post(`${base}/Verifications`, { To: "+14155550150", Channel: "sms" });
  assertTwilioError(assert, refused, 403, 20403);
  assert.deepEqual(noCorsHeaders(refused), []);
  assert.equal(fake.received.length, before, "nothing was sent");
  const noQuery = await fetch(`${w.url}/v1/actions/start_verification`, { method: "OPTIONS", headers: { origin: PAGE } });
  assert.equal(noQuery.status, 403, "an action names its service in the query for CORS");
});

test("Turnstile: a passing token starts once, a failing or reused one is 60451 and sends nothing", async () => {
  const base = await newService({ "Turnstile.SiteKey": "1x00000000000000000000AA", "Turnstile.SecretKey": "turnstile-secret" });
  const svc = (await w.main.get(base)).data;
  assert.deepEqual([svc.turnstile_enabled, svc.turnstile_site_key], [true, "1x00000000000000000000AA"]);
  assert.ok(!JSON.stringify(svc).includes("turnstile-secret"), "the secret is never shown");
  const { token } = await mint(base, { MaxStarts: "2" });
  const p = page(token, PAGE, "198.51.100.45");
  const sent = () => fake.received.length;
  let before = sent();
  const missing = await p.post(`${base}/Verifications`, { To: "+14155550160", Channel: "sms" });
  assertTwilioError(assert, missing, 403, 60451);
  assert.equal(missing.data.message, "Bot check failed: TurnstileToken is required");
  const failed = await p.post(`${base}/Verifications`, { To: "+14155550160", Channel: "sms", TurnstileToken: "fail-1" });
  assertTwilioError(assert, failed, 403, 60451);
  assert.equal(failed.data.message, "Bot check failed: invalid-input-response");
  assert.equal(sent(), before, "refused starts send nothing");
  const ok = await p.post(`${base}/Verifications`, { To: "+14155550160", Channel: "sms", TurnstileToken: "pass-1" });
  assert.equal(ok.status, 201, ok.text);
  assert.equal(sent(), before + 1);
  const call = siteverify.calls.at(-1);
  assert.deepEqual([call.form.secret, call.form.response, call.form.remoteip], ["turnstile-secret", "pass-1", "198.51.100.45"]);
  assert.equal(call.form.idempotency_key, undefined, "no idempotency key: siteverify wants a UUID, and a fresh one per call buys nothing");
  before = sent();
  const reused = await p.post(`${base}/Verifications`, { To: "+14155550161", Channel: "sms", TurnstileToken: "pass-1" });
  assertTwilioError(assert, reused, 403, 60451);
  assert.equal(reused.data.message, "Bot check failed: timeout-or-duplicate");
  assert.equal(sent(), before, "nothing sent");
  // The refusals counted nothing: MaxStarts=2 still has its second start.
  assert.equal((await p.post(`${base}/Verifications`, { To: "+14155550161", Channel: "sms", TurnstileToken: "pass-2" })).status, 201);
  assertTwilioError(assert, await p.post(`${base}/Verifications`, { To: "+14155550162", Channel: "sms", TurnstileToken: "pass-3" }), 429, 20429);
  // A secret siteverify refuses is the operator's problem: logged, and only "unavailable" to the page.
  const wrong = await newService({ "Turnstile.SiteKey": "1x00000000000000000000AA", "Turnstile.SecretKey": "wrong-secret" });
  const q = page((await mint(wrong, {})).token, PAGE, "198.51.100.46");
  const unavailable = await q.post(`${wrong}/Verifications`, { To: "+14155550164", Channel: "sms", TurnstileToken: "pass-9" });
  assertTwilioError(assert, unavailable, 403, 60451);
  assert.equal(unavailable.data.message, "Bot check failed: the bot check is unavailable");
  await new Promise((r) => setTimeout(r, 100));
  assert.match(w.logText(), /error 60451: turnstile siteverify refused the service's secret or failed: invalid-input-secret/);
  assert.ok(!w.logText().includes("wrong-secret"), "the secret is never logged");
  // Backends are not asked for a bot check.
  assert.equal((await w.main.post(`${base}/Verifications`, { To: "+14155550163", Channel: "sms" })).status, 201);
});
