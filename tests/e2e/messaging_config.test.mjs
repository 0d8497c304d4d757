// Routing as an API: a service's MessagingConfigurations (Twilio's resource, also through the
// official twilio Node library) decide which Messaging Service sends to a country, with the
// credentials of the number's delivery route; and the operator's test message through the
// route a number would use (NetIQ's "Test" button), which reports the provider's answer and
// never a secret.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import twilio from "twilio";
import { startWorker, MAIN_SID, assertTwilioError } from "./harness.mjs";
import { startFakeProvider, deliveryConfig } from "./fake_provider.mjs";

const UK = { prefix: "+44", account_sid: "AC" + "4".repeat(32), auth_token: "uk-route-token", from: "+447700000000" };
const MG_GB = "MG" + "a".repeat(32);
const MG_ALL = "MG" + "b".repeat(32);
const TEST = "/v2/DeliveryRoutes/TestMessage";
let w, fake, config, svc;

before(async () => {
  fake = await startFakeProvider();
  config = JSON.parse(deliveryConfig(fake));
  config.twilio_routes.push(UK);
  w = await startWorker({ DELIVERY_CONFIG: JSON.stringify(config), TWILIO_API_BASE: fake.url });
  const created = await w.main.post("/v2/Services", { FriendlyName: "Routing" });
  assert.equal(created.status, 201, created.text);
  svc = created.data.sid;
});
after(async () => { await w?.dispose(); await fake?.close(); });

const basic = (user, password) => "Basic " + Buffer.from(`${user}:${password}`).toString("base64");

/** Every secret DELIVERY_CONFIG holds. */
function secrets() {
  const out = [];
  for (const r of config.twilio_routes) out.push(r.auth_token, r.api_key_secret);
  out.push(config.sendgrid.api_key, config.webhook.secret, w.authToken);
  return out.filter(Boolean);
}

async function start(to) {
  const r = await w.main.post(`/v2/Services/${svc}/Verifications`, { To: to, Channel: "sms" });
  assert.equal(r.status, 201, r.text);
  const sent = fake.to(to);
  return sent[sent.length - 1];
}

test("a configured country sends through its Messaging Service with its route's credentials; others keep their sender", async () => {
  const base = `/v2/Services/${svc}/MessagingConfigurations`;
  const created = await w.main.post(base, { Country: "GB", MessagingServiceSid: MG_GB });
  assert.equal(created.status, 201, created.text);
  assert.deepEqual(Object.keys(created.data).sort(), ["account_sid", "country", "date_created", "date_updated", "messaging_service_sid", "service_sid", "url"]);
  assert.equal(created.data.url, `${w.url}${base}/GB`);
  assertTwilioError(assert, await w.main.post(base, { Country: "GB", MessagingServiceSid: MG_GB }), 409, 60213);
  assertTwilioError(assert, await w.main.post(base, { Country: "Britain", MessagingServiceSid: MG_GB }), 400, 60200, "Country");
  assertTwilioError(assert, await w.main.post(base, { Country: "FR", MessagingServiceSid: "MG1" }), 400, 60200, "MessagingServiceSid");
  assertTwilioError(assert, await w.main.get(`${base}/FR`), 404, 20404);

  const uk = await start("+447700900201");
  assert.equal(uk.path, `/2010-04-01/Accounts/${UK.account_sid}/Messages.json`);
  assert.equal(uk.headers.authorization, basic(UK.account_sid, UK.auth_token), "the +44 route's credentials");
  assert.equal(uk.form.MessagingServiceSid, MG_GB);
  assert.equal(uk.form.From, undefined);
  const us = await start("+14155550201");
  assert.equal(us.form.From, "+15550001111", "other countries: the route's own sender");
  assert.equal(us.form.MessagingServiceSid, undefined);

  // `all` covers every other country, through each number's own route.
  assert.equal((await w.main.post(base, { Country: "all", MessagingServiceSid: MG_ALL })).status, 201);
  const us2 = await start("+14155550202");
  assert.equal(us2.form.MessagingServiceSid, MG_ALL);
  assert.equal(us2.headers.authorization, basic("AC" + "d".repeat(32), "default-provider-token"), "the default route's credentials");
  const list = await w.main.get(base, { query: { PageSize: "1" } });
  assert.equal(list.status, 200, list.text);
  assert.equal(list.data.meta.key, "messaging_configurations");
  assert.deepEqual(list.data.messaging_configurations.map((c) => c.country), ["GB"]);
  const next = await w.main.get(list.data.meta.next_page_url);
  assert.deepEqual(next.data.messaging_configurations.map((c) => c.country), ["all"]);

  assert.equal((await w.main.del(`${base}/all`)).status, 204);
  assert.equal((await w.main.del(`${base}/GB`)).status, 204);
  const back = await start("+447700900202");
  assert.equal(back.form.From, UK.from, "deleted: back to the route's sender");
  assert.equal(back.form.MessagingServiceSid, undefined);
});

test("the official twilio Node library manages messaging configurations", async () => {
  const client = twilio(MAIN_SID, w.authToken);
  client.verify.baseUrl = w.url;
  const configs = client.verify.v2.services(svc).messagingConfigurations;
  const made = await configs.create({ country: "DE", messagingServiceSid: MG_GB });
  assert.equal(made.country, "DE");
  assert.equal(made.messagingServiceSid, MG_GB);
  assert.ok(made.dateCreated instanceof Date);
  const updated = await client.verify.v2.services(svc).messagingConfigurations("DE").update({ messagingServiceSid: MG_ALL });
  assert.equal(updated.messagingServiceSid, MG_ALL);
  assert.deepEqual((await configs.list()).map((c) => c.country), ["DE"]);
  assert.equal((await client.verify.v2.services(svc).messagingConfigurations("DE").fetch()).messagingServiceSid, MG_ALL);
  assert.equal(await client.verify.v2.services(svc).messagingConfigurations("DE").remove(), true);
  await assert.rejects(client.verify.v2.services(svc).messagingConfigurations("DE").fetch(), (err) => err.status === 404);
});

test("a test message goes through the number's route and reports the provider's answer", async () => {
  const before = fake.received.length;
  const ok = await w.main.post(TEST, { To: "+447700900301" });
  assert.equal(ok.status, 200, ok.text);
  assert.equal(ok.data.accepted, true);
  assert.equal(ok.data.provider, "twilio");
  assert.equal(ok.data.route_prefix, "+44");
  assert.equal(ok.data.route_account_sid, UK.account_sid);
  assert.equal(ok.data.sender, UK.from);
  assert.equal(ok.data.provider_status, 201);
  assert.match(ok.data.provider_message_sid, /^SM[0-9a-f]{32}$/);
  assert.equal(ok.data.country, "GB");
  assert.ok(Number.isInteger(ok.data.latency_ms) && ok.data.latency_ms >= 0, ok.text);
  assert.equal(fake.received.length, before + 1, "one request");
  const sent = fake.to("+447700900301").at(-1);
  assert.equal(sent.headers.authorization, basic(UK.account_sid, UK.auth_token));
  assert.match(sent.form.Body, /test message/);
  assert.doesNotMatch(sent.form.Body, /\d/, "never a code");

  // A service's configuration applies when the test names the service.
  assert.equal((await w.main.post(`/v2/Services/${svc}/MessagingConfigurations`, { Country: "GB", MessagingServiceSid: MG_GB })).status, 201);
  const viaService = await w.main.post(TEST, { To: "+447700900302", ServiceSid: svc });
  assert.equal(viaService.status, 200, viaService.text);
  assert.equal(viaService.data.sender, MG_GB);
  assert.equal(fake.to("+447700900302").at(-1).form.MessagingServiceSid, MG_GB);
  assert.equal((await w.main.del(`/v2/Services/${svc}/MessagingConfigurations/GB`)).status, 204);

  const call = await w.main.post(TEST, { To: "+14155550301", Channel: "call" });
  assert.equal(call.status, 200, call.text);
  assert.match(call.data.provider_message_sid, /^CA/);
  assert.match(fake.to("+14155550301").at(-1).form.Twiml, /test message/);
});

test("a provider failure is a 502 with the provider's code and no secret, in the answer or the log", async () => {
  fake.fail({ match: (e) => e.form?.To === "+447700900401", status: 401, body: { code: 20003, message: `Authenticate (token ${UK.auth_token} refused)`, status: 401 } });
  const failed = await w.main.post(TEST, { To: "+447700900401", Body: "Ops check from the console" });
  assert.equal(failed.status, 502, failed.text);
  assert.equal(failed.data.accepted, false);
  assert.equal(failed.data.provider_status, 401);
  assert.equal(failed.data.provider_error_code, 20003);
  assert.match(failed.data.provider_error_message, /Authenticate/);
  assert.equal(failed.data.route_account_sid, UK.account_sid);
  fake.clearRules();
  await new Promise((r) => setTimeout(r, 200));
  const everything = failed.text + "\n" + w.logText();
  for (const secret of secrets()) assert.ok(!everything.includes(secret), `a DELIVERY_CONFIG secret leaked: ${secret.slice(0, 4)}...`);
  assert.ok(!everything.includes("Ops check from the console"), "nor the text sent");
  assert.ok(!failed.text.includes(Buffer.from(`${UK.account_sid}:${UK.auth_token}`).toString("base64")));
});

test("only the main account's auth token sends test messages, within geo permissions", async () => {
  const key = await w.main.post(`/2010-04-01/Accounts/${MAIN_SID}/Keys.json`, { FriendlyName: "ci" });
  assertTwilioError(assert, await w.as(key.data.sid, key.data.secret).post(TEST, { To: "+447700900501" }), 403, 20403);
  const sub = await w.main.post("/2010-04-01/Accounts.json", { FriendlyName: "Tenant" });
  assertTwilioError(assert, await w.as(sub.data.sid, sub.data.auth_token).post(TEST, { To: "+447700900501" }), 403, 20403);
  assertTwilioError(assert, await w.main.post(TEST, { To: "+19005550100" }), 403, 60605);
  assertTwilioError(assert, await w.main.post(TEST, {}), 400, 60200, "To");
  assertTwilioError(assert, await w.main.post(TEST, { To: "+447700900501", Channel: "email" }), 400, 60200, "Channel");
  assert.equal(fake.to("+447700900501").length, 0, "nothing sent");
});
