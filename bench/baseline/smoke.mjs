// Quick hand check of the JavaScript baseline (bench/baseline/worker.js) in workerd, so the
// benchmark compares against a worker that does the job: node bench/baseline/smoke.mjs
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { startFakeProvider, deliveryConfig } from "../../tests/e2e/fake_provider.mjs";
import { client, baselineWorker, startMiniflare } from "../run.mjs";

const fake = await startFakeProvider();
const token = randomBytes(16).toString("hex");
const ACCOUNT_SID = "AC" + "1".repeat(32);
const { mf, url, dispose } = await startMiniflare({
  host: "127.0.0.1",
  port: 0,
  ...baselineWorker({ ACCOUNT_SID, AUTH_TOKEN: token, CODE_HMAC_KEY: randomBytes(24).toString("hex"), DELIVERY_CONFIG: deliveryConfig(fake), TWILIO_API_BASE: fake.url, PROVIDER_TIMEOUT_MS: "1500", POLICY: JSON.stringify({ fraud_guard: "off" }) }),
});
const api = client(url, ACCOUNT_SID, token);
const post = async (path, form, auth) => {
  const r = await api.post(path, form, auth);
  return { status: r.status, data: JSON.parse(r.body || "null") };
};
try {
  assert.equal((await post("/v2/Services", { FriendlyName: "X" }, "Basic " + btoa(`${ACCOUNT_SID}:wrong`))).data.code, 20003);
  assert.equal((await post("/v2/Services", {})).data.code, 60200);
  const svc = await post("/v2/Services", { FriendlyName: "Acme", CodeLength: "8" });
  assert.equal(svc.status, 201);
  assert.match(svc.data.sid, /^VA[0-9a-f]{32}$/);
  const base = `/v2/Services/${svc.data.sid}`;
  assert.equal((await post(`/v2/Services/VA${"0".repeat(32)}/Verifications`, { To: "+14155550100", Channel: "sms" })).status, 404);
  assert.equal((await post(`${base}/Verifications`, { To: "+0415", Channel: "sms" })).data.code, 60200);
  assert.equal((await post(`${base}/Verifications`, { To: "+14155550100", Channel: "call" })).data.code, 60200);

  // start, wrong code, right code, then gone
  const to = "+14155550100";
  const started = await post(`${base}/Verifications`, { To: to, Channel: "sms" });
  assert.equal(started.status, 201);
  assert.match(started.data.sid, /^VE[0-9a-f]{32}$/);
  assert.deepEqual([started.data.status, started.data.valid, started.data.send_code_attempts.length], ["pending", false, 1]);
  const code = fake.lastCode(to);
  assert.match(code, /^\d{8}$/);
  assert.equal(fake.to(to)[0].form.Body, `Your Acme verification code is: ${code}.`);
  const stored = await (await mf.getKVNamespace("OTP_KV")).get(`ver/${svc.data.sid}/${started.data.sid}`, "json");
  assert.equal(stored.to, to);
  assert.ok(!JSON.stringify(stored).includes(code));
  const resent = await post(`${base}/Verifications`, { To: to, Channel: "sms" });
  assert.deepEqual([resent.data.sid, resent.data.send_code_attempts.length, fake.lastCode(to)], [started.data.sid, 2, code]);
  const wrong = code === "00000000" ? "11111111" : "00000000";
  assert.deepEqual((await post(`${base}/VerificationCheck`, { To: to, Code: wrong })).data.status, "pending");
  const right = await post(`${base}/VerificationCheck`, { VerificationSid: started.data.sid, Code: code });
  assert.deepEqual([right.status, right.data.status, right.data.valid], [200, "approved", true]);
  assert.equal((await post(`${base}/VerificationCheck`, { To: to, Code: code })).status, 404);

  // five wrong checks: the 5th is max_attempts_reached, then 429 60202 even with the right code
  const to2 = "+14155550101";
  await post(`${base}/Verifications`, { To: to2, Channel: "sms" });
  const code2 = fake.lastCode(to2);
  const bad = code2 === "00000000" ? "11111111" : "00000000";
  for (let i = 1; i <= 5; i++) {
    const r = await post(`${base}/VerificationCheck`, { To: to2, Code: bad });
    assert.equal(r.data.status, i < 5 ? "pending" : "max_attempts_reached");
  }
  assert.equal((await post(`${base}/VerificationCheck`, { To: to2, Code: code2 })).data.code, 60202);

  // five sends, then 429 60203
  const to3 = "+14155550102";
  for (let i = 1; i <= 5; i++) assert.equal((await post(`${base}/Verifications`, { To: to3, Channel: "sms" })).status, 201);
  assert.equal((await post(`${base}/Verifications`, { To: to3, Channel: "sms" })).data.code, 60203);

  // a failed delivery is 502 30008 and leaves nothing
  const to4 = "+14155550103";
  fake.fail({ match: (e) => e.form?.To === to4, status: 500 });
  const failed = await post(`${base}/Verifications`, { To: to4, Channel: "sms" });
  assert.deepEqual([failed.status, failed.data.code], [502, 30008]);
  assert.equal((await post(`${base}/VerificationCheck`, { To: to4, Code: "123456" })).status, 404);
  assert.equal((await (await mf.getKVNamespace("OTP_KV")).list({ prefix: `ver/${svc.data.sid}/` })).keys.length, 3);
  console.log("baseline smoke test: ok");
} finally {
  await api.close();
  await dispose();
  await fake.close();
}
