// Verifications end to end: the built worker in workerd (real local KV and Durable Objects)
// delivering through a fake Twilio/SendGrid/webhook server on loopback.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { createHmac } from "node:crypto";
import { startWorker, assertTwilioError, MAIN_SID } from "./harness.mjs";
import { startFakeProvider, deliveryConfig } from "./fake_provider.mjs";

let w, fake;
before(async () => {
  fake = await startFakeProvider();
  w = await startWorker({ DELIVERY_CONFIG: deliveryConfig(fake), TWILIO_API_BASE: fake.url, SENDGRID_API_BASE: fake.url, PROVIDER_TIMEOUT_MS: "1500" });
});
after(async () => { await w?.dispose(); await fake?.close(); });

let phoneSeq = 0;
/** A fresh US number per use, so targets never collide between tests. */
const phone = (prefix = "+1415555") => `${prefix}${String(1000 + phoneSeq++).padStart(4, "0")}`;

async function service(form = {}) {
  const r = await w.main.post("/v2/Services", { FriendlyName: "Acme", ...form });
  assert.equal(r.status, 201, r.text);
  return `/v2/Services/${r.data.sid}`;
}
const start = (base, form) => w.main.post(`${base}/Verifications`, form);
const check = (base, form) => w.main.post(`${base}/VerificationCheck`, form);

test("sms life cycle: start, fetch by SID and To, wrong code, right code, then gone", async () => {
  const base = await service({ CodeLength: "8" });
  const to = phone();
  const started = await start(base, { To: to, Channel: "sms" });
  assert.equal(started.status, 201, started.text);
  const v = started.data;
  assert.match(v.sid, /^VE[0-9a-f]{32}$/);
  assert.equal(v.service_sid, base.split("/").pop());
  assert.equal(v.account_sid, MAIN_SID);
  assert.deepEqual([v.to, v.channel, v.status, v.valid, v.amount, v.payee, v.sna], [to, "sms", "pending", false, null, null, null]);
  assert.deepEqual(v.lookup, {});
  assert.equal(v.send_code_attempts.length, 1);
  assert.match(v.send_code_attempts[0].attempt_sid, /^VL[0-9a-f]{32}$/);
  assert.equal(v.send_code_attempts[0].channel, "SMS");
  assert.match(v.date_created, /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/);
  assert.equal(v.url, `${w.url}${base}/Verifications/${v.sid}`);

  const sent = fake.to(to);
  assert.equal(sent.length, 1);
  assert.equal(sent[0].path, `/2010-04-01/Accounts/AC${"d".repeat(32)}/Messages.json`);
  assert.equal(sent[0].headers.authorization, "Basic " + Buffer.from(`AC${"d".repeat(32)}:default-provider-token`).toString("base64"));
  assert.equal(sent[0].form.From, "+15550001111");
  const code = fake.codeIn(sent[0]);
  assert.match(code, /^\d{8}$/);
  assert.equal(sent[0].form.Body, `Your Acme verification code is: ${code}.`);

  for (const path of [`${base}/Verifications/${v.sid}`, `${base}/Verifications/${encodeURIComponent(to)}`, `${base}/Verifications/${to}`]) {
    const fetched = await w.main.get(path);
    assert.equal(fetched.status, 200, `${path}: ${fetched.text}`);
    assert.equal(fetched.data.sid, v.sid);
    assert.equal(fetched.data.status, "pending");
  }

  const wrongCode = code === "00000000" ? "11111111" : "00000000";
  const wrong = await check(base, { To: to, Code: wrongCode });
  assert.equal(wrong.status, 200);
  assert.deepEqual([wrong.data.status, wrong.data.valid], ["pending", false]);
  assert.deepEqual(Object.keys(wrong.data).sort(), ["account_sid", "amount", "channel", "date_created", "date_updated", "payee", "service_sid", "sid", "sna_attempts_error_codes", "status", "to", "valid"]);

  const right = await check(base, { VerificationSid: v.sid, Code: code });
  assert.equal(right.status, 200, right.text);
  assert.deepEqual([right.data.sid, right.data.status, right.data.valid], [v.sid, "approved", true]);

  assertTwilioError(assert, await w.main.get(`${base}/Verifications/${v.sid}`), 404, 20404);
  assertTwilioError(assert, await check(base, { To: to, Code: code }), 404, 20404);
  assertTwilioError(assert, await check(base, { VerificationSid: v.sid, Code: code }), 404, 20404);
  const fresh = await start(base, { To: to, Channel: "sms" });
  assert.equal(fresh.status, 201);
  assert.notEqual(fresh.data.sid, v.sid, "after approval a start makes a new verification");
});

test("a resend within the lifetime keeps the SID and the code, may change channel, and stops at 5 sends", async () => {
  const base = await service();
  const to = phone();
  const first = await start(base, { To: to, Channel: "sms" });
  const code = fake.lastCode(to);
  const second = await start(base, { To: to, Channel: "call", Locale: "fr" });
  assert.equal(second.status, 201, second.text);
  assert.equal(second.data.sid, first.data.sid);
  assert.equal(second.data.channel, "call");
  assert.deepEqual(second.data.send_code_attempts.map((a) => a.channel), ["SMS", "CALL"]);
  const call = fake.to(to).at(-1);
  assert.match(call.path, /\/Calls\.json$/);
  assert.equal(call.form.From, "+15550002222");
  assert.equal(fake.codeIn(call), code, "the same code is read out");
  assert.equal((call.form.Twiml.match(/language="fr-FR"/g) || []).length, 2, "said twice in French");
  await start(base, { To: to, Channel: "whatsapp" });
  const wa = fake.to(to).at(-1);
  assert.equal(wa.form.To, `whatsapp:${to}`);
  assert.equal(wa.form.From, "whatsapp:+15550003333");
  assert.equal(fake.codeIn(wa), code);
  await start(base, { To: to, Channel: "sms" });
  const fifth = await start(base, { To: to, Channel: "auto" });
  assert.equal(fifth.status, 201);
  assert.equal(fifth.data.channel, "sms", "auto means sms");
  assert.equal(fifth.data.send_code_attempts.length, 5);
  assertTwilioError(assert, await start(base, { To: to, Channel: "sms" }), 429, 60203);
  assert.equal(fake.to(to).length, 5);
  assert.ok(fake.to(to).every((e) => fake.codeIn(e) === code));
  const approved = await check(base, { To: to, Code: code });
  assert.equal(approved.data.status, "approved");
});

test("email through SendGrid, plain and templated, and the do-not-share, locale and custom options", async () => {
  const base = await service({ DoNotShareWarningEnabled: "true" });
  const email = `user${phoneSeq++}@Example.com`;
  const r = await start(base, { To: email, Channel: "email" });
  assert.equal(r.status, 201, r.text);
  assert.equal(r.data.to, email.replace("Example.com", "example.com"));
  const mail = fake.to(r.data.to).at(-1);
  assert.equal(mail.path, "/v3/mail/send");
  assert.equal(mail.headers.authorization, "Bearer SG.fake-sendgrid-key");
  assert.deepEqual(mail.json.from, { email: "no-reply@edge-verify.test", name: "Edge Verify" });
  assert.equal(mail.json.subject, "Your Acme verification code");
  const code = fake.codeIn(mail);
  assert.match(code, /^\d{6}$/);
  assert.ok(mail.json.content[1].value.includes(code));

  const email2 = `tmpl${phoneSeq++}@example.com`;
  const cc = JSON.stringify({ from: "otp@acme.test", from_name: "Acme OTP", template_id: "d-0123456789abcdef", substitutions: { username: "ann" } });
  assert.equal((await start(base, { To: email2, Channel: "email", ChannelConfiguration: cc })).status, 201);
  const templated = fake.to(email2).at(-1);
  assert.equal(templated.json.template_id, "d-0123456789abcdef");
  assert.deepEqual(templated.json.from, { email: "otp@acme.test", name: "Acme OTP" });
  assert.equal(templated.json.personalizations[0].dynamic_template_data.username, "ann");
  assert.match(templated.json.personalizations[0].dynamic_template_data.code, /^\d{6}$/);

  const es = phone();
  await start(base, { To: es, Channel: "sms", Locale: "es-MX", CustomFriendlyName: "Tienda" });
  const body = fake.to(es).at(-1).form.Body;
  assert.match(body, /^Tu código de verificación de Tienda es: \d{6}\. No compartas este código con nadie/);

  const hashed = phone();
  await start(base, { To: hashed, Channel: "sms", AppHash: "FA+9qCX9VSu" });
  assert.match(fake.to(hashed).at(-1).form.Body, /^<#> Your Acme verification code is: \d{6}\..*\nFA\+9qCX9VSu$/s);

  const custom = phone();
  await start(base, { To: custom, Channel: "sms", CustomMessage: "Use {{code}} to sign in to Acme" });
  assert.match(fake.to(custom).at(-1).form.Body, /^Use \d{6} to sign in to Acme/);
});

test("sender routing by destination prefix: longest prefix wins, * otherwise", async () => {
  const base = await service();
  const india = phone("+9170000");
  const mumbai = phone("+9198000");
  const uk = phone("+4477009");
  for (const to of [india, mumbai, uk]) assert.equal((await start(base, { To: to, Channel: "sms" })).status, 201);
  const i = fake.to(india).at(-1);
  assert.equal(i.path, `/2010-04-01/Accounts/AC${"9".repeat(32)}/Messages.json`);
  assert.equal(i.headers.authorization, "Basic " + Buffer.from(`SK${"9".repeat(32)}:india-key-secret`).toString("base64"));
  assert.equal(i.form.MessagingServiceSid, "MG" + "9".repeat(32));
  assert.equal(i.form.From, undefined);
  const m = fake.to(mumbai).at(-1);
  assert.equal(m.path, `/2010-04-01/Accounts/AC${"8".repeat(32)}/Messages.json`);
  assert.equal(m.form.From, "+919800000000");
  assert.equal(fake.to(uk).at(-1).path, `/2010-04-01/Accounts/AC${"d".repeat(32)}/Messages.json`);
});

test("approve and cancel through the update endpoint", async () => {
  const base = await service();
  const to = phone();
  const v = (await start(base, { To: to, Channel: "sms" })).data;
  assertTwilioError(assert, await w.main.post(`${base}/Verifications/${v.sid}`, { Status: "pending" }), 400, 60200, "Status");
  assertTwilioError(assert, await w.main.post(`${base}/Verifications/${v.sid}`, {}), 400, 60200, "Status");
  const canceled = await w.main.post(`${base}/Verifications/${v.sid}`, { Status: "canceled" });
  assert.equal(canceled.status, 200, canceled.text);
  assert.deepEqual([canceled.data.status, canceled.data.valid], ["canceled", false]);
  assertTwilioError(assert, await w.main.get(`${base}/Verifications/${v.sid}`), 404, 20404);
  assertTwilioError(assert, await w.main.post(`${base}/Verifications/${v.sid}`, { Status: "approved" }), 404, 20404);
  assertTwilioError(assert, await check(base, { To: to, Code: fake.lastCode(to) }), 404, 20404);
  const v2 = (await start(base, { To: to, Channel: "sms" })).data;
  assert.notEqual(v2.sid, v.sid);
  const approved = await w.main.post(`${base}/Verifications/${encodeURIComponent(to)}`, { Status: "approved" });
  assert.deepEqual([approved.data.sid, approved.data.status, approved.data.valid], [v2.sid, "approved", true]);
  assertTwilioError(assert, await w.main.get(`${base}/Verifications/${encodeURIComponent(to)}`), 404, 20404);
});

test("five wrong checks exhaust a verification; the sixth and the right code get 429 60202", async () => {
  const base = await service();
  const to = phone();
  const v = (await start(base, { To: to, Channel: "sms" })).data;
  const code = fake.lastCode(to);
  const wrongCode = code === "000000" ? "111111" : "000000";
  const statuses = [];
  for (let i = 0; i < 5; i++) statuses.push((await check(base, { To: to, Code: wrongCode })).data.status);
  assert.deepEqual(statuses, ["pending", "pending", "pending", "pending", "max_attempts_reached"]);
  assertTwilioError(assert, await check(base, { To: to, Code: wrongCode }), 429, 60202);
  assertTwilioError(assert, await check(base, { VerificationSid: v.sid, Code: code }), 429, 60202);
  assertTwilioError(assert, await w.main.get(`${base}/Verifications/${v.sid}`), 404, 20404);
});

test("custom codes and PSD2 transactions", async () => {
  const custom = await service({ CustomCodeEnabled: "true" });
  const to = phone();
  assert.equal((await start(custom, { To: to, Channel: "sms", CustomCode: "4242" })).status, 201);
  assert.equal(fake.lastCode(to), "4242");
  assertTwilioError(assert, await start(custom, { To: to, Channel: "sms", CustomCode: "9999" }), 400, 60200, "CustomCode");
  assert.equal((await start(custom, { To: to, Channel: "sms", CustomCode: "4242" })).status, 201, "the same custom code may be re-sent");
  assert.equal((await check(custom, { To: to, Code: "4242" })).data.status, "approved");

  const plain = await service();
  assertTwilioError(assert, await start(plain, { To: phone(), Channel: "sms", CustomCode: "4242" }), 403, 60204);

  const psd2 = await service({ Psd2Enabled: "true" });
  const payer = phone();
  assertTwilioError(assert, await start(psd2, { To: payer, Channel: "sms" }), 409, 60206);
  assertTwilioError(assert, await start(psd2, { To: payer, Channel: "sms", Amount: "€10.00" }), 409, 60206);
  const v = await start(psd2, { To: payer, Channel: "sms", Amount: "€10.00", Payee: "Acme Shop" });
  assert.equal(v.status, 201, v.text);
  assert.deepEqual([v.data.amount, v.data.payee], ["€10.00", "Acme Shop"]);
  const code = fake.lastCode(payer);
  const mismatch = await check(psd2, { To: payer, Code: code, Amount: "€1000.00", Payee: "Acme Shop" });
  assert.deepEqual([mismatch.status, mismatch.data.status], [200, "pending"]);
  const ok = await check(psd2, { To: payer, Code: code, Amount: "€10.00", Payee: "Acme Shop" });
  assert.deepEqual([ok.data.status, ok.data.amount, ok.data.payee], ["approved", "€10.00", "Acme Shop"]);
});

test("bad start and check input: 4xx with the Twilio shape and the parameter named", async () => {
  const base = await service();
  const to = phone();
  const cases = [
    [{ Channel: "sms" }, 400, 60200, "To"],
    [{ To: to }, 400, 60200, "Channel"],
    [{ To: to, Channel: "sna" }, 400, 60200, "Channel"],
    [{ To: to, Channel: "fax" }, 400, 60200, "Channel"],
    [{ To: "4155550100", Channel: "sms" }, 400, 60200, "To"],
    [{ To: "+1 415 555 0100", Channel: "sms" }, 400, 60200, "To"],
    [{ To: "user@example.com", Channel: "sms" }, 400, 60200, "To"],
    [{ To: to, Channel: "email" }, 400, 60200, "To"],
    [{ To: to, Channel: "sms", Locale: "not a locale" }, 400, 60200, "Locale"],
    [{ To: to, Channel: "call", SendDigits: "12ab" }, 400, 60200, "SendDigits"],
    [{ To: to, Channel: "sms", CustomMessage: "no placeholder" }, 400, 60200, "CustomMessage"],
    [{ To: to, Channel: "sms", CustomFriendlyName: "x".repeat(40) }, 400, 60200, "CustomFriendlyName"],
    [{ To: "cc@example.com", Channel: "email", ChannelConfiguration: "{nope" }, 400, 60200, "ChannelConfiguration"],
    [{ To: "cc@example.com", Channel: "email", ChannelConfiguration: JSON.stringify({ from: "not-an-address" }) }, 400, 60200, "ChannelConfiguration"],
    [{ To: to, Channel: "sms", RateLimits: "[1]" }, 400, 60200, "RateLimits"],
    [{ To: to, Channel: "sms", RateLimits: '{"ip": 9007199254740993}' }, 400, 60200, "RateLimits"],
    [{ To: to, Channel: "sms", RateLimits: '{"ip": {"nested": true}}' }, 400, 60200, "RateLimits"],
    [{ To: to, Channel: "sms", DeviceIp: "999.1.1.1" }, 400, 60200, "DeviceIp"],
    [{ To: to, Channel: "sms", AppHash: "short" }, 400, 60200, "AppHash"],
  ];
  for (const [form, status, code, param] of cases) {
    assertTwilioError(assert, await start(base, form), status, code, param);
  }
  assert.equal(fake.to(to).length, 0, "nothing was sent for bad input");
  assertTwilioError(assert, await w.main.get(`${base}/Verifications/${encodeURIComponent(to)}`), 404, 20404);
  const sna = await start(base, { To: to, Channel: "sna" });
  assert.match(sna.data.message, /sna/);

  // A rate limit the service does not have is not found (404, naming it), not a malformed value.
  assertTwilioError(assert, await start(base, { To: to, Channel: "sms", RateLimits: JSON.stringify({ my_key: "abc" }) }), 404, 20404);
  for (const name of ["my_key", "end_user_id"]) await w.main.post(`${base}/RateLimits`, { UniqueName: name });
  const accepted = await start(base, { To: to, Channel: "sms", RateLimits: JSON.stringify({ my_key: "abc", end_user_id: 42 }), DeviceIp: "2001:db8::1", Tags: JSON.stringify({ flow: "signup" }) });
  assert.equal(accepted.status, 201, accepted.text);

  assertTwilioError(assert, await check(base, { Code: "123456" }), 400, 60221);
  assertTwilioError(assert, await check(base, { To: to }), 400, 60200, "Code");
  assertTwilioError(assert, await check(base, { To: to, Code: "12" }), 400, 60200, "Code");
  assertTwilioError(assert, await check(base, { To: to, Code: "12345678901" }), 400, 60200, "Code");
  assertTwilioError(assert, await check(base, { To: "nobody", Code: "123456" }), 400, 60200, "To");
  assertTwilioError(assert, await check(base, { VerificationSid: "VE123", Code: "123456" }), 400, 60200, "VerificationSid");
  assertTwilioError(assert, await check(base, { VerificationSid: "VE" + "a".repeat(32), Code: "123456" }), 404, 20404);
  assertTwilioError(assert, await w.main.get(`${base}/Verifications/VE${"a".repeat(32)}`), 404, 20404);
  assertTwilioError(assert, await start("/v2/Services/VA" + "0".repeat(32), { To: to, Channel: "sms" }), 404, 20404);
  assertTwilioError(assert, await w.main.call("PUT", `${base}/VerificationCheck`), 405, 20004);
});

test("40 parallel wrong checks: at most 5 are evaluated, the rest are 429 60202, the right code is refused after", async () => {
  const base = await service();
  const to = phone();
  await start(base, { To: to, Channel: "sms" });
  const code = fake.lastCode(to);
  const wrongCode = code === "999999" ? "888888" : "999999";
  const results = await Promise.all(Array.from({ length: 40 }, () => check(base, { To: to, Code: wrongCode })));
  const evaluated = results.filter((r) => r.status === 200);
  const limited = results.filter((r) => r.status === 429);
  assert.ok(evaluated.length <= 5, `evaluated ${evaluated.length}`);
  assert.equal(evaluated.length + limited.length, 40, results.map((r) => r.status).join(","));
  for (const r of limited) assert.equal(r.data.code, 60202);
  const after = await check(base, { To: to, Code: code });
  assert.notEqual(after.status, 200, "the right code is refused once the checks are used up");
  assert.equal(after.data.code, 60202);
});

test("2 parallel checks with the right code: exactly one is approved", async () => {
  const base = await service();
  const to = phone();
  await start(base, { To: to, Channel: "sms" });
  const code = fake.lastCode(to);
  const results = await Promise.all([check(base, { To: to, Code: code }), check(base, { To: to, Code: code })]);
  const approved = results.filter((r) => r.status === 200 && r.data.status === "approved");
  assert.equal(approved.length, 1, results.map((r) => `${r.status} ${r.text}`).join(" | "));
  const other = results.find((r) => r !== approved[0]);
  assertTwilioError(assert, other, 404, 20404);
});

test("20 parallel starts for the same To: one SID, 5 sends delivered, the rest 60203", async () => {
  const base = await service();
  const to = phone();
  const results = await Promise.all(Array.from({ length: 20 }, () => start(base, { To: to, Channel: "sms" })));
  const created = results.filter((r) => r.status === 201);
  const limited = results.filter((r) => r.status === 429);
  assert.equal(created.length, 5, results.map((r) => r.status).join(","));
  assert.equal(limited.length, 15);
  for (const r of limited) assert.equal(r.data.code, 60203);
  assert.equal(new Set(created.map((r) => r.data.sid)).size, 1);
  assert.equal(fake.to(to).length, 5);
  assert.equal(new Set(fake.to(to).map((e) => fake.codeIn(e))).size, 1, "every send carries the same code");
  const fetched = await w.main.get(`${base}/Verifications/${created[0].data.sid}`);
  assert.equal(fetched.data.send_code_attempts.length, 5);
});

test("provider failures (5xx, 4xx) leave nothing behind; a timeout counts the send it may have made", async () => {
  const base = await service();
  const failing = phone();
  fake.fail({ match: (e) => e.form?.To === failing, status: 503 });
  const r1 = await start(base, { To: failing, Channel: "sms" });
  assertTwilioError(assert, r1, 502, 30008);
  assert.match(r1.data.message, /twilio.*HTTP 503/);
  assertTwilioError(assert, await w.main.get(`${base}/Verifications/${encodeURIComponent(failing)}`), 404, 20404);
  fake.clearRules();
  fake.fail({ match: (e) => e.form?.To === failing, status: 400, body: { code: 21211, message: "The 'To' number is not a valid phone number.", status: 400 } });
  const r2 = await start(base, { To: failing, Channel: "sms" });
  assertTwilioError(assert, r2, 502, 30008);
  assert.match(r2.data.message, /HTTP 400.*21211/);
  fake.clearRules();
  fake.fail({ match: (e) => e.form?.To === failing, hang: true });
  const r3 = await start(base, { To: failing, Channel: "sms" });
  assertTwilioError(assert, r3, 502, 30008);
  assert.match(r3.data.message, /no answer within \d+ ms; the message may still arrive/);
  const pending = await w.main.get(`${base}/Verifications/${encodeURIComponent(failing)}`);
  assert.equal(pending.status, 200, "the provider may have taken it: the verification stands");
  assert.equal(pending.data.send_code_attempts.length, 1, "and the send counts");
  const late = fake.lastCode(failing);
  fake.clearRules();
  const ok = await start(base, { To: failing, Channel: "sms" });
  assert.equal(ok.status, 201, ok.text);
  assert.equal(ok.data.sid, pending.data.sid, "the next start resends");
  assert.equal(ok.data.send_code_attempts.length, 2, "refused sends did not count, the uncertain one did");
  assert.equal(fake.lastCode(failing), late, "the same code, so a late delivery still works");
  assert.equal((await check(base, { To: failing, Code: late })).data.status, "approved");

  const resend = phone();
  const first = await start(base, { To: resend, Channel: "sms" });
  fake.fail({ match: (e) => e.form?.To === resend, status: 500 });
  assertTwilioError(assert, await start(base, { To: resend, Channel: "sms" }), 502, 30008);
  fake.clearRules();
  const still = await w.main.get(`${base}/Verifications/${first.data.sid}`);
  assert.equal(still.status, 200, "a failed resend keeps the verification");
  assert.equal(still.data.send_code_attempts.length, 1, "and does not count");
});

test("a refused connection is a clear 502 and the next start works", async () => {
  const dead = await startWorker({ DELIVERY_CONFIG: deliveryConfig(fake), TWILIO_API_BASE: "http://127.0.0.1:9", SENDGRID_API_BASE: fake.url });
  try {
    const svc = (await dead.main.post("/v2/Services", { FriendlyName: "Dead" })).data.sid;
    const to = phone();
    const r = await dead.main.post(`/v2/Services/${svc}/Verifications`, { To: to, Channel: "sms" });
    assertTwilioError(assert, r, 502, 30008);
    assert.match(r.data.message, /connection failed/);
    const email = await dead.main.post(`/v2/Services/${svc}/Verifications`, { To: `x${phoneSeq++}@example.com`, Channel: "email" });
    assert.equal(email.status, 201, "other channels keep working");
  } finally {
    await dead.dispose();
  }
});

test("no response and no log line contains a code or a credential; KV holds only the digest", async () => {
  const base = await service({ CodeLength: "10" });
  const to = phone();
  const texts = [];
  const r = await start(base, { To: to, Channel: "sms" });
  texts.push(r.text);
  const code = fake.lastCode(to);
  assert.match(code, /^\d{10}$/);
  texts.push((await start(base, { To: to, Channel: "call" })).text);
  texts.push((await w.main.get(`${base}/Verifications/${r.data.sid}`)).text);
  texts.push((await check(base, { To: to, Code: "0000000000" })).text);
  texts.push((await check(base, { To: to, Code: code })).text);
  texts.push((await check(base, { To: to, Code: code })).text);
  const kv = w.kv ? await w.kv() : null;
  const token = await kv.get(`ver/${base.split("/").pop()}/${r.data.sid}`, "json");
  assert.ok(token, "the verification token is in KV");
  assert.match(token.code_digest, /^[0-9a-f]{64}$/);
  const listing = await kv.list({ prefix: `ver/${base.split("/").pop()}/` });
  assert.ok(listing.keys.every((k) => typeof k.expiration === "number"), "tokens carry a TTL");
  texts.push(JSON.stringify(token));
  // A provider failure that echoes the message back: the worker logs it (so the scan below
  // reads a real log line), with the code blanked out.
  const echoed = phone();
  fake.fail({ match: (e) => e.form?.To === echoed, status: 400, body: { code: 21211, message: "rejected" } });
  const failed = await start(base, { To: echoed, Channel: "sms" });
  fake.clearRules();
  texts.push(failed.text);
  await new Promise((res) => setTimeout(res, 200));
  const logs = w.logText();
  assert.match(logs, /error 30008: Delivery through twilio failed: the provider answered HTTP 400 \(code 21211: rejected\)/, "provider failures are logged");
  for (const t of [...texts, logs]) {
    assert.ok(!t.includes(code), `code leaked: ${t.slice(0, 300)}`);
    for (const secret of ["default-provider-token", "india-key-secret", "SG.fake-sendgrid-key", "webhook-signing-secret", w.authToken]) {
      assert.ok(!t.includes(secret), `secret leaked: ${secret}`);
    }
  }
});

test("a subaccount cannot see or check another account's verifications", async () => {
  const base = await service();
  const to = phone();
  const v = (await start(base, { To: to, Channel: "sms" })).data;
  const sub = (await w.main.post("/2010-04-01/Accounts.json", { FriendlyName: "Other" })).data;
  const other = w.as(sub.sid, sub.auth_token);
  assertTwilioError(assert, await other.get(`${base}/Verifications/${v.sid}`), 404, 20404);
  assertTwilioError(assert, await other.post(`${base}/VerificationCheck`, { To: to, Code: fake.lastCode(to) }), 404, 20404);
  assertTwilioError(assert, await other.post(`${base}/Verifications`, { To: to, Channel: "sms" }), 404, 20404);
  assert.equal((await w.main.get(`${base}/Verifications/${v.sid}`)).data.status, "pending");
});

test("webhook delivery is signed with HMAC-SHA256", async () => {
  const hooked = await startWorker({ DELIVERY_CONFIG: JSON.stringify({ webhook: { url: `${fake.url}/hook`, secret: "webhook-signing-secret" } }) });
  try {
    const svc = (await hooked.main.post("/v2/Services", { FriendlyName: "Hooked" })).data.sid;
    const to = phone();
    const r = await hooked.main.post(`/v2/Services/${svc}/Verifications`, { To: to, Channel: "sms" });
    assert.equal(r.status, 201, r.text);
    const hook = fake.received.filter((e) => e.path === "/hook" && e.json?.to === to).at(-1);
    const expected = createHmac("sha256", "webhook-signing-secret").update(`${hook.headers["x-edge-verify-timestamp"]}.${hook.text}`).digest("hex");
    assert.equal(hook.headers["x-edge-verify-signature"], `v1=${expected}`);
    assert.equal(hook.json.channel, "sms");
    assert.match(hook.json.code, /^\d{6}$/);
    assert.equal(hook.json.message, `Your Hooked verification code is: ${hook.json.code}.`);
    assert.equal((await hooked.main.post(`/v2/Services/${svc}/VerificationCheck`, { To: to, Code: hook.json.code })).data.status, "approved");
  } finally {
    await hooked.dispose();
  }
});
