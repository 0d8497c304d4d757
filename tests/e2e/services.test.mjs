// Verification services end to end: CRUD, paging, bad input and authentication, against the
// built worker in workerd with real local KV.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { startWorker, assertTwilioError, MAIN_SID } from "./harness.mjs";

let w;
before(async () => { w = await startWorker(); });
after(async () => { await w?.dispose(); });

const SID = /^VA[0-9a-f]{32}$/;
const DATE = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/;

test("create, fetch, update and delete a service with every setting", async () => {
  const created = await w.main.post("/v2/Services", {
    FriendlyName: "Acme Login",
    CodeLength: "8",
    LookupEnabled: "true",
    SkipSmsToLandlines: "true",
    DtmfInputRequired: "true",
    TtsName: "alice",
    Psd2Enabled: "true",
    DoNotShareWarningEnabled: "true",
    CustomCodeEnabled: "true",
    "Push.IncludeDate": "false",
    "Push.ApnCredentialSid": "CR" + "a".repeat(32),
    "Totp.Issuer": "Acme",
    "Totp.TimeStep": "45",
    "Totp.CodeLength": "7",
    "Totp.Skew": "2",
    DefaultTemplateSid: "HJ" + "b".repeat(32),
    "Whatsapp.MsgServiceSid": "MG" + "c".repeat(32),
    "Whatsapp.From": "whatsapp:+14155550100",
    "Passkeys.RelyingParty.Id": "example.com",
    "Passkeys.RelyingParty.Name": "Example",
    "Passkeys.RelyingParty.Origins": "https://example.com,https://login.example.com",
    "Passkeys.AuthenticatorAttachment": "platform",
    "Passkeys.DiscoverableCredentials": "required",
    "Passkeys.UserVerification": "preferred",
    VerifyEventSubscriptionEnabled: "true",
    MailerSid: "MD" + "d".repeat(32),
    SomethingTwilioMightAddLater: "ignored",
  });
  assert.equal(created.status, 201, created.text);
  const s = created.data;
  assert.match(s.sid, SID);
  assert.equal(s.account_sid, MAIN_SID);
  assert.equal(s.friendly_name, "Acme Login");
  assert.equal(s.code_length, 8);
  for (const f of ["lookup_enabled", "skip_sms_to_landlines", "dtmf_input_required", "psd2_enabled", "do_not_share_warning_enabled", "custom_code_enabled", "verify_event_subscription_enabled"]) {
    assert.equal(s[f], true, f);
  }
  assert.equal(s.tts_name, "alice");
  assert.deepEqual(s.push, { include_date: false, apn_credential_sid: "CR" + "a".repeat(32), fcm_credential_sid: null });
  assert.deepEqual(s.totp, { issuer: "Acme", time_step: 45, code_length: 7, skew: 2 });
  assert.equal(s.default_template_sid, "HJ" + "b".repeat(32));
  assert.deepEqual(s.whatsapp, { msg_service_sid: "MG" + "c".repeat(32), from: "whatsapp:+14155550100" });
  assert.deepEqual(s.passkeys, {
    relying_party: { id: "example.com", name: "Example", origins: ["https://example.com", "https://login.example.com"] },
    authenticator_attachment: "platform",
    discoverable_credentials: "required",
    user_verification: "preferred",
  });
  assert.match(s.date_created, DATE);
  assert.match(s.date_updated, DATE);
  assert.equal(s.url, `${w.url}/v2/Services/${s.sid}`);
  assert.deepEqual(Object.keys(s.links).sort(), ["access_tokens", "entities", "messaging_configurations", "rate_limits", "verification_checks", "verifications", "webhooks"]);
  assert.equal(s.links.verification_checks, `${w.url}/v2/Services/${s.sid}/VerificationCheck`);
  assert.ok(!("mailer_sid" in s) && !("something_twilio_might_add_later" in s));

  const fetched = await w.main.get(`/v2/Services/${s.sid}`);
  assert.equal(fetched.status, 200);
  assert.deepEqual(fetched.data, s);

  const upper = await w.main.get(`/v2/Services/VA${s.sid.slice(2).toUpperCase()}`);
  assert.equal(upper.status, 200, "hex digits in a SID are case-insensitive");

  const updated = await w.main.post(`/v2/Services/${s.sid}`, { FriendlyName: "Acme Renamed", CodeLength: "4", TtsName: "", "Totp.Issuer": "" });
  assert.equal(updated.status, 200, updated.text);
  assert.equal(updated.data.friendly_name, "Acme Renamed");
  assert.equal(updated.data.code_length, 4);
  assert.equal(updated.data.tts_name, null, "an empty value clears a setting");
  assert.equal(updated.data.totp.issuer, "Acme Renamed", "the TOTP issuer falls back to the name");
  assert.equal(updated.data.psd2_enabled, true, "settings not sent are kept");
  assert.equal(updated.data.date_created, s.date_created);

  const deleted = await w.main.del(`/v2/Services/${s.sid}`);
  assert.equal(deleted.status, 204);
  assert.equal(deleted.text, "");
  assertTwilioError(assert, await w.main.get(`/v2/Services/${s.sid}`), 404, 20404);
  assertTwilioError(assert, await w.main.del(`/v2/Services/${s.sid}`), 404, 20404);
  assertTwilioError(assert, await w.main.post(`/v2/Services/${s.sid}`, { FriendlyName: "x" }), 404, 20404);
});

test("defaults, and JSON bodies work like forms", async () => {
  const r = await w.main.call("POST", "/v2/Services", { json: { FriendlyName: "Json Svc", CodeLength: 5, LookupEnabled: false } });
  assert.equal(r.status, 201, r.text);
  assert.equal(r.data.code_length, 5);
  const d = await w.main.post("/v2/Services", { FriendlyName: "Defaults" });
  assert.equal(d.data.code_length, 6);
  for (const f of ["lookup_enabled", "psd2_enabled", "skip_sms_to_landlines", "dtmf_input_required", "do_not_share_warning_enabled", "custom_code_enabled"]) {
    assert.equal(d.data[f], false, f);
  }
  assert.deepEqual(d.data.totp, { issuer: "Defaults", time_step: 30, code_length: 6, skew: 1 });
  const bad = await w.main.call("POST", `/v2/Services/${r.data.sid}`, { json: { CodeLength: 11 } });
  assertTwilioError(assert, bad, 400, 60200, "CodeLength");
});

test("pages over 120 services with absolute meta URLs, forward and back", async () => {
  const fresh = await startWorker();
  try {
    const sids = [];
    for (let i = 0; i < 120; i += 12) {
      const batch = await Promise.all(
        Array.from({ length: 12 }, (_, j) => fresh.main.post("/v2/Services", { FriendlyName: `Paged ${String(i + j).padStart(3, "0")}` })),
      );
      for (const r of batch) {
        assert.equal(r.status, 201, r.text);
        sids.push(r.data.sid);
      }
    }
    const seen = [];
    let next = `${fresh.url}/v2/Services?PageSize=50`;
    const pages = [];
    while (next) {
      assert.ok(next.startsWith(fresh.url + "/v2/Services?"), `absolute URL on our origin: ${next}`);
      const r = await fresh.main.get(next);
      assert.equal(r.status, 200, r.text);
      assert.equal(r.data.meta.key, "services");
      assert.equal(r.data.meta.page_size, 50);
      assert.equal(r.data.meta.page, pages.length);
      assert.equal(r.data.meta.first_page_url, `${fresh.url}/v2/Services?PageSize=50&Page=0`);
      pages.push(r.data);
      seen.push(...r.data.services.map((s) => s.sid));
      next = r.data.meta.next_page_url;
    }
    assert.deepEqual(pages.map((p) => p.services.length), [50, 50, 20]);
    assert.equal(new Set(seen).size, 120);
    assert.deepEqual([...seen].sort(), [...sids].sort());
    assert.equal(pages[0].meta.previous_page_url, null);
    const back = await fresh.main.get(pages[2].meta.previous_page_url);
    assert.deepEqual(back.data.services.map((s) => s.sid), pages[1].services.map((s) => s.sid));
    const all = await fresh.main.get("/v2/Services", { query: { PageSize: "1000" } });
    assert.equal(all.data.services.length, 120);
    assert.equal(all.data.meta.next_page_url, null);
    for (const [k, v] of [["PageSize", "0"], ["PageSize", "1001"], ["PageSize", "ten"], ["PageToken", "garbage"], ["Page", "-2"]]) {
      assertTwilioError(assert, await fresh.main.get("/v2/Services", { query: { [k]: v } }), 400, 60200, k);
    }
  } finally {
    await fresh.dispose();
  }
});

test("every bad value is a 400 60200 naming the parameter, and nothing is written", async () => {
  const base = await w.main.post("/v2/Services", { FriendlyName: "Stable" });
  const before = await w.main.get(`/v2/Services/${base.data.sid}`);
  const cases = [
    [{}, "FriendlyName"],
    [{ FriendlyName: "" }, "FriendlyName"],
    [{ FriendlyName: "x".repeat(31) }, "FriendlyName"],
    [{ FriendlyName: "Call 555 12345" }, "FriendlyName"],
    [{ FriendlyName: "visit https://x.io" }, "FriendlyName"],
    [{ FriendlyName: "ok", CodeLength: "3" }, "CodeLength"],
    [{ FriendlyName: "ok", CodeLength: "11" }, "CodeLength"],
    [{ FriendlyName: "ok", CodeLength: "6.5" }, "CodeLength"],
    [{ FriendlyName: "ok", LookupEnabled: "yes" }, "LookupEnabled"],
    [{ FriendlyName: "ok", Psd2Enabled: "1" }, "Psd2Enabled"],
    [{ FriendlyName: "ok", DtmfInputRequired: "" }, "DtmfInputRequired"],
    [{ FriendlyName: "ok", "Push.IncludeDate": "maybe" }, "Push.IncludeDate"],
    [{ FriendlyName: "ok", "Push.FcmCredentialSid": "CR123" }, "Push.FcmCredentialSid"],
    [{ FriendlyName: "ok", "Totp.TimeStep": "61" }, "Totp.TimeStep"],
    [{ FriendlyName: "ok", "Totp.CodeLength": "2" }, "Totp.CodeLength"],
    [{ FriendlyName: "ok", "Totp.Skew": "-1" }, "Totp.Skew"],
    [{ FriendlyName: "ok", DefaultTemplateSid: "VA" + "a".repeat(32) }, "DefaultTemplateSid"],
    [{ FriendlyName: "ok", "Whatsapp.MsgServiceSid": "MG" + "z".repeat(32) }, "Whatsapp.MsgServiceSid"],
    [{ FriendlyName: "ok", "Whatsapp.From": "whatsapp:0123" }, "Whatsapp.From"],
    [{ FriendlyName: "ok", "Passkeys.UserVerification": "always" }, "Passkeys.UserVerification"],
    [{ FriendlyName: "ok", SkipSmsToLandlines: "true" }, "SkipSmsToLandlines"],
    [{ FriendlyName: "ok", TtsName: "x".repeat(101) }, "TtsName"],
  ];
  const countBefore = (await w.main.get("/v2/Services", { query: { PageSize: "1000" } })).data.services.length;
  for (const [form, param] of cases) {
    assertTwilioError(assert, await w.main.post("/v2/Services", form), 400, 60200, param);
    const { FriendlyName, ...rest } = form;
    if (Object.keys(rest).length) {
      const upd = await w.main.post(`/v2/Services/${base.data.sid}`, { FriendlyName: "Changed", ...rest });
      assertTwilioError(assert, upd, 400, 60200, param);
    }
  }
  const countAfter = (await w.main.get("/v2/Services", { query: { PageSize: "1000" } })).data.services.length;
  assert.equal(countAfter, countBefore, "failed creates wrote nothing");
  assert.deepEqual((await w.main.get(`/v2/Services/${base.data.sid}`)).data, before.data, "failed updates changed nothing");
});

test("malformed SIDs and unknown resources are 404, wrong methods 405, big bodies 413, bad bodies 400", async () => {
  for (const sid of ["VA123", "VA" + "g".repeat(32), "AC" + "a".repeat(32), "VA" + "a".repeat(32), "%FF%FE"]) {
    assertTwilioError(assert, await w.main.get(`/v2/Services/${sid}`), 404, 20404);
  }
  assertTwilioError(assert, await w.main.get("/v2/Nothing"), 404, 20404);
  assertTwilioError(assert, await w.main.get("/"), 404, 20404);
  const put = await w.main.call("PUT", "/v2/Services", { form: { FriendlyName: "x" } });
  assertTwilioError(assert, put, 405, 20004);
  assert.equal(put.headers.get("allow"), "GET, POST");
  assertTwilioError(assert, await w.main.call("PATCH", "/v2/Services/VA" + "a".repeat(32)), 405, 20004);
  for (let i = 0; i < 4; i++) {
    const big = await w.main.post("/v2/Services", { FriendlyName: "Big", TtsName: "x".repeat(70 * 1024) });
    assertTwilioError(assert, big, 413, 20413);
    const after = await w.main.get("/v2/Services", { query: { PageSize: "1" } });
    assert.equal(after.status, 200, "the connection still works after a 413");
  }
  const chunked = await fetch(`${w.url}/v2/Services`, {
    method: "POST",
    duplex: "half",
    headers: { authorization: "Basic " + Buffer.from(`${MAIN_SID}:${w.authToken}`).toString("base64"), "content-type": "application/x-www-form-urlencoded" },
    body: new ReadableStream({
      start(controller) {
        controller.enqueue(new TextEncoder().encode("FriendlyName=Chunked&TtsName="));
        for (let i = 0; i < 70; i++) controller.enqueue(new TextEncoder().encode("x".repeat(1024)));
        controller.close();
      },
    }),
  });
  assert.equal(chunked.status, 413, "a chunked body over the limit (no Content-Length) is refused too");
  assert.equal((await chunked.json()).code, 20413);
  assertTwilioError(assert, await w.main.call("POST", "/v2/Services", { json: "{not json" }), 400, 60200);
  assertTwilioError(assert, await w.main.call("POST", "/v2/Services", { json: "[1,2]" }), 400, 60200);
  assertTwilioError(
    assert,
    await w.main.call("POST", "/v2/Services", { body: Buffer.from([0x46, 0x3d, 0xff]), headers: { "content-type": "application/x-www-form-urlencoded" } }),
    400,
    60200,
  );
  assertTwilioError(
    assert,
    await w.main.call("POST", "/v2/Services", { body: "--b\r\n", headers: { "content-type": "multipart/form-data; boundary=b" } }),
    400,
    60200,
  );
});

test("authentication: missing, wrong or malformed credentials are 401 20003", async () => {
  const anon = w.as(undefined);
  for (const res of [
    await anon.get("/v2/Services"),
    await w.as(MAIN_SID, "wrong-token-wrong-token").get("/v2/Services"),
    await w.as(MAIN_SID, w.authToken + "x").get("/v2/Services"),
    await w.as("AC" + "2".repeat(32), w.authToken).get("/v2/Services"),
    await w.as("SK" + "2".repeat(32), w.authToken).get("/v2/Services"),
    await w.as("nobody", w.authToken).get("/v2/Services"),
    await anon.get("/v2/Services", { headers: { authorization: "Bearer " + w.authToken } }),
    await anon.get("/v2/Services", { headers: { authorization: "Basic %%%" } }),
    await anon.post("/v2/Services", { FriendlyName: "x" }),
  ]) {
    assertTwilioError(assert, res, 401, 20003);
    assert.match(res.headers.get("www-authenticate"), /^Basic /);
    assert.ok(!res.text.includes(w.authToken));
  }
});

test("no garbage input produces a server error", async () => {
  const names = ["FriendlyName", "CodeLength", "LookupEnabled", "Totp.Skew", "Push.ApnCredentialSid", "PageSize", "PageToken", "Whatsapp.From"];
  const junk = ["", " ", "\u0000", "%", "%%", "null", "-1", "99999999999999999999", "VA", "true", "☃".repeat(40), "\ud800x", "<script>", "0x10", "1e9"];
  const paths = ["/v2/Services", "/v2/Services/VA" + "a".repeat(32), "/v2/Services/%00", "/v2/Services/VA%2F..", "/v2//Services", "/v2/Services/" + "A".repeat(3000)];
  let n = 0;
  for (const p of paths) {
    for (const method of ["GET", "POST", "DELETE", "PUT", "OPTIONS"]) {
      const name = names[n % names.length];
      const value = junk[n % junk.length];
      n++;
      const res = await w.main.call(method, p + (method === "GET" ? `?${encodeURIComponent(name)}=${encodeURIComponent(value)}` : ""), method === "POST" ? { form: { [name]: value } } : {});
      assert.ok(res.status < 500, `${method} ${p} ${name}=${JSON.stringify(value)} -> ${res.status} ${res.text}`);
      assert.ok(typeof res.data === "object" || res.status === 204 || res.status === 201 || res.status === 200, res.text);
    }
  }
});
