// DEV_MODE: the log sink and GET /dev/outbox, and expiry with a short lifetime.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { startWorker, assertTwilioError } from "./harness.mjs";

let w;
before(async () => { w = await startWorker({ DEV_MODE: "true", VERIFICATION_LIFETIME_SECONDS: "3" }); });
after(async () => { await w?.dispose(); });

/** The outbox is written after the response (waitUntil): read it until `ready` holds (2 s at most). */
async function outbox(client, query = {}, ready = (m) => m.length > 0) {
  for (let i = 0; ; i++) {
    const r = await client.get("/dev/outbox", { query });
    assert.equal(r.status, 200, r.text);
    if (ready(r.data.messages) || i >= 40) return r;
    await new Promise((res) => setTimeout(res, 50));
  }
}

async function codeFromOutbox(client, to) {
  const r = await outbox(client, { To: to });
  return r.data.messages[0]?.body.match(/(\d{4,10})/)[1];
}

test("the log sink prints the message and the outbox returns it to its account only", async () => {
  const svc = (await w.main.post("/v2/Services", { FriendlyName: "Dev App" })).data.sid;
  const to = "+14155550199";
  const v = await w.main.post(`/v2/Services/${svc}/Verifications`, { To: to, Channel: "sms" });
  assert.equal(v.status, 201, v.text);
  const listed = await outbox(w.main, {}, (m) => m.some((e) => e.verification_sid === v.data.sid));
  const entry = listed.data.messages.find((m) => m.verification_sid === v.data.sid);
  assert.ok(entry, listed.text);
  assert.deepEqual([entry.channel, entry.to, entry.service_sid], ["sms", to, svc]);
  const code = entry.body.match(/: (\d{6})\./)[1];
  await new Promise((res) => setTimeout(res, 200));
  assert.ok(w.logText().includes(`Your Dev App verification code is: ${code}.`), "wrangler's log shows the message");

  const email = await w.main.post(`/v2/Services/${svc}/Verifications`, { To: "dev@example.com", Channel: "email" });
  assert.equal(email.status, 201);
  assert.match((await outbox(w.main, { To: "dev@example.com" })).data.messages[0].body, /^Subject: Your Dev App verification code/);

  const sub = (await w.main.post("/2010-04-01/Accounts.json", { FriendlyName: "Other" })).data;
  const other = w.as(sub.sid, sub.auth_token);
  assert.deepEqual((await other.get("/dev/outbox")).data.messages, []);
  assertTwilioError(assert, await w.as(undefined).get("/dev/outbox"), 401, 20003);

  assert.equal((await w.main.post(`/v2/Services/${svc}/VerificationCheck`, { To: to, Code: code })).data.status, "approved");
});

test("a verification expires after its lifetime: fetch and check are 404, a new start is a new one", async () => {
  const svc = (await w.main.post("/v2/Services", { FriendlyName: "Expiry" })).data.sid;
  const to = "+14155550198";
  const v = (await w.main.post(`/v2/Services/${svc}/Verifications`, { To: to, Channel: "sms" })).data;
  const code = await codeFromOutbox(w.main, to);
  assert.equal((await w.main.get(`/v2/Services/${svc}/Verifications/${v.sid}`)).status, 200);
  await new Promise((res) => setTimeout(res, 3500));
  assertTwilioError(assert, await w.main.get(`/v2/Services/${svc}/Verifications/${v.sid}`), 404, 20404);
  assertTwilioError(assert, await w.main.post(`/v2/Services/${svc}/VerificationCheck`, { To: to, Code: code }), 404, 20404);
  const again = await w.main.post(`/v2/Services/${svc}/Verifications`, { To: to, Channel: "sms" });
  assert.equal(again.status, 201);
  assert.notEqual(again.data.sid, v.sid);
  assert.equal(again.data.send_code_attempts.length, 1);
});

test("outside DEV_MODE there is no outbox and no log sink", async () => {
  const prod = await startWorker();
  try {
    assertTwilioError(assert, await prod.main.get("/dev/outbox"), 404, 20404);
    const svc = (await prod.main.post("/v2/Services", { FriendlyName: "Prod" })).data.sid;
    const r = await prod.main.post(`/v2/Services/${svc}/Verifications`, { To: "+14155550197", Channel: "sms" });
    assertTwilioError(assert, r, 400, 60223);
    assert.match(r.data.message, /no provider is configured for channel sms/);
  } finally {
    await prod.dispose();
  }
});
