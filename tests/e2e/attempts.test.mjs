// Verification Attempts end to end: the built worker in workerd with its D1 history database
// (Miniflare's local D1, migrated from migrations/*.sql), delivering through the fake provider.
// Starts verifications on two services, three channels and three countries, approves some, then
// lists, fetches and summarises them with each filter through the official twilio Python library
// (tests/compat/twilio_attempts.py); and a worker without the HISTORY binding still verifies.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { startWorker, assertTwilioError, MAIN_SID } from "./harness.mjs";
import { startFakeProvider, deliveryConfig } from "./fake_provider.mjs";

let w, fake;
before(async () => {
  fake = await startFakeProvider();
  w = await startWorker({ DEV_MODE: "true", DELIVERY_CONFIG: deliveryConfig(fake), TWILIO_API_BASE: fake.url, SENDGRID_API_BASE: fake.url });
});
after(async () => { await w?.dispose(); await fake?.close(); });

function run(cmd, args, options) {
  return new Promise((resolve) => {
    execFile(cmd, args, options, (error, stdout, stderr) => resolve({ status: error ? error.code ?? 1 : 0, stdout, stderr }));
  });
}

async function service(name) {
  const r = await w.main.post("/v2/Services", { FriendlyName: name });
  assert.equal(r.status, 201, r.text);
  return r.data.sid;
}

/** Waits for the writes made after the responses (ctx.waitUntil) to land. */
async function attemptsSettle(count, converted) {
  for (let i = 0; i < 100; i++) {
    const s = await w.main.get("/v2/Attempts/Summary");
    assert.equal(s.status, 200, s.text);
    if (s.data.total_attempts === count && s.data.total_converted === converted) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  assert.fail("the attempts did not settle");
}

test("attempts are recorded, converted, listed and summarised with every filter through twilio-python", async () => {
  const [a, b] = [await service("Alpha"), await service("Beta")];
  const plan = [
    { service: a, to: "+14155551201", channel: "sms", country: "US", approve: "code" },
    { service: a, to: "+447700900123", channel: "sms", country: "GB", approve: "status" },
    { service: b, to: "+33612345678", channel: "call", country: "FR" },
    { service: b, to: "+14155551202", channel: "sms", country: "US" },
    { service: a, to: "ada@acme.test", channel: "email", country: null, approve: "code" },
  ];
  const attempts = [];
  for (const p of plan) {
    const r = await w.main.post(`/v2/Services/${p.service}/Verifications`, { To: p.to, Channel: p.channel });
    assert.equal(r.status, 201, r.text);
    attempts.push({ verification: r.data.sid, service: p.service, to: p.to, channel: p.channel, country: p.country, converted: Boolean(p.approve) });
    if (p.approve === "code") {
      const check = await w.main.post(`/v2/Services/${p.service}/VerificationCheck`, { To: p.to, Code: fake.lastCode(p.to) });
      assert.equal(check.data.status, "approved", check.text);
    } else if (p.approve === "status") {
      const update = await w.main.post(`/v2/Services/${p.service}/Verifications/${r.data.sid}`, { Status: "approved" });
      assert.equal(update.data.status, "approved", update.text);
    }
  }
  await attemptsSettle(attempts.length, 3);

  const list = await w.main.get("/v2/Attempts");
  assert.equal(list.status, 200, list.text);
  assert.equal(list.data.attempts.length, attempts.length);
  assert.deepEqual(Object.keys(list.data.attempts[0]).sort(), ["account_sid", "channel", "channel_data", "conversion_status", "date_created", "date_updated", "price", "service_sid", "sid", "url", "verification_sid"]);
  assert.equal(list.data.attempts[0].account_sid, MAIN_SID);
  assert.match(list.data.attempts[0].date_created, /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/);
  assert.equal(list.data.meta.key, "attempts");

  const env = { ...process.env, EDGE_VERIFY_URL: w.url, EDGE_VERIFY_ACCOUNT_SID: MAIN_SID, EDGE_VERIFY_AUTH_TOKEN: w.authToken, EDGE_VERIFY_ATTEMPTS: JSON.stringify({ services: [a, b], attempts }) };
  delete env.TWILIO_EDGE;
  delete env.TWILIO_REGION;
  const result = await run(".venv/bin/python", ["tests/compat/twilio_attempts.py", "-v"], { env, encoding: "utf8", timeout: 120_000 });
  const output = `${result.stdout}\n${result.stderr}`;
  assert.equal(result.status, 0, output);
  assert.match(result.stderr, /^OK$/m, output);
  assert.match(result.stderr, /^Ran 6 tests/m, output);
});

test("bad filters are 400 naming the parameter; an unknown attempt is 404 20404; Summary is not a SID", async () => {
  for (const [query, name] of [["DateCreatedAfter=yesterday", "DateCreatedAfter"], ["Status=approved", "Status"], ["VerificationSid=VE1", "VerificationSid"], ["Channel=fax", "Channel"], ["Country=GBR", "Country"], ["PageToken=PAzz", "PageToken"]]) {
    assertTwilioError(assert, await w.main.get(`/v2/Attempts?${query}`), 400, 60200, name);
  }
  assertTwilioError(assert, await w.main.get("/v2/Attempts/Summary?DestinationPrefix=abc"), 400, 60200, "DestinationPrefix");
  assertTwilioError(assert, await w.main.get(`/v2/Attempts/VL${"0".repeat(32)}`), 404, 20404);
  assertTwilioError(assert, await w.main.get("/v2/Attempts/nope"), 404, 20404);
  const summary = await w.main.get("/v2/Attempts/Summary");
  assert.equal(summary.status, 200, summary.text);
  assert.deepEqual(Object.keys(summary.data).sort(), ["conversion_rate_percentage", "total_attempts", "total_converted", "total_unconverted", "url"]);
  assert.equal((await w.as(MAIN_SID, "wrong-token-000000").get("/v2/Attempts")).status, 401);
});

test("attempts older than 30 days are hidden and purged in bounded batches by the next send", async () => {
  const db = await w.d1();
  const old = Math.floor(Date.now() / 1000) - 31 * 86400;
  const insert = db.prepare("INSERT INTO attempts (sid, account_sid, service_sid, verification_sid, channel, destination, date_created, date_updated) VALUES (?, ?, ?, ?, 'sms', '+14155550000', ?, ?)");
  await db.batch(Array.from({ length: 150 }, (_, i) => insert.bind(`VL${i.toString(16).padStart(32, "0")}`, MAIN_SID, `VA${"0".repeat(32)}`, `VE${"0".repeat(32)}`, old, old)));
  const before = (await w.main.get("/v2/Attempts/Summary")).data.total_attempts;
  assertTwilioError(assert, await w.main.get(`/v2/Attempts/VL${"1".padStart(32, "0")}`), 404, 20404);
  const svc = await service("Gamma");
  const r = await w.main.post(`/v2/Services/${svc}/Verifications`, { To: "+14155551299", Channel: "sms" });
  assert.equal(r.status, 201, r.text);
  await attemptsSettle(before + 1, 3);
  const left = await db.prepare("SELECT COUNT(*) AS n FROM attempts WHERE date_created < ?").bind(old + 1).first();
  assert.equal(left.n, 50, "one send purged one batch of 100");
});

test("without the HISTORY binding verifications work and /v2/Attempts names what is missing", async () => {
  const bare = await startWorker({ DEV_MODE: "true", DELIVERY_CONFIG: deliveryConfig(fake), TWILIO_API_BASE: fake.url, SENDGRID_API_BASE: fake.url }, { history: false });
  try {
    const svc = await bare.main.post("/v2/Services", { FriendlyName: "Bare" });
    const started = await bare.main.post(`/v2/Services/${svc.data.sid}/Verifications`, { To: "+14155551301", Channel: "sms" });
    assert.equal(started.status, 201, started.text);
    const check = await bare.main.post(`/v2/Services/${svc.data.sid}/VerificationCheck`, { To: "+14155551301", Code: fake.lastCode("+14155551301") });
    assert.equal(check.data.status, "approved", check.text);
    for (const path of ["/v2/Attempts", "/v2/Attempts/Summary", `/v2/Attempts/VL${"a".repeat(32)}`]) {
      const r = await bare.main.get(path);
      assert.equal(r.status, 500, r.text);
      assert.match(r.data.message, /HISTORY binding/);
    }
    assert.equal(bare.logText().match(/the HISTORY binding \(a D1 database\) is missing: verifications work/g)?.length, 1, "logged once per isolate");
  } finally {
    await bare.dispose();
  }
});
