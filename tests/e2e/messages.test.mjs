// The Messages API as the seeds' integrations call it: the official twilio Python and Node
// libraries with their base URL pointed at the worker, WSO2's exact SMS/Messages.json request,
// a NetIQ-style sender with subaccounts per prefix, no body in any log line or stored value, and
// the SMS pumping run through this endpoint under the default policy.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import twilio from "twilio";
import { startWorker, MAIN_SID, assertTwilioError } from "./harness.mjs";
import { startFakeProvider, deliveryConfig } from "./fake_provider.mjs";
import { attackNumbers, digits, legitimateNumbers, pool, reseed, shuffle } from "./pumping.mjs";

const UK = { prefix: "+44", account_sid: "AC" + "4".repeat(32), auth_token: "uk-subaccount-token", from: "+447700000000" };
let w, fake;
before(async () => {
  const callbacks = { "+14155550190": [["sent"], ["delivered"]], "+14155550191": [["sent"], ["undelivered", 30003]] };
  fake = await startFakeProvider({ statusCallbacks: (entry) => callbacks[entry.form.To] });
  const config = JSON.parse(deliveryConfig(fake));
  config.twilio_routes.push(UK);
  w = await startWorker({ DELIVERY_CONFIG: JSON.stringify(config), TWILIO_API_BASE: fake.url });
});
after(async () => { await w?.dispose(); await fake?.close(); });

const messages = `/2010-04-01/Accounts/${MAIN_SID}/Messages.json`;

function run(cmd, args, options) {
  return new Promise((resolve) => {
    execFile(cmd, args, options, (error, stdout, stderr) => resolve({ status: error ? error.code ?? 1 : 0, stdout, stderr }));
  });
}

test("the official twilio Python library sends, fetches and lists messages", async () => {
  const env = { ...process.env, EDGE_VERIFY_URL: w.url, EDGE_VERIFY_ACCOUNT_SID: MAIN_SID, EDGE_VERIFY_AUTH_TOKEN: w.authToken };
  delete env.TWILIO_EDGE;
  delete env.TWILIO_REGION;
  const result = await run(".venv/bin/python", ["tests/compat/twilio_messages.py", "-v"], { env, encoding: "utf8", timeout: 120_000 });
  const output = `${result.stdout}\n${result.stderr}`;
  console.log(output);
  assert.equal(result.status, 0, output);
  assert.match(result.stderr, /^Ran 2 tests/m);
  assert.ok(fake.to("+14155550142").some((e) => e.form.Body === "Your IdentityIQ One Time Password is 650123"));
});

test("the official twilio Node library sends, fetches and lists messages", async () => {
  const client = twilio(MAIN_SID, w.authToken);
  client.api.baseUrl = w.url;
  const sent = await client.messages.create({ to: "+14155550150", from: "+15005550006", body: "Your NetIQ code is 771234" });
  assert.match(sent.sid, /^SM[0-9a-f]{32}$/);
  assert.equal(sent.status, "queued");
  assert.equal(sent.body, null);
  assert.ok(sent.dateCreated instanceof Date && !Number.isNaN(sent.dateCreated.getTime()));
  const fetched = await client.messages(sent.sid).fetch();
  assert.equal(fetched.to, "+14155550150");
  const listed = await client.messages.list({ to: "+14155550150" });
  assert.deepEqual(listed.map((m) => m.sid), [sent.sid]);
  await assert.rejects(client.messages.create({ to: "+14155550151", body: "x" }), (err) => err.status === 400 && err.code === 21603);
});

test("WSO2's exact request: the SMS/Messages.json path, a Basic header and an unencoded payload", async () => {
  // The SMS OTP authenticator substitutes $ctx.msg and $ctx.num into its payload template as
  // they are, so the number's + arrives as a space and the message's spaces as spaces.
  const template = "Body=$ctx.msg&To=$ctx.num&From=+15005550006";
  const payload = template.replace("$ctx.msg", "Verification Code: 824513").replace("$ctx.num", "+447700900555");
  const res = await fetch(`${w.url}/2010-04-01/Accounts/${MAIN_SID}/SMS/Messages.json`, {
    method: "POST",
    headers: { Authorization: "Basic " + Buffer.from(`${MAIN_SID}:${w.authToken}`).toString("base64"), "Content-Type": "application/x-www-form-urlencoded" },
    body: payload,
  });
  const body = await res.json();
  assert.equal(res.status, 201, JSON.stringify(body));
  assert.equal(body.to, "+447700900555");
  const [delivered] = fake.to("+447700900555");
  assert.equal(delivered.form.Body, "Verification Code: 824513");
  // +44 goes through the UK subaccount's credentials and sender (NetIQ-style routing per prefix).
  assert.equal(delivered.path, `/2010-04-01/Accounts/${UK.account_sid}/Messages.json`);
  assert.equal(delivered.headers.authorization, "Basic " + Buffer.from(`${UK.account_sid}:${UK.auth_token}`).toString("base64"));
  assert.equal(delivered.form.From, UK.from);
  const us = await w.main.post(messages, { To: "+14155550160", From: "+15005550006", Body: "code 111222" });
  assert.equal(us.status, 201, us.text);
  assert.equal(fake.to("+14155550160")[0].path, `/2010-04-01/Accounts/${"AC" + "d".repeat(32)}/Messages.json`, "other numbers take the default route");
});

test("bad messages get Twilio's errors and a refused one is never sent", async () => {
  assertTwilioError(assert, await w.main.post(messages, { To: "+14155550170", From: "+15005550006" }), 400, 21602);
  assertTwilioError(assert, await w.main.post(messages, { To: "not-a-number", From: "+15005550006", Body: "x" }), 400, 21211);
  assertTwilioError(assert, await w.main.post(messages, { To: "+8816123456789", From: "+15005550006", Body: "x" }), 403, 21408);
  assertTwilioError(assert, await w.as(MAIN_SID, "wrong-token-wrong-token").post(messages, { To: "+14155550171", From: "+15005550006", Body: "x" }), 401, 20003);
  assert.equal(fake.to("+8816123456789").length, 0);
  fake.fail({ match: (e) => e.form?.To === "+14155550172", status: 400, body: { code: 21610, message: "Attempt to send to unsubscribed recipient: Your code 909090" } });
  const refused = await w.main.post(messages, { To: "+14155550172", From: "+15005550006", Body: "Your code 909090" });
  assertTwilioError(assert, refused, 502, 30008);
  assert.ok(!refused.text.includes("909090"), refused.text);
  fake.clearRules();
});

test("no message body appears in any log line or stored value", async () => {
  const secret = "Body-canary-58213";
  assert.equal((await w.main.post(messages, { To: "+14155550180", From: "+15005550006", Body: `Your code ${secret}` })).status, 201);
  const kv = await w.kv();
  const stored = [];
  let cursor;
  do {
    const page = await kv.list({ cursor });
    for (const key of page.keys) stored.push(`${key.name} ${JSON.stringify(key.metadata ?? null)} ${await kv.get(key.name)}`);
    cursor = page.list_complete ? undefined : page.cursor;
  } while (cursor);
  assert.ok(stored.some((s) => s.includes("+14155550180")), "the metadata is kept");
  assert.ok(!stored.join("\n").includes(secret), "no body stored");
  assert.ok(!stored.join("\n").includes("58213"));
  assert.ok(!w.logText().includes("58213"), "no body logged");
});

async function statusOf(sid, want) {
  for (let i = 0; i < 100; i++) {
    const m = await w.main.get(`/2010-04-01/Accounts/${MAIN_SID}/Messages/${sid}.json`);
    if (m.data.status === want) return m.data;
    await new Promise((r) => setTimeout(r, 50));
  }
  return (await w.main.get(`/2010-04-01/Accounts/${MAIN_SID}/Messages/${sid}.json`)).data;
}

test("Twilio's signed status callbacks reach the message; an unsigned one is 403 and changes nothing", async () => {
  const delivered = await w.main.post(messages, { To: "+14155550190", From: "+15005550006", Body: "code 1" });
  const failed = await w.main.post(messages, { To: "+14155550191", From: "+15005550006", Body: "code 2" });
  assert.equal(fake.to("+14155550190")[0].form.StatusCallback, `${w.url}/v1/callbacks/twilio/${MAIN_SID}/${delivered.data.sid}`);
  assert.equal((await statusOf(delivered.data.sid, "delivered")).status, "delivered");
  const undelivered = await statusOf(failed.data.sid, "undelivered");
  assert.deepEqual([undelivered.status, undelivered.error_code], ["undelivered", 30003]);
  const forged = await fetch(`${w.url}/v1/callbacks/twilio/${MAIN_SID}/${failed.data.sid}`, {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded", "x-twilio-signature": "bm90IGEgc2lnbmF0dXJl" },
    body: new URLSearchParams({ AccountSid: "AC" + "d".repeat(32), MessageStatus: "delivered" }).toString(),
  });
  assert.equal(forged.status, 403);
  assert.equal((await forged.json()).code, 20403);
  assert.equal((await w.main.get(`/2010-04-01/Accounts/${MAIN_SID}/Messages/${failed.data.sid}.json`)).data.status, "undelivered");
});

test("an SMS pumping run through the Messages endpoint: at most 1% gets through, every real user gets a code", { timeout: 240_000 }, async () => {
  const defaults = await startWorker({ POLICY: "", DELIVERY_CONFIG: deliveryConfig(fake), TWILIO_API_BASE: fake.url });
  try {
    reseed(20261124);
    const [attack, legit] = [attackNumbers(), legitimateNumbers(64)];
    // The integration's own servers send every message (a pair of IdentityIQ/WSO2 nodes): the
    // attacker reaches them through their login pages, so the connecting IPs are theirs.
    const servers = ["10.20.0.11", "10.20.0.12"];
    const results = { attack: {}, accepted: [], fiveHundreds: [], legitSent: 0, legitFailures: [] };
    const receivedBefore = fake.received.length;
    const jobs = [];
    const send = (to, i) => defaults.main.post(`/2010-04-01/Accounts/${MAIN_SID}/Messages.json`, { To: to, From: "+15005550006", Body: `Your one-time password is ${digits(6)}` }, { headers: { "cf-connecting-ip": servers[i % 2] } });
    attack.forEach((to, i) => jobs.push(async () => {
      const r = await send(to, i);
      const key = `${r.status} ${r.data?.code ?? ""}`.trim();
      results.attack[key] = (results.attack[key] ?? 0) + 1;
      if (r.status >= 500) results.fiveHundreds.push(r.text);
      if (r.status === 201) results.accepted.push(to);
    }));
    legit.forEach((to, i) => jobs.push(async () => {
      const r = await send(to, i);
      if (r.status >= 500) results.fiveHundreds.push(r.text);
      if (r.status !== 201) return results.legitFailures.push(`${to}: ${r.status} ${r.text}`);
      results.legitSent++;
      // The integration confirms the code was used (Twilio's Message Feedback).
      await defaults.main.post(`/2010-04-01/Accounts/${MAIN_SID}/Messages/${r.data.sid}/Feedback.json`, { Outcome: "confirmed" });
    }));
    shuffle(jobs);
    const t0 = Date.now();
    await pool(jobs, 8);
    const seconds = (Date.now() - t0) / 1000;
    const share = (100 * results.accepted.length) / attack.length;
    console.log(`pumping run (Messages API): ${attack.length} attack messages, ${legit.length} real users, from ${servers.length} server IPs, ${seconds.toFixed(1)} s`);
    console.log(`  attack answers: ${JSON.stringify(results.attack)}`);
    console.log(`  attack accepted: ${results.accepted.length} (${share.toFixed(2)}%): ${results.accepted.join(" ")}`);
    console.log(`  real users sent: ${results.legitSent}/${legit.length}`);
    assert.deepEqual(results.fiveHundreds, [], "no 5xx");
    assert.ok(share <= 1, `${share}% of the attack got through`);
    assert.deepEqual(results.legitFailures, [], "every real user gets a code");
    const delivered = new Set(fake.received.slice(receivedBefore).map((e) => e.form?.To));
    assert.equal(attack.filter((to) => delivered.has(to)).length, results.accepted.length, "refused messages sent nothing");
  } finally {
    await defaults.dispose();
  }
});
