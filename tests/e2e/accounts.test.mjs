// API keys and subaccounts end to end: life cycles, revocation, and isolation between accounts.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { startWorker, assertTwilioError, MAIN_SID } from "./harness.mjs";

let w;
before(async () => { w = await startWorker(); });
after(async () => { await w?.dispose(); });

const keysPath = (ac) => `/2010-04-01/Accounts/${ac}/Keys.json`;
const keyPath = (ac, sk) => `/2010-04-01/Accounts/${ac}/Keys/${sk}.json`;
const RFC2822 = /^[A-Z][a-z]{2}, \d{2} [A-Z][a-z]{2} \d{4} \d{2}:\d{2}:\d{2} \+0000$/;

async function allKvValues() {
  const kv = w.kv ? await w.kv() : null;
  const out = [];
  let cursor;
  do {
    const page = await kv.list({ cursor });
    for (const k of page.keys) out.push(k.name + "=" + (await kv.get(k.name)));
    cursor = page.list_complete ? undefined : page.cursor;
  } while (cursor);
  return out.join("\n");
}

test("API key life cycle: secret shown once, usable at once, revoked at once", async () => {
  const created = await w.main.post(keysPath(MAIN_SID), { FriendlyName: "ci key" });
  assert.equal(created.status, 201, created.text);
  const { sid, secret } = created.data;
  assert.match(sid, /^SK[0-9a-f]{32}$/);
  assert.match(secret, /^[0-9a-f]{32}$/);
  assert.equal(created.data.friendly_name, "ci key");
  assert.match(created.data.date_created, RFC2822);

  const key = w.as(sid, secret);
  const svc = await key.post("/v2/Services", { FriendlyName: "Made by key" });
  assert.equal(svc.status, 201, svc.text);
  assert.equal(svc.data.account_sid, MAIN_SID, "a key acts as its account");
  assert.equal((await w.main.get(`/v2/Services/${svc.data.sid}`)).status, 200);

  const listed = await w.main.get(keysPath(MAIN_SID));
  assert.equal(listed.status, 200);
  const mine = listed.data.keys.find((k) => k.sid === sid);
  assert.ok(mine, "listed");
  assert.ok(!("secret" in mine), "list never shows the secret");
  assert.equal(listed.data.first_page_uri, `${keysPath(MAIN_SID)}?PageSize=50&Page=0`);

  const fetched = await w.main.get(keyPath(MAIN_SID, sid));
  assert.equal(fetched.status, 200);
  assert.ok(!("secret" in fetched.data));
  assert.ok(!fetched.text.includes(secret));

  const renamed = await w.main.post(keyPath(MAIN_SID, sid), { FriendlyName: "renamed" });
  assert.equal(renamed.data.friendly_name, "renamed");
  assert.ok(!renamed.text.includes(secret));

  assertTwilioError(assert, await key.post(keysPath(MAIN_SID), { FriendlyName: "escalate" }), 403, 20403);
  assertTwilioError(assert, await key.post("/2010-04-01/Accounts.json", {}), 403, 20403);
  assertTwilioError(assert, await w.as(sid, secret.replace(/.$/, (c) => (c === "0" ? "1" : "0"))).get("/v2/Services"), 401, 20003);

  assert.ok(!(await allKvValues()).includes(secret), "the secret is stored only as a digest");

  assert.equal((await w.main.del(keyPath(MAIN_SID, sid))).status, 204);
  assertTwilioError(assert, await key.get("/v2/Services"), 401, 20003);
  assertTwilioError(assert, await w.main.get(keyPath(MAIN_SID, sid)), 404, 20404);
  assertTwilioError(assert, await w.main.del(keyPath(MAIN_SID, sid)), 404, 20404);
  assert.ok(!(await w.main.get(keysPath(MAIN_SID))).data.keys.some((k) => k.sid === sid));
});

test("subaccount life cycle: token once, isolation, suspend, reactivate, close", async () => {
  const created = await w.main.post("/2010-04-01/Accounts.json", { FriendlyName: "Tenant A" });
  assert.equal(created.status, 201, created.text);
  const a = created.data;
  assert.match(a.sid, /^AC[0-9a-f]{32}$/);
  assert.match(a.auth_token, /^[0-9a-f]{32}$/);
  assert.equal(a.owner_account_sid, MAIN_SID);
  assert.equal(a.status, "active");
  assert.equal(a.uri, `/2010-04-01/Accounts/${a.sid}.json`);
  const tenant = w.as(a.sid, a.auth_token);

  const fetched = await w.main.get(`/2010-04-01/Accounts/${a.sid}.json`);
  assert.equal(fetched.status, 200);
  assert.equal(fetched.data.auth_token, null, "the token is shown once");
  assert.ok(!(await allKvValues()).includes(a.auth_token), "the token is stored only as a digest");

  const theirs = await tenant.post("/v2/Services", { FriendlyName: "Tenant svc" });
  assert.equal(theirs.status, 201);
  assert.equal(theirs.data.account_sid, a.sid);
  const ours = await w.main.post("/v2/Services", { FriendlyName: "Main svc" });

  assertTwilioError(assert, await w.main.get(`/v2/Services/${theirs.data.sid}`), 404, 20404);
  assertTwilioError(assert, await tenant.get(`/v2/Services/${ours.data.sid}`), 404, 20404);
  assertTwilioError(assert, await tenant.post(`/v2/Services/${ours.data.sid}`, { FriendlyName: "x" }), 404, 20404);
  assertTwilioError(assert, await tenant.del(`/v2/Services/${ours.data.sid}`), 404, 20404);
  assert.equal((await w.main.get(`/v2/Services/${ours.data.sid}`)).data.friendly_name, "Main svc");
  const tenantList = await tenant.get("/v2/Services");
  assert.deepEqual(tenantList.data.services.map((s) => s.sid), [theirs.data.sid]);
  assert.ok(!(await w.main.get("/v2/Services", { query: { PageSize: "1000" } })).data.services.some((s) => s.sid === theirs.data.sid));

  assertTwilioError(assert, await tenant.get(`/2010-04-01/Accounts/${MAIN_SID}.json`), 404, 20404);
  assertTwilioError(assert, await tenant.get(keysPath(MAIN_SID)), 404, 20404);
  assertTwilioError(assert, await tenant.post("/2010-04-01/Accounts.json", { FriendlyName: "Nested" }), 403, 20403);
  assertTwilioError(assert, await tenant.post(`/2010-04-01/Accounts/${a.sid}.json`, { Status: "closed" }), 403, 20403);
  const ownList = await tenant.get("/2010-04-01/Accounts.json");
  assert.deepEqual(ownList.data.accounts.map((x) => x.sid), [a.sid]);

  const mainList = await w.main.get("/2010-04-01/Accounts.json");
  assert.ok(mainList.data.accounts.some((x) => x.sid === MAIN_SID));
  assert.ok(mainList.data.accounts.some((x) => x.sid === a.sid));
  assert.ok(mainList.data.accounts.every((x) => x.auth_token === null));

  const tenantKey = await tenant.post(keysPath(a.sid), { FriendlyName: "tenant key" });
  assert.equal(tenantKey.status, 201);
  const tk = w.as(tenantKey.data.sid, tenantKey.data.secret);
  assert.deepEqual((await tk.get("/v2/Services")).data.services.map((s) => s.sid), [theirs.data.sid], "a subaccount key sees the subaccount");
  assertTwilioError(assert, await w.main.get(keyPath(MAIN_SID, tenantKey.data.sid)), 404, 20404, undefined);
  assert.equal((await w.main.get(keyPath(a.sid, tenantKey.data.sid))).status, 200, "the owner may manage a subaccount's keys");

  const renamed = await tenant.post(`/2010-04-01/Accounts/${a.sid}.json`, { FriendlyName: "Tenant A2" });
  assert.equal(renamed.data.friendly_name, "Tenant A2");

  const suspended = await w.main.post(`/2010-04-01/Accounts/${a.sid}.json`, { Status: "suspended" });
  assert.equal(suspended.data.status, "suspended");
  assertTwilioError(assert, await tenant.get("/v2/Services"), 401, 20003);
  assertTwilioError(assert, await tk.get("/v2/Services"), 401, 20003);
  assert.equal((await w.main.get("/2010-04-01/Accounts.json", { query: { Status: "suspended" } })).data.accounts.length, 1);

  await w.main.post(`/2010-04-01/Accounts/${a.sid}.json`, { Status: "active" });
  assert.equal((await tenant.get("/v2/Services")).status, 200);

  await w.main.post(`/2010-04-01/Accounts/${a.sid}.json`, { Status: "closed" });
  assertTwilioError(assert, await tenant.get("/v2/Services"), 401, 20003);
  assertTwilioError(assert, await w.main.post(`/2010-04-01/Accounts/${a.sid}.json`, { Status: "active" }), 403, 20403);
  assertTwilioError(assert, await w.main.post(`/2010-04-01/Accounts/${a.sid}.json`, { Status: "paused" }), 400, 60200, "Status");
  assertTwilioError(assert, await w.main.post(`/2010-04-01/Accounts/${MAIN_SID}.json`, { FriendlyName: "x" }), 403, 20403);
});

test("two subaccounts cannot see each other", async () => {
  const a = (await w.main.post("/2010-04-01/Accounts.json", { FriendlyName: "A" })).data;
  const b = (await w.main.post("/2010-04-01/Accounts.json", { FriendlyName: "B" })).data;
  const ca = w.as(a.sid, a.auth_token);
  const cb = w.as(b.sid, b.auth_token);
  const svcA = (await ca.post("/v2/Services", { FriendlyName: "A svc" })).data;
  const keyA = (await ca.post(keysPath(a.sid), {})).data;
  assertTwilioError(assert, await cb.get(`/v2/Services/${svcA.sid}`), 404, 20404);
  assertTwilioError(assert, await cb.get(`/2010-04-01/Accounts/${a.sid}.json`), 404, 20404);
  assertTwilioError(assert, await cb.get(keysPath(a.sid)), 404, 20404);
  assertTwilioError(assert, await cb.del(keyPath(a.sid, keyA.sid)), 404, 20404);
  assertTwilioError(assert, await cb.del(keyPath(b.sid, keyA.sid)), 404, 20404);
  assertTwilioError(assert, await cb.post(`/2010-04-01/Accounts/${a.sid}.json`, { Status: "suspended" }), 404, 20404);
  const keyB = (await cb.post(keysPath(b.sid), {})).data;
  const kb = w.as(keyB.sid, keyB.secret);
  assertTwilioError(assert, await kb.get(keysPath(a.sid)), 404, 20404, undefined);
  assertTwilioError(assert, await kb.get(`/2010-04-01/Accounts/${a.sid}.json`), 404, 20404);
  assertTwilioError(assert, await kb.get(keysPath(b.sid)), 403, 20403);
  assertTwilioError(assert, await ca.get(`/2010-04-01/Accounts/${"AC" + "f".repeat(32)}.json`), 404, 20404);
  assertTwilioError(assert, await w.main.get(`/2010-04-01/Accounts/AC123.json`), 404, 20404);
  assert.equal((await ca.get("/v2/Services")).data.services.length, 1);
  assert.equal((await cb.get("/v2/Services")).data.services.length, 0);
});

test("key listing pages with 2010-style URIs", async () => {
  const made = [];
  for (let i = 0; i < 7; i++) made.push((await w.main.post(keysPath(MAIN_SID), { FriendlyName: `k${i}` })).data.sid);
  const seen = [];
  let next = `${keysPath(MAIN_SID)}?PageSize=3`;
  let pages = 0;
  while (next) {
    const r = await w.main.get(next);
    assert.equal(r.status, 200, r.text);
    assert.ok(r.data.keys.length <= 3);
    seen.push(...r.data.keys.map((k) => k.sid));
    next = r.data.next_page_uri;
    pages++;
  }
  for (const sid of made) assert.ok(seen.includes(sid), sid);
  assert.equal(new Set(seen).size, seen.length);
  assert.ok(pages >= 3);
});
