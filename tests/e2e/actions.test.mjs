// JSON actions end to end: the catalog, every module, field-named errors, and make_api_call
// dispatching inside the worker as the caller.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { startWorker, assertTwilioError, MAIN_SID } from "./harness.mjs";
import { startFakeProvider, deliveryConfig } from "./fake_provider.mjs";

let w, fake;
before(async () => {
  fake = await startFakeProvider();
  w = await startWorker({ DELIVERY_CONFIG: deliveryConfig(fake), TWILIO_API_BASE: fake.url, SENDGRID_API_BASE: fake.url });
});
after(async () => { await w?.dispose(); await fake?.close(); });

const run = (id, input, client = w.main) => client.call("POST", `/v1/actions/${id}`, { json: input });

test("the catalog lists the module set with typed fields, pickers and output samples", async () => {
  assertTwilioError(assert, await w.as(undefined).get("/v1/actions"), 401, 20003);
  const r = await w.main.get("/v1/actions");
  assert.equal(r.status, 200, r.text);
  const ids = r.data.actions.map((a) => a.id);
  assert.deepEqual(ids, ["list_services", "get_service", "create_service", "update_service", "delete_service", "start_verification", "get_verification", "check_verification", "update_verification_status", "create_client_token", "list_attempts", "attempts_summary", "make_api_call"]);
  for (const a of r.data.actions) {
    assert.ok(a.label && a.description, a.id);
    assert.equal(a.url, `${w.url}/v1/actions/${a.id}`);
    for (const f of a.fields) {
      assert.ok(f.name && f.label && f.type && typeof f.required === "boolean" && f.help, `${a.id}.${f.name}`);
      assert.match(f.name, /^[a-z0-9_]+$/);
    }
    assert.ok("output_sample" in a);
  }
  const start = r.data.actions.find((a) => a.id === "start_verification");
  const field = (name) => start.fields.find((f) => f.name === name);
  assert.deepEqual([field("to").required, field("channel").required, field("locale").required], [true, true, false]);
  assert.deepEqual(field("channel").options, ["sms", "call", "email", "whatsapp", "auto"]);
  assert.deepEqual(field("service_sid").options_from, { action: "list_services", items: "services", value: "sid", label: "friendly_name" });
  assert.equal(field("channel_configuration").type, "object");
  const create = r.data.actions.find((a) => a.id === "create_service");
  const codeLength = create.fields.find((f) => f.name === "code_length");
  assert.deepEqual([codeLength.type, codeLength.min, codeLength.max, codeLength.default], ["integer", 4, 10, 6]);
  assert.equal(start.output_sample.status, "pending");
  assert.deepEqual(start.rest, { method: "POST", path: "/v2/Services/{ServiceSid}/Verifications" });
});

test("service modules return the same resources as the REST face", async () => {
  const created = await run("create_service", { friendly_name: "Via Action", code_length: 7, psd2_enabled: true, totp_time_step: 45 });
  assert.equal(created.status, 201, created.text);
  assert.deepEqual([created.data.friendly_name, created.data.code_length, created.data.psd2_enabled, created.data.totp.time_step], ["Via Action", 7, true, 45]);
  const rest = await w.main.get(`/v2/Services/${created.data.sid}`);
  assert.deepEqual((await run("get_service", { service_sid: created.data.sid })).data, rest.data);
  const updated = await run("update_service", { service_sid: created.data.sid, friendly_name: "Renamed", lookup_enabled: false });
  assert.deepEqual([updated.status, updated.data.friendly_name, updated.data.code_length], [200, "Renamed", 7]);
  const listed = await run("list_services", { page_size: 1 });
  assert.equal(listed.status, 200);
  assert.equal(listed.data.services.length, 1);
  assert.equal(listed.data.meta.page_size, 1);
  assert.equal((await run("delete_service", { service_sid: created.data.sid })).status, 204);
  assertTwilioError(assert, await run("get_service", { service_sid: created.data.sid }), 404, 20404);
});

test("errors name the action's fields", async () => {
  assertTwilioError(assert, await run("create_service", {}), 400, 60200, "friendly_name");
  assertTwilioError(assert, await run("create_service", { friendly_name: "x", code_length: 3 }), 400, 60200, "code_length");
  assertTwilioError(assert, await run("create_service", { friendly_name: "x", lookup_enabled: "maybe" }), 400, 60200, "lookup_enabled");
  assertTwilioError(assert, await run("get_service", {}), 400, 60200, "service_sid");
  assertTwilioError(assert, await run("get_service", { service_sid: 42 }), 400, 60200, "service_sid");
  const svc = (await run("create_service", { friendly_name: "Errs" })).data.sid;
  assertTwilioError(assert, await run("start_verification", { service_sid: svc, to: "+14155550100" }), 400, 60200, "channel");
  assertTwilioError(assert, await run("start_verification", { service_sid: svc, to: "+14155550100", channel: "sms", channel_configuration: "nope" }), 400, 60200, "channel_configuration");
  assertTwilioError(assert, await run("check_verification", { service_sid: svc, code: "123456" }), 400, 60221);
  assertTwilioError(assert, await run("nope", {}), 404, 20404);
  assertTwilioError(assert, await w.main.call("POST", "/v1/actions/get_service", { json: "[1]" }), 400, 60200);
  assertTwilioError(assert, await w.main.call("POST", "/v1/actions/get_service", { json: "{bad" }), 400, 60200);
  assertTwilioError(assert, await w.main.call("GET", "/v1/actions/get_service"), 405, 20004);
});

test("verification modules: start with JSON objects, get, check, update status", async () => {
  const svc = (await run("create_service", { friendly_name: "Flow" })).data.sid;
  const to = "+14155550160";
  assert.equal((await w.main.post(`/v2/Services/${svc}/RateLimits`, { UniqueName: "end_user_ip" })).status, 201);
  const unknown = await run("start_verification", { service_sid: svc, to, channel: "sms", rate_limits: { nobody: "x" } });
  assertTwilioError(assert, unknown, 404, 20404);
  assert.match(unknown.data.message, /RateLimits\/nobody/, "names the rate limit it did not find");
  const started = await run("start_verification", { service_sid: svc, to, channel: "sms", locale: "de", rate_limits: { end_user_ip: "203.0.113.7" } });
  assert.equal(started.status, 201, started.text);
  assert.equal(started.data.status, "pending");
  assert.match(fake.to(to).at(-1).form.Body, /^Ihr Flow Verifizierungscode lautet: \d{6}\.$/);
  const code = fake.lastCode(to);
  assert.equal((await run("get_verification", { service_sid: svc, verification_sid: started.data.sid })).data.sid, started.data.sid);
  assert.equal((await run("get_verification", { service_sid: svc, verification_sid: to })).data.sid, started.data.sid);
  const checked = await run("check_verification", { service_sid: svc, to, code });
  assert.deepEqual([checked.status, checked.data.status, checked.data.valid], [200, "approved", true]);

  const email = "flow@example.com";
  const mailed = await run("start_verification", { service_sid: svc, to: email, channel: "email", channel_configuration: { template_id: "d-1", substitutions: { name: "Ann" } } });
  assert.equal(mailed.status, 201, mailed.text);
  assert.equal(fake.to(email).at(-1).json.personalizations[0].dynamic_template_data.name, "Ann");
  const canceled = await run("update_verification_status", { service_sid: svc, verification_sid: mailed.data.sid, status: "canceled" });
  assert.deepEqual([canceled.status, canceled.data.status], [200, "canceled"]);
  assertTwilioError(assert, await run("update_verification_status", { service_sid: svc, verification_sid: mailed.data.sid, status: "nope" }), 400, 60200, "status");
});

test("make_api_call dispatches inside the worker as the caller", async () => {
  const listed = await run("make_api_call", { url: "/v2/Services", method: "GET", query: [{ key: "PageSize", value: "2" }] });
  assert.equal(listed.status, 200, listed.text);
  assert.equal(listed.data.status, 200);
  assert.equal(listed.data.body.meta.page_size, 2);
  assert.match(listed.data.headers["content-type"], /application\/json/);

  const formCreate = await run("make_api_call", { url: "/v2/Services", method: "POST", body: "FriendlyName=By+Call&CodeLength=5" });
  assert.deepEqual([formCreate.data.status, formCreate.data.body.friendly_name, formCreate.data.body.code_length], [201, "By Call", 5]);
  const jsonCreate = await run("make_api_call", { url: "/v2/Services", method: "POST", body: { FriendlyName: "By Json" } });
  assert.deepEqual([jsonCreate.data.status, jsonCreate.data.body.account_sid], [201, MAIN_SID]);
  const deleted = await run("make_api_call", { url: `/v2/Services/${jsonCreate.data.body.sid}`, method: "DELETE" });
  assert.deepEqual([deleted.data.status, deleted.data.body], [204, null]);
  const missing = await run("make_api_call", { url: `/v2/Services/${jsonCreate.data.body.sid}` });
  assert.deepEqual([missing.data.status, missing.data.body.code], [404, 20404], "errors pass through");
  const keys = await run("make_api_call", { url: `/2010-04-01/Accounts/${MAIN_SID}/Keys.json?PageSize=1` });
  assert.equal(keys.data.status, 200);

  const sub = (await w.main.post("/2010-04-01/Accounts.json", { FriendlyName: "Caller" })).data;
  const tenant = w.as(sub.sid, sub.auth_token);
  const mainAuth = "Basic " + Buffer.from(`${MAIN_SID}:${w.authToken}`).toString("base64");
  const sneaky = await run("make_api_call", { url: `/v2/Services/${formCreate.data.body.sid}`, headers: [{ key: "Authorization", value: mainAuth }] }, tenant);
  assert.equal(sneaky.data.status, 404, "runs as the caller; an Authorization header is ignored");

  const before = fake.received.length;
  for (const url of [`${fake.url}/v2/Services`, "https://verify.twilio.com/v2/Services", "//127.0.0.1/v2/Services", "/v2/../v1/actions/make_api_call", "/v1/actions/list_services", "/v1/actions", "v2/Services", "/etc/passwd"]) {
    assertTwilioError(assert, await run("make_api_call", { url }), 400, 60200, "url");
  }
  assertTwilioError(assert, await run("make_api_call", { url: "/v2/Services", method: "TRACE" }), 400, 60200, "method");
  assertTwilioError(assert, await run("make_api_call", { url: "/v2/Services", headers: "x" }), 400, 60200, "headers");
  assertTwilioError(assert, await run("make_api_call", {}), 400, 60200, "url");
  assert.equal(fake.received.length, before, "no outbound request was made");
});
