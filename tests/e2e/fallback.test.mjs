// Channel fallback end to end, in workerd with the fake provider on loopback: a service with
// Fallback.Channel=call and Fallback.AfterSeconds=10 sends an SMS; a verification still pending
// 10 s later gets one call, from the verification target's Durable Object alarm, with the same
// code, counted as a send (in the verification and in the D1 history); verifications approved or
// canceled before then get no call at all; one started by a call and resent by SMS gets its call
// after the SMS (its object's alarm moved earlier).
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { startWorker, waitFor } from "./harness.mjs";
import { startFakeProvider, deliveryConfig } from "./fake_provider.mjs";

const AFTER_SECONDS = 10;
const [UNANSWERED, APPROVED, CANCELED, CALLED_FIRST] = ["+14155550171", "+14155550172", "+14155550173", "+14155550174"];
let w, fake, svc;
const started = {};

const calls = (to) => fake.to(to).filter((e) => e.path.endsWith("/Calls.json"));
const texts = (to) => fake.to(to).filter((e) => e.path.endsWith("/Messages.json"));

before(async () => {
  fake = await startFakeProvider();
  w = await startWorker({ DELIVERY_CONFIG: deliveryConfig(fake), TWILIO_API_BASE: fake.url, SENDGRID_API_BASE: fake.url });
  const s = await w.main.post("/v2/Services", { FriendlyName: "Fallback", "Fallback.Channel": "call", "Fallback.AfterSeconds": String(AFTER_SECONDS) });
  assert.equal(s.status, 201, s.text);
  assert.deepEqual(s.data.fallback, { channel: "call", after_seconds: AFTER_SECONDS });
  svc = s.data.sid;
  for (const to of [UNANSWERED, APPROVED, CANCELED]) {
    const at = Date.now();
    const r = await w.main.post(`/v2/Services/${svc}/Verifications`, { To: to, Channel: "sms" });
    assert.equal(r.status, 201, r.text);
    started[to] = { sid: r.data.sid, at };
  }
  // Started by a call (its object's alarm set for the expiry, minutes away), then resent by
  // SMS: the fallback due in 10 s must move the alarm earlier.
  const call = await w.main.post(`/v2/Services/${svc}/Verifications`, { To: CALLED_FIRST, Channel: "call" });
  assert.equal(call.status, 201, call.text);
  const resent = await w.main.post(`/v2/Services/${svc}/Verifications`, { To: CALLED_FIRST, Channel: "sms" });
  assert.equal(resent.status, 201, resent.text);
  started[CALLED_FIRST] = { sid: resent.data.sid, at: Date.now() };
  const approved = await w.main.post(`/v2/Services/${svc}/VerificationCheck`, { To: APPROVED, Code: fake.lastCode(APPROVED) });
  assert.equal(approved.data.status, "approved", approved.text);
  const canceled = await w.main.post(`/v2/Services/${svc}/Verifications/${started[CANCELED].sid}`, { Status: "canceled" });
  assert.equal(canceled.data.status, "canceled", canceled.text);
});

after(async () => {
  await w?.dispose();
  await fake?.close();
});

test("a fallback fires: one call with the same code, counted as a send", async () => {
  const call = await waitFor(() => calls(UNANSWERED)[0], "the fallback call", (AFTER_SECONDS + 15) * 1000);
  const waited = (call.at - started[UNANSWERED].at) / 1000;
  assert.ok(waited >= AFTER_SECONDS, `not before its ${AFTER_SECONDS} s (${waited} s)`);
  console.log(`# fallback call received ${waited.toFixed(2)} s after the start was sent (Fallback.AfterSeconds=${AFTER_SECONDS})`);
  assert.equal(fake.codeIn(call), fake.codeIn(texts(UNANSWERED)[0]), "the SMS's code, not a new one");
  const v = await w.main.get(`/v2/Services/${svc}/Verifications/${started[UNANSWERED].sid}`);
  assert.equal(v.status, 200, v.text);
  assert.equal(v.data.channel, "call");
  assert.deepEqual(v.data.send_code_attempts.map((a) => a.channel), ["SMS", "CALL"]);
  const history = await waitFor(async () => {
    const r = await w.main.get("/v2/Attempts", { query: { VerificationSid: started[UNANSWERED].sid } });
    return r.data.attempts?.length === 2 && r.data.attempts;
  }, "the fallback's attempt in the history");
  assert.deepEqual(history.map((a) => a.channel).sort(), ["call", "sms"]);
  await new Promise((res) => setTimeout(res, 1500));
  assert.equal(calls(UNANSWERED).length, 1, "once");
  const check = await w.main.post(`/v2/Services/${svc}/VerificationCheck`, { To: UNANSWERED, Code: fake.codeIn(call) });
  assert.equal(check.data.status, "approved", check.text);
});

test("an SMS resend after a call arms the fallback, moving its object's alarm earlier", async () => {
  const second = await waitFor(() => calls(CALLED_FIRST)[1], "the fallback call after the SMS resend", (AFTER_SECONDS + 15) * 1000);
  assert.ok((second.at - started[CALLED_FIRST].at) / 1000 >= AFTER_SECONDS, "not before its delay");
  assert.equal(fake.codeIn(second), fake.codeIn(texts(CALLED_FIRST)[0]), "the same code");
  const v = await w.main.get(`/v2/Services/${svc}/Verifications/${started[CALLED_FIRST].sid}`);
  assert.deepEqual(v.data.send_code_attempts.map((a) => a.channel), ["CALL", "SMS", "CALL"]);
});

test("a fallback cancelled by approval (or by a cancel) never calls", async () => {
  for (const to of [APPROVED, CANCELED]) {
    const due = started[to].at + AFTER_SECONDS * 1000 + 3000;
    await new Promise((res) => setTimeout(res, Math.max(0, due - Date.now())));
    assert.equal(texts(to).length, 1, `${to}: its SMS`);
    assert.equal(calls(to).length, 0, `${to}: no call after it ended`);
  }
  assert.equal(calls(UNANSWERED).length, 1, "alarms did ring: the unanswered one got its call");
  assert.ok(!w.logText().includes("error 20500"), w.logText());
});
