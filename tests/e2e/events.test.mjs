// Event webhooks end to end: a fake receiver on loopback gets each event type once with a valid
// signature, a failing receiver gets retries on the schedule with the same event id, deliveries
// survive a worker restart (Durable Object storage persisted to disk), a disabled webhook gets
// nothing, and private URLs are refused outside dev mode. Prints the delivery latency (API
// response to receiver) and the observed retry schedule.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { createHmac, randomBytes, timingSafeEqual } from "node:crypto";
import { execFile } from "node:child_process";
import { createServer } from "node:http";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { startWorker, assertTwilioError, MAIN_SID } from "./harness.mjs";

const RETRY_MS = [300, 600, 1200, 2400];

/** A receiver on 127.0.0.1: records every request; `fail` answers the next n with 500. */
async function startReceiver(port = 0) {
  const hits = [];
  const state = { fail: 0 };
  const server = createServer((req, res) => {
    const chunks = [];
    req.on("data", (c) => chunks.push(c));
    req.on("end", () => {
      const body = Buffer.concat(chunks).toString("utf8");
      const failed = state.fail > 0;
      if (failed) state.fail -= 1;
      hits.push({ at: performance.now(), path: req.url, headers: req.headers, body, json: JSON.parse(body || "null"), status: failed ? 500 : 204 });
      res.writeHead(failed ? 500 : 204).end();
    });
  });
  await new Promise((resolve) => server.listen(port, "127.0.0.1", resolve));
  return {
    hits,
    state,
    port: server.address().port,
    url: (p = "/hook") => `http://127.0.0.1:${server.address().port}${p}`,
    close: () => new Promise((resolve) => { server.closeAllConnections(); server.close(resolve); }),
  };
}

/** Waits until `ready()` holds (polling every 20 ms), at most `ms`. */
async function until(ready, ms = 8000, what = "condition") {
  const start = Date.now();
  while (!ready()) {
    if (Date.now() - start > ms) assert.fail(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** The receiver's check, as docs/events.md shows it. */
function verify(secret, hit, toleranceSeconds = 300) {
  const header = hit.headers["x-edge-verify-signature"] ?? "";
  const parts = Object.fromEntries(header.split(",").map((p) => p.split("=", 2)));
  const t = Number(parts.t);
  if (!Number.isInteger(t) || Math.abs(Date.now() / 1000 - t) > toleranceSeconds) return false;
  const expected = createHmac("sha256", secret).update(`${t}.${hit.body}`).digest("hex");
  const given = Buffer.from(parts.v1 ?? "", "utf8");
  return given.length === expected.length && timingSafeEqual(given, Buffer.from(expected, "utf8"));
}

async function code(w, to) {
  for (let i = 0; i < 100; i++) {
    const r = await w.main.get("/dev/outbox", { query: { To: to } });
    const m = r.data.messages?.[0]?.body.match(/(\d{4,10})/);
    if (m) return m[1];
    await new Promise((res) => setTimeout(res, 20));
  }
  assert.fail(`no code for ${to}`);
}

async function newService(w, name) {
  const r = await w.main.post("/v2/Services", { FriendlyName: name });
  assert.equal(r.status, 201, r.text);
  return r.data.sid;
}

/** Creates a webhook with Twilio's repeated EventTypes keys. */
async function newHook(w, svc, url, types = ["*"], extra = {}) {
  const form = new URLSearchParams({ FriendlyName: "receiver", WebhookUrl: url, ...extra });
  for (const t of types) form.append("EventTypes", t);
  const r = await w.main.call("POST", `/v2/Services/${svc}/Webhooks`, { body: form.toString(), headers: { "content-type": "application/x-www-form-urlencoded" } });
  assert.equal(r.status, 201, r.text);
  return r.data;
}

const percentile = (xs, p) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor((p / 100) * xs.length))];

let w;
let rx;
before(async () => {
  rx = await startReceiver();
  w = await startWorker({ DEV_MODE: "true", VERIFICATION_LIFETIME_SECONDS: "3", EVENT_RETRY_SCHEDULE_MS: RETRY_MS.join(",") });
});
after(async () => {
  await w?.dispose();
  await rx?.close();
});

test("the webhook resource: Twilio's shape, the secret shown once, 404s and limits", async () => {
  const svc = await newService(w, "Hooks");
  const hook = await newHook(w, svc, rx.url("/shape"), ["verification.approved", "factor.created"]);
  assert.match(hook.sid, /^YW[0-9a-f]{32}$/);
  assert.deepEqual([hook.status, hook.version, hook.webhook_method, hook.service_sid], ["enabled", "v2", "POST", svc]);
  assert.deepEqual(hook.event_types, ["verification.approved", "factor.created"]);
  assert.match(hook.secret, /^whsec_[0-9a-f]{64}$/);
  const fetched = await w.main.get(`/v2/Services/${svc}/Webhooks/${hook.sid}`);
  assert.equal(fetched.status, 200);
  assert.equal(fetched.data.secret, undefined);
  assert.ok(!fetched.text.includes(hook.secret));
  const list = await w.main.get(`/v2/Services/${svc}/Webhooks`);
  assert.deepEqual([list.status, list.data.meta.key, list.data.webhooks.length], [200, "webhooks", 1]);
  const updated = await w.main.post(`/v2/Services/${svc}/Webhooks/${hook.sid}`, { Status: "disabled" });
  assert.deepEqual([updated.status, updated.data.status], [200, "disabled"]);
  assertTwilioError(assert, await w.main.post(`/v2/Services/${svc}/Webhooks`, { FriendlyName: "x", EventTypes: "nope", WebhookUrl: rx.url() }), 400, 60200, "EventTypes");
  assertTwilioError(assert, await w.main.post(`/v2/Services/${svc}/Webhooks`, { FriendlyName: "x", EventTypes: "*", WebhookUrl: "http://10.0.0.1/" }), 400, 60200, "WebhookUrl");
  assertTwilioError(assert, await w.main.get(`/v2/Services/${svc}/Webhooks/YW${"0".repeat(32)}`), 404, 20404);
  assert.equal((await w.main.del(`/v2/Services/${svc}/Webhooks/${hook.sid}`)).status, 204);
  assertTwilioError(assert, await w.main.get(`/v2/Services/${svc}/Webhooks/${hook.sid}`), 404, 20404);
  const sub = (await w.main.post("/2010-04-01/Accounts.json", { FriendlyName: "Other" })).data;
  assertTwilioError(assert, await w.as(sub.sid, sub.auth_token).get(`/v2/Services/${svc}/Webhooks`), 404, 20404);
});

test("the official twilio Python library manages webhooks (EventTypes as repeated keys)", async () => {
  const svc = await newService(w, "Python hooks");
  const script = `
import os, sys
from twilio.rest import Client
c = Client(os.environ["SID"], os.environ["TOKEN"], environment={})
c.verify.base_url = os.environ["URL"]
hooks = c.verify.v2.services(os.environ["SVC"]).webhooks
h = hooks.create(friendly_name="CRM", event_types=["verification.approved", "verification.expired"], webhook_url=os.environ["HOOK"])
assert h.sid.startswith("YW") and h.event_types == ["verification.approved", "verification.expired"], h.event_types
assert h.status == "enabled" and h.version == "v2" and h.webhook_method == "POST", (h.status, h.version)
assert hooks(h.sid).fetch().webhook_url == os.environ["HOOK"]
u = hooks(h.sid).update(status="disabled", event_types=["*"])
assert u.status == "disabled" and u.event_types == ["*"], (u.status, u.event_types)
assert [x.sid for x in hooks.list()] == [h.sid]
assert hooks(h.sid).delete() is True
assert hooks.list() == []
print("ok")
`;
  const env = { ...process.env, SID: MAIN_SID, TOKEN: w.authToken, URL: w.url, SVC: svc, HOOK: rx.url("/python") };
  delete env.TWILIO_EDGE;
  delete env.TWILIO_REGION;
  const result = await new Promise((resolve) => execFile(".venv/bin/python", ["-c", script], { env, encoding: "utf8", timeout: 60_000 }, (error, stdout, stderr) => resolve({ error, out: `${stdout}\n${stderr}` })));
  assert.equal(result.error, null, result.out);
  assert.match(result.out, /^ok$/m);
});

test("each event type arrives once, signed, and a disabled webhook gets nothing", async () => {
  const svc = await newService(w, "Events");
  const hook = await newHook(w, svc, rx.url("/all"));
  await newHook(w, svc, rx.url("/disabled"), ["*"], { Status: "disabled" });
  const base = `/v2/Services/${svc}`;
  const approved = "+14155550101", canceled = "+14155550102", exhausted = "+14155550103", expiring = "+14155550104";
  const starts = {};
  for (const to of [approved, canceled, exhausted, expiring]) {
    const r = await w.main.post(`${base}/Verifications`, { To: to, Channel: "sms" });
    assert.equal(r.status, 201, r.text);
    starts[to] = r.data.sid;
  }
  const approvedCode = await code(w, approved);
  assert.equal((await w.main.post(`${base}/VerificationCheck`, { To: approved, Code: approvedCode })).data.status, "approved");
  assert.equal((await w.main.post(`${base}/Verifications/${starts[canceled]}`, { Status: "canceled" })).data.status, "canceled");
  const right = await code(w, exhausted);
  const wrong = right === "000000" ? "111111" : "000000";
  for (let i = 0; i < 5; i++) await w.main.post(`${base}/VerificationCheck`, { To: exhausted, Code: wrong });
  const mine = () => rx.hits.filter((h) => h.path === "/all");
  const expected = [
    ["verification.started", approved], ["verification.started", canceled], ["verification.started", exhausted], ["verification.started", expiring],
    ["verification.approved", approved], ["verification.canceled", canceled], ["verification.max_attempts_reached", exhausted], ["verification.expired", expiring],
  ];
  await until(() => mine().length >= expected.length, 10000, "eight events");
  await new Promise((r) => setTimeout(r, 1000));
  const hits = mine();
  assert.equal(hits.length, expected.length, JSON.stringify(hits.map((h) => h.json.type)));
  for (const [type, to] of expected) {
    const found = hits.filter((h) => h.json.type === type && h.json.to === to);
    assert.equal(found.length, 1, `${type} for ${to} once`);
    const [hit] = found;
    assert.ok(verify(hook.secret, hit), `a valid signature on ${type}`);
    assert.ok(!verify("whsec_" + "0".repeat(64), hit), "not under another secret");
    assert.equal(hit.headers["x-edge-verify-event-id"], hit.json.id);
    assert.equal(hit.headers["x-edge-verify-event-type"], type);
    assert.match(hit.json.id, /^EV[0-9a-f]{32}$/);
    assert.deepEqual([hit.json.service_sid, hit.json.verification_sid, hit.json.channel], [svc, starts[to], "sms"]);
    assert.ok(!hit.body.includes(approvedCode) && !hit.body.includes(right), "never the code");
  }
  assert.equal(new Set(hits.map((h) => h.json.id)).size, hits.length, "unique ids");
  assert.equal(hits.find((h) => h.json.type === "verification.expired").json.status, "expired");
  assert.equal(rx.hits.filter((h) => h.path === "/disabled").length, 0, "the disabled webhook got nothing");
});

test("a receiver that fails twice gets the same event again on the schedule, then once more", async () => {
  const svc = await newService(w, "Retries");
  await newHook(w, svc, rx.url("/retry"), ["verification.started"]);
  rx.state.fail = 2;
  const r = await w.main.post(`/v2/Services/${svc}/Verifications`, { To: "+14155550111", Channel: "sms" });
  assert.equal(r.status, 201);
  const mine = () => rx.hits.filter((h) => h.path === "/retry");
  await until(() => mine().length >= 3, 10000, "three tries");
  await new Promise((res) => setTimeout(res, RETRY_MS[2] + 500));
  const hits = mine();
  assert.deepEqual(hits.map((h) => h.status), [500, 500, 204], "two failures, then one delivery and no more");
  assert.equal(new Set(hits.map((h) => h.headers["x-edge-verify-event-id"])).size, 1, "the same event id each time");
  assert.equal(new Set(hits.map((h) => h.body)).size, 1, "the same body each time");
  const gaps = hits.slice(1).map((h, i) => Math.round(h.at - hits[i].at));
  console.log(`# retry schedule (EVENT_RETRY_SCHEDULE_MS=${RETRY_MS.join(",")}): observed gaps ${gaps.join(" ms, ")} ms`);
  assert.ok(gaps[0] >= RETRY_MS[0] - 50 && gaps[1] >= RETRY_MS[1] - 50, `waits follow the schedule: ${gaps}`);
  assert.ok(gaps[1] > gaps[0], "backs off");
});

test("a receiver that never answers 2xx: the failure is recorded on the webhook after the last retry", async () => {
  const svc = await newService(w, "Failures");
  const hook = await newHook(w, svc, rx.url("/fail"), ["verification.started"]);
  rx.state.fail = 1000;
  await w.main.post(`/v2/Services/${svc}/Verifications`, { To: "+14155550112", Channel: "sms" });
  const total = RETRY_MS.reduce((a, b) => a + b, 0);
  await until(() => rx.hits.filter((h) => h.path === "/fail").length >= RETRY_MS.length + 1, total + 5000, "every try");
  let failures = [];
  for (let i = 0; i < 50 && failures.length === 0; i++) {
    failures = (await w.main.get(`/v2/Services/${svc}/Webhooks/${hook.sid}`)).data.delivery_failures;
    await new Promise((res) => setTimeout(res, 50));
  }
  rx.state.fail = 0;
  assert.equal(failures.length, 1);
  assert.deepEqual([failures[0].event_type, failures[0].attempts, failures[0].error], ["verification.started", RETRY_MS.length + 1, "HTTP 500"]);
  assert.match(failures[0].event_id, /^EV[0-9a-f]{32}$/);
});

test("delivery latency: API response to receiver, over 20 events", async () => {
  const svc = await newService(w, "Latency");
  await newHook(w, svc, rx.url("/latency"), ["verification.started"]);
  const latencies = [];
  for (let i = 0; i < 20; i++) {
    const to = `+1415555${String(2000 + i).padStart(4, "0")}`;
    const before = rx.hits.filter((h) => h.path === "/latency").length;
    const r = await w.main.post(`/v2/Services/${svc}/Verifications`, { To: to, Channel: "sms" });
    const answered = performance.now();
    assert.equal(r.status, 201);
    await until(() => rx.hits.filter((h) => h.path === "/latency").length > before, 5000, "the event");
    const hit = rx.hits.filter((h) => h.path === "/latency").at(-1);
    assert.equal(hit.json.to, to);
    latencies.push(hit.at - answered);
  }
  const p50 = percentile(latencies, 50), p95 = percentile(latencies, 95);
  console.log(`# event delivery latency over ${latencies.length} events: p50 ${p50.toFixed(1)} ms, p95 ${p95.toFixed(1)} ms, max ${Math.max(...latencies).toFixed(1)} ms`);
  assert.ok(p50 < 2000, `p50 ${p50} ms`);
});

test("outside dev mode, loopback and private receivers are refused", async () => {
  const prod = await startWorker({});
  try {
    const svc = await newService(prod, "Prod");
    for (const url of [rx.url(), "https://127.0.0.1/hook", "https://localhost/hook", "https://10.1.2.3/", "https://169.254.169.254/", "https://[::1]/", "https://2130706433/"]) {
      assertTwilioError(assert, await prod.main.post(`/v2/Services/${svc}/Webhooks`, { FriendlyName: "x", EventTypes: "*", WebhookUrl: url }), 400, 60200, "WebhookUrl");
    }
    const ok = await prod.main.post(`/v2/Services/${svc}/Webhooks`, { FriendlyName: "x", EventTypes: "*", WebhookUrl: "https://hooks.example.com/edge-verify" });
    assert.equal(ok.status, 201, ok.text);
  } finally {
    await prod.dispose();
  }
});

test("an event owed to a receiver that is down survives a worker restart", async () => {
  const dir = mkdtempSync(path.join(tmpdir(), "edge-verify-events-"));
  const down = await startReceiver();
  const port = down.port;
  await down.close();
  const fixed = { DEV_MODE: "true", AUTH_TOKEN: randomBytes(16).toString("hex"), CODE_HMAC_KEY: randomBytes(24).toString("hex"), EVENT_RETRY_SCHEDULE_MS: "1000,2000,4000,8000,16000" };
  const persist = { history: false, miniflare: { durableObjectsPersist: path.join(dir, "do"), kvPersist: path.join(dir, "kv") } };
  // The harness's client holds a token of its own: call with the fixed one.
  const restartable = async () => {
    const started = await startWorker(fixed, persist);
    return { ...started, main: started.as(MAIN_SID, fixed.AUTH_TOKEN) };
  };
  let first = await restartable();
  let second;
  let back;
  try {
    const svc = await newService(first, "Restart");
    const hook = await newHook(first, svc, `http://127.0.0.1:${port}/restart`, ["verification.started"]);
    const r = await first.main.post(`/v2/Services/${svc}/Verifications`, { To: "+14155550120", Channel: "sms" });
    assert.equal(r.status, 201);
    await new Promise((res) => setTimeout(res, 300));
    await first.dispose();
    first = undefined;
    second = await restartable();
    assert.equal((await second.main.get(`/v2/Services/${svc}/Webhooks/${hook.sid}`)).status, 200, "the webhook survived");
    back = await startReceiver(port);
    await until(() => back.hits.length >= 1, 20000, "the event after the restart");
    const [hit] = back.hits;
    assert.equal(hit.json.type, "verification.started");
    assert.equal(hit.json.verification_sid, r.data.sid);
    assert.ok(verify(hook.secret, hit));
    await new Promise((res) => setTimeout(res, 500));
    assert.equal(back.hits.length, 1, "delivered once");
  } finally {
    await first?.dispose();
    await second?.dispose();
    await back?.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
