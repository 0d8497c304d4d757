// The abuse controls against an attacker's traffic, on a worker with the default policy (no
// POLICY set): an SMS pumping run (premium, satellite and high-risk destinations, and
// consecutive numbers in ordinary ranges, from a handful of end-user IPs, on every phone
// channel, never approved) with legitimate users in several countries beside it, each starting
// once from its own IP and approving. Then the lockout holes, through the HTTP API.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { startWorker, assertTwilioError, client } from "./harness.mjs";
import { startFakeProvider, deliveryConfig } from "./fake_provider.mjs";
import { attackNumbers, legitimateNumbers, pool, shuffle } from "./pumping.mjs";

let w, fake;
before(async () => {
  fake = await startFakeProvider();
  w = await startWorker({ POLICY: "", DELIVERY_CONFIG: deliveryConfig(fake), TWILIO_API_BASE: fake.url, SENDGRID_API_BASE: fake.url });
});
after(async () => { await w?.dispose(); await fake?.close(); });

/** The pumping run against `api`'s new service; `starter(base, ip)` gives the function a client at
 * `ip` starts and checks with (`post(path, form)`). */
async function pumpingRun(label, api, starter) {
  const svc = (await api.post("/v2/Services", { FriendlyName: "Shop" })).data.sid;
  const base = `/v2/Services/${svc}`;
  const receivedBefore = fake.received.length;
  const attackIps = ["198.51.100.7", "198.51.100.23", "203.0.113.77", "203.0.113.140", "192.0.2.201"];
  const attackers = Object.fromEntries(await Promise.all(attackIps.map(async (ip) => [ip, await starter(base, ip)])));
  const channels = ["sms", "call", "whatsapp"];
  const attack = attackNumbers();
  const legit = legitimateNumbers(64);
  const results = { attack: {}, accepted: [], fiveHundreds: [], legitApproved: 0, legitFailures: [] };
  const count = (status, code) => { const key = `${status} ${code ?? ""}`.trim(); results.attack[key] = (results.attack[key] ?? 0) + 1; };

  const jobs = [];
  attack.forEach((to, i) => jobs.push(async () => {
    const ip = attackIps[i % attackIps.length];
    const r = await attackers[ip].post(`${base}/Verifications`, { To: to, Channel: channels[i % 3], DeviceIp: ip });
    count(r.status, r.data?.code);
    if (r.status >= 500) results.fiveHundreds.push(r.text);
    if (r.status === 201) results.accepted.push(to);
  }));
  legit.forEach((to, i) => jobs.push(async () => {
    const ip = `100.64.${Math.floor(i / 200)}.${(i % 200) + 1}`;
    const user = await starter(base, ip);
    const started = await user.post(`${base}/Verifications`, { To: to, Channel: "sms", DeviceIp: ip });
    if (started.status >= 500) results.fiveHundreds.push(started.text);
    if (started.status !== 201) return results.legitFailures.push(`${to}: ${started.status} ${started.text}`);
    const checked = await user.post(`${base}/VerificationCheck`, { To: to, Code: fake.lastCode(to) });
    if (checked.data?.status === "approved") results.legitApproved++;
    else results.legitFailures.push(`${to}: check ${checked.status} ${checked.text}`);
  }));
  // Interleave the two, as they would arrive.
  shuffle(jobs);
  const t0 = Date.now();
  await pool(jobs, 8);
  const seconds = (Date.now() - t0) / 1000;
  const blocks = (await api.get("/v2/FraudGuard/Blocks")).data.blocks;
  const acceptedShare = (100 * results.accepted.length) / attack.length;
  console.log(`pumping run (${label}): ${attack.length} attack starts from ${attackIps.length} IPs on sms/call/whatsapp, ${legit.length} real users, ${seconds.toFixed(1)} s`);
  console.log(`  attack answers: ${JSON.stringify(results.attack)}`);
  console.log(`  attack accepted: ${results.accepted.length} (${acceptedShare.toFixed(2)}%): ${results.accepted.join(" ")}`);
  console.log(`  real users approved: ${results.legitApproved}/${legit.length}`);
  console.log(`  fraud guard blocks: ${blocks.map((b) => `${b.kind} ${b.target}`).join(", ")}`);

  assert.deepEqual(results.fiveHundreds, [], "no 5xx");
  assert.ok(attack.length >= 1000);
  assert.ok(acceptedShare <= 1, `${acceptedShare}% of the attack was accepted`);
  assert.deepEqual(results.legitFailures, [], "every real user gets a code and approves");
  assert.equal(results.legitApproved, legit.length);
  const delivered = new Set(fake.received.slice(receivedBefore).map((e) => e.form?.To?.replace(/^whatsapp:/, "")));
  assert.equal(attack.filter((to) => delivered.has(to)).length, results.accepted.length, "refused starts sent nothing");
}

test("an SMS pumping run against the defaults: at most 1% accepted, every real user approved, no 5xx", { timeout: 240_000 }, async () => {
  // A backend passing each end user's IP as DeviceIp.
  await pumpingRun("backend with DeviceIp", w.main, async () => w.main);
});

test("the same run through client tokens from the end users' own IPs: the same bounds", { timeout: 240_000 }, async () => {
  // A fresh subaccount, so that the first run's blocks and counts do not help. Each client (the
  // 5 attacking IPs, each real user) gets its own token (MaxStarts unset), and its calls come
  // from its own connecting IP: the DeviceIp it sends is ignored.
  const sub = (await w.main.post("/2010-04-01/Accounts.json", { FriendlyName: "Browser tenant" })).data;
  const api = w.as(sub.sid, sub.auth_token);
  await pumpingRun("client tokens", api, async (base, ip) => {
    const minted = await api.post(`${base}/ClientTokens`, { Ttl: "3600" });
    assert.equal(minted.status, 201, minted.text);
    const headers = { authorization: `Bearer ${minted.data.token}`, "cf-connecting-ip": ip };
    const page = client(w.url);
    return { post: (path, form) => page.post(path, { ...form, DeviceIp: "192.0.2.1" }, { headers }) };
  });
});

test("the lockout holes stay shut through the HTTP API", async () => {
  const svc = (await w.main.post("/v2/Services", { FriendlyName: "Holes", CustomCodeEnabled: "true" })).data.sid;
  const base = `/v2/Services/${svc}`;
  const to = "+14155550177";
  assert.equal((await w.main.post(`${base}/Verifications`, { To: to, Channel: "sms" })).status, 201);
  const code = fake.lastCode(to);
  const right = await w.main.post(`${base}/Verifications`, { To: to, Channel: "sms", CustomCode: code });
  const wrong = await w.main.post(`${base}/Verifications`, { To: to, Channel: "sms", CustomCode: code === "0000" ? "1111" : "0000" });
  assert.equal(right.status, 400);
  assert.equal(right.text, wrong.text, "the live code and a wrong guess get the same answer");

  for (const spelling of ["casey@x.test", "CASEY@x.test", "Casey@X.TEST"]) {
    assert.equal((await w.main.post(`${base}/Verifications`, { To: spelling, Channel: "email" })).status, 201, spelling);
  }
  const sids = new Set();
  for (const spelling of ["casey@x.test", "CASEY@X.TEST"]) sids.add((await w.main.get(`${base}/Verifications/${encodeURIComponent(spelling)}`)).data.sid);
  assert.equal(sids.size, 1, "one inbox, one verification");

  const cycled = "+14155550178";
  let refused;
  for (let i = 0; i < 12 && !refused; i++) {
    const r = await w.main.post(`${base}/Verifications`, { To: cycled, Channel: "sms" });
    if (r.status === 201) await w.main.post(`${base}/Verifications/${r.data.sid}`, { Status: "canceled" });
    else refused = r;
  }
  assertTwilioError(assert, refused, 429, 60212);
  assert.ok(Number(refused.headers.get("retry-after")) > 0);
  assert.equal(fake.to(cycled).length, 8, "cancel and start again stops at eight sends an hour");
});
