// The generated Make app (connector-spec/make/) run against the worker the way Make runs it:
// its connection, base and module communication files are read as generated, their IML
// templates evaluated by a small interpreter of the subset they use (paths, `+`, `=`, `if`,
// `length`, `base64`, `toCollection`), and the requests sent as Make sends them: the base URL
// and headers joined with each module's, unfilled parameters left out (Make's "processing of
// empty values", Apps platform 2), search modules iterated, limited and paginated, 4xx/5xx
// answers turned into module errors by the `response.error` templates; instant triggers
// attached (`attach` with `{{webhook.url}}` pointing at a local receiver standing in for Make's
// webhook URL, `response.data` kept as the webhook's data), fed by real deliveries through the
// webhook's communication, and detached. What Make itself does
// beyond that subset cannot be run here (see docs/platforms/make.md).
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { createServer } from "node:http";
import crypto from "node:crypto";
import { fileURLToPath } from "node:url";
import path from "node:path";
import { startWorker, MAIN_SID, waitFor } from "./harness.mjs";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const dir = path.join(root, "connector-spec/make");
const read = (rel) => JSON.parse(readFileSync(path.join(dir, rel), "utf8"));
const app = read("makecomapp.json");
const base = read(app.generalCodeFiles.base);
const [connectionId, connection] = Object.entries(app.components.connection)[0];

// ---- a small IML interpreter ------------------------------------------------------------
function tokenize(src) {
  const tokens = [];
  const re = /\s*(?:('(?:[^'\\]|\\.)*')|(\d+(?:\.\d+)?)|([A-Za-z_][\w.]*(?:\[\d+\][\w.]*)*)|(.))/gy;
  let m;
  while ((m = re.exec(src)) && m[0].length) {
    if (m[1] !== undefined) tokens.push({ str: m[1].slice(1, -1).replace(/\\(.)/g, "$1") });
    else if (m[2] !== undefined) tokens.push({ num: Number(m[2]) });
    else if (m[3] !== undefined) tokens.push({ id: m[3] });
    else if (m[4].trim()) tokens.push({ op: m[4] });
  }
  return tokens;
}

function lookup(pathText, scope) {
  let value = scope;
  for (const part of pathText.split(/\.|(?=\[)/)) {
    if (value === undefined || value === null) return undefined;
    const index = part.match(/^\[(\d+)\]$/);
    value = index ? value[Number(index[1]) - 1] : value[part]; // IML arrays are 1-based
  }
  return value;
}

const functions = {
  base64: (s) => Buffer.from(String(s)).toString("base64"),
  length: (a) => (a === undefined || a === null ? 0 : a.length),
  if: (c, a, b) => (c ? a : b),
  toCollection: (list, key, value) => (Array.isArray(list) ? Object.fromEntries(list.map((e) => [e[key], e[value]])) : undefined),
};

function evaluate(src, scope) {
  const tokens = tokenize(src);
  let i = 0;
  const peek = () => tokens[i];
  const primary = () => {
    const t = tokens[i++];
    if (t.str !== undefined) return t.str;
    if (t.num !== undefined) return t.num;
    if (t.op === "(") { const v = expr(); i++; return v; }
    if (peek()?.op === "(") {
      i++;
      const args = [];
      while (peek()?.op !== ")") { args.push(expr()); if (peek()?.op === ",") i++; }
      i++;
      assert.ok(functions[t.id], `IML function ${t.id} is not supported by this interpreter`);
      return functions[t.id](...args);
    }
    return lookup(t.id, scope);
  };
  const sum = () => { let v = primary(); while (peek()?.op === "+") { i++; v = v + primary(); } return v; };
  const expr = () => { let v = sum(); while (peek()?.op === "=") { i++; v = v === sum(); } return v; };
  const v = expr();
  assert.equal(i, tokens.length, `unparsed IML: ${src}`);
  return v;
}

/** A template value evaluated: a lone `{{expr}}` keeps its type; text interpolates; objects
 * drop what evaluates to undefined, and a `{{...}}` key spreads its object. */
function render(template, scope) {
  if (typeof template === "string") {
    const whole = template.match(/^\{\{([^}]*)\}\}$/);
    if (whole) return evaluate(whole[1], scope);
    return template.replace(/\{\{([^}]*)\}\}/g, (_, e) => { const v = evaluate(e, scope); return v === undefined ? "" : String(v); });
  }
  if (Array.isArray(template)) return template.map((t) => render(t, scope));
  if (template && typeof template === "object") {
    const out = {};
    for (const [k, v] of Object.entries(template)) {
      const value = render(v, scope);
      if (k === "{{...}}") Object.assign(out, value ?? {});
      else if (value !== undefined) out[k] = value;
    }
    return out;
  }
  return template;
}

// ---- Make's request cycle -----------------------------------------------------------------
class ModuleError extends Error {
  constructor(message, type, statusCode) { super(message); this.type = type; this.statusCode = statusCode; }
}

async function send(comm, scope, { baseUrl, baseHeaders, errorTemplate }) {
  const req = render({ ...comm, response: undefined, pagination: undefined }, scope);
  const url = new URL(req.url.startsWith("/") ? baseUrl + req.url : req.url);
  for (const [k, v] of Object.entries(req.qs ?? {})) url.searchParams.set(k, String(v));
  const headers = { ...baseHeaders, ...(req.headers ?? {}) };
  let body;
  if (req.body !== undefined && req.body !== "") {
    if ((req.type ?? "json") === "json") { body = JSON.stringify(req.body); headers["content-type"] = "application/json"; }
    else body = String(req.body);
  }
  const res = await fetch(url, { method: req.method ?? "GET", headers, body });
  const text = await res.text();
  let parsed = text;
  try { parsed = JSON.parse(text); } catch {}
  const answer = { statusCode: res.status, headers: Object.fromEntries(res.headers), body: parsed };
  if (res.status >= 400) {
    const error = comm.response?.error ?? errorTemplate;
    const rule = error?.[String(res.status)] ?? error;
    throw new ModuleError(render(rule?.message ?? `status ${res.status}`, { ...scope, ...answer }), rule?.type ?? "RuntimeError", res.status);
  }
  return { answer, req };
}

let w, key;

/** The connection, created as a maker does: its test call and metadata. */
async function connect() {
  const params = { baseUrl: w.url, apiKeySid: key.sid, apiKeySecret: key.secret };
  const comm = read(connection.codeFiles.communication);
  const { answer } = await send(comm, { parameters: params }, { baseUrl: "", baseHeaders: {}, errorTemplate: comm.response?.error });
  const metadata = comm.response?.metadata ? render(comm.response.metadata.value, answer) : undefined;
  return { params, metadata };
}

/** Runs one module (or RPC) with the fields a maker filled; returns its bundles. */
async function runModule(id, parameters, conn, kind = "module") {
  const component = app.components[kind][id];
  assert.ok(component, `${kind} ${id}`);
  return runModuleWith(id, read(component.codeFiles.communication), parameters, conn, kind);
}

/** `runModule` with the communication given (e.g. a smaller page size). */
async function runModuleWith(id, comm, parameters, conn, kind = "module") {
  const component = app.components[kind][id];
  assert.equal(component.connection, connectionId);
  const baseScope = { connection: conn.params, parameters };
  const ctx = { baseUrl: render(base.baseUrl, baseScope), baseHeaders: render(base.headers ?? {}, baseScope), errorTemplate: base.response?.error };
  let { answer } = await send(comm, { parameters, connection: conn.params }, ctx);
  const response = comm.response ?? {};
  if (!response.iterate) return [render(response.output ?? "{{body}}", { ...answer, parameters })];
  const limit = Number(render(response.limit ?? "0", { parameters })) || Infinity;
  const bundles = [];
  for (let page = 0; page < 20; page++) {
    const items = render(response.iterate, { ...answer, parameters }) ?? [];
    for (const item of items) {
      if (bundles.length >= limit) return bundles;
      bundles.push(render(response.output ?? "{{item}}", { ...answer, item, parameters }));
    }
    const next = comm.pagination && render(comm.pagination.condition, { ...answer, parameters });
    if (!next || bundles.length >= limit) return bundles;
    ({ answer } = await send({ ...comm, ...comm.pagination, qs: comm.pagination.qs ?? {}, url: comm.pagination.url }, { ...answer, parameters, connection: conn.params }, ctx));
  }
  assert.fail("pagination did not end");
}

/** A webhook's `attach` (or `detach`) run as Make runs it: the webhook's parameters, Make's URL
 * as `webhook.url` (or the data attach kept as `webhook`), the base URL and headers. */
async function runWebhookRpc(webhookId, code, { parameters = {}, webhook, conn }) {
  const component = app.components.webhook[webhookId];
  assert.ok(component, `webhook ${webhookId}`);
  assert.equal(component.connection, connectionId);
  const comm = read(component.codeFiles[code]);
  const baseScope = { connection: conn.params, parameters };
  const ctx = { baseUrl: render(base.baseUrl, baseScope), baseHeaders: render(base.headers ?? {}, baseScope), errorTemplate: base.response?.error };
  const { answer, req } = await send({ ...comm, log: undefined }, { parameters, webhook, connection: conn.params }, ctx);
  const data = comm.response?.data ? render(comm.response.data, { ...answer, parameters }) : undefined;
  return { answer, req, data };
}

/** A local stand-in for Make's webhook URL: records each delivery's headers and raw body. */
async function startReceiver() {
  const hits = [];
  const server = createServer((req, res) => {
    const chunks = [];
    req.on("data", (c) => chunks.push(c));
    req.on("end", () => { hits.push({ headers: req.headers, raw: Buffer.concat(chunks) }); res.writeHead(200).end("Accepted"); });
  });
  await new Promise((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    hits,
    url: `http://127.0.0.1:${server.address().port}/make-hook`,
    close: () => new Promise((resolve) => { server.closeAllConnections(); server.close(resolve); }),
  };
}

async function codeFromOutbox(to) {
  for (let i = 0; i < 40; i++) {
    const r = await w.main.get("/dev/outbox", { query: { To: to } });
    const m = r.data.messages?.[0]?.body.match(/: (\d{4,10})\./);
    if (m) return m[1];
    await new Promise((res) => setTimeout(res, 50));
  }
  assert.fail(`no message to ${to}`);
}

before(async () => {
  w = await startWorker({ DEV_MODE: "true" });
  const r = await w.main.post(`/2010-04-01/Accounts/${MAIN_SID}/Keys.json`, { FriendlyName: "Make" });
  assert.equal(r.status, 201, r.text);
  key = r.data;
});
after(async () => { await w?.dispose(); });

test("the connection tests the credentials and stores the account as metadata", async () => {
  const conn = await connect();
  assert.equal(conn.metadata, MAIN_SID);
  await assert.rejects(
    send(read(connection.codeFiles.communication), { parameters: { baseUrl: w.url, apiKeySid: key.sid, apiKeySecret: "wrong" } }, { baseUrl: "", baseHeaders: {} }),
    (e) => e instanceof ModuleError && e.statusCode === 401 && /error 20003/.test(e.message) && e.type === "InvalidAccessTokenError",
  );
});

test("a scenario: create a service, start a verification, check the code the user typed", async () => {
  const conn = await connect();
  const [svc] = await runModule("createService", { friendly_name: "Make Shop", code_length: 8 }, conn);
  assert.match(svc.sid, /^VA[0-9a-f]{32}$/);
  assert.equal(svc.code_length, 8);
  const to = "+14155550142";
  const [started] = await runModule("startVerification", { service_sid: svc.sid, to, channel: "sms" }, conn);
  assert.equal(started.status, "pending", JSON.stringify(started));
  const code = await codeFromOutbox(to);
  assert.equal(code.length, 8);
  const [wrong] = await runModule("checkVerification", { service_sid: svc.sid, to, code: "00000000" }, conn);
  assert.deepEqual([wrong.status, wrong.valid], ["pending", false]);
  const [right] = await runModule("checkVerification", { service_sid: svc.sid, to, code }, conn);
  assert.deepEqual([right.status, right.valid], ["approved", true]);
  // A start with the optional object fields filled as Make's collections and arrays send them.
  const [tagged] = await runModule("startVerification", {
    service_sid: svc.sid, to: "+14155550143", channel: "sms",
    rate_limits: [], tags: [{ key: "campaign", value: "spring" }],
  }, conn);
  assert.equal(tagged.status, "pending", JSON.stringify(tagged));
  // Whether Make sends an empty collection as {} or leaves it out is Make's to decide: the API
  // takes both.
  for (const [field, value] of [["tags", {}], ["rate_limits", {}], ["channel_configuration", {}], ["channel_configuration", { substitutions: {} }]]) {
    const r = await w.as(key.sid, key.secret).call("POST", "/v1/actions/start_verification", { json: { service_sid: svc.sid, to: "+14155550144", channel: "sms", [field]: value } });
    assert.equal(r.status, 201, `${field}: ${JSON.stringify(value)}: ${r.text}`);
  }
});

test("update a service sends only what the maker filled: other settings are kept", async () => {
  const conn = await connect();
  const [svc] = await runModule("createService", { friendly_name: "Keep Me", code_length: 7, do_not_share_warning_enabled: true }, conn);
  const [updated] = await runModule("updateService", { service_sid: svc.sid, friendly_name: "Renamed" }, conn);
  assert.deepEqual([updated.friendly_name, updated.code_length, updated.do_not_share_warning_enabled], ["Renamed", 7, true]);
});

test("list services iterates, follows the next page and stops at the limit", async () => {
  const conn = await connect();
  const before = (await w.main.get("/v2/Services", { query: { PageSize: 1000 } })).data.services.length;
  for (let i = before; i < 55; i++) await runModule("createService", { friendly_name: `Listed ${i}` }, conn);
  const all = await runModule("listServices", { limit: 1000 }, conn);
  assert.ok(all.length >= 55, `${all.length} bundles: the second page was followed`);
  assert.equal(new Set(all.map((s) => s.sid)).size, all.length, "no service twice");
  assert.ok(all.every((s) => /^VA/.test(s.sid)), "one bundle per service");
  assert.equal((await runModule("listServices", { limit: 3 }, conn)).length, 3);
  const options = await runModule("listServices", {}, conn, "rpc");
  assert.equal(options.length, all.length, "the picker pages through every service (under its limit)");
  const one = options.find((o) => o.value === all[0].sid);
  assert.equal(one.label, `${all[0].friendly_name} (${all[0].sid})`);
  assert.ok(Number(read(app.components.rpc.listServices.codeFiles.communication).response.limit) > 0, "the picker's RPC has a limit");
});

test("make an API call reaches the API as the connection, and a 4xx is a module error", async () => {
  const conn = await connect();
  const [ok] = await runModule("makeApiCall", { url: "/v2/Services", method: "GET", query: [{ key: "PageSize", value: "2" }] }, conn);
  assert.equal(ok.statusCode, 200, JSON.stringify(ok));
  assert.equal(ok.body.services.length, 2);
  const [created] = await runModule("makeApiCall", {
    url: "/v2/Services", method: "POST",
    headers: [{ key: "Content-Type", value: "application/x-www-form-urlencoded" }], body: "FriendlyName=Universal",
  }, conn);
  assert.equal(created.statusCode, 201, JSON.stringify(created));
  await assert.rejects(
    runModule("makeApiCall", { url: "/v2/Services/VA00000000000000000000000000000000", method: "GET" }, conn),
    (e) => e instanceof ModuleError && e.statusCode === 404 && /error 20404/.test(e.message),
  );
  await assert.rejects(
    runModule("getService", { service_sid: "VA00000000000000000000000000000000" }, conn),
    (e) => e instanceof ModuleError && e.statusCode === 404 && /VA0{32}/.test(e.message),
    "an action's 404 names the service",
  );
});

test("the instant trigger attaches a webhook, turns a real delivery into a bundle, and detaches", async () => {
  const conn = await connect();
  const [trigger, module] = Object.entries(app.components.module).find(([, m]) => m.moduleType === "instant_trigger");
  const webhookId = module.webhook;
  const receiver = await startReceiver();
  try {
    const [svc] = await runModule("createService", { friendly_name: "Make Hooks" }, conn);
    // The maker picks the service (the RPC) and the events in the webhook's form.
    const form = read(app.components.webhook[webhookId].codeFiles.params);
    assert.deepEqual(form.map((p) => p.name), ["service_sid", "event_types"]);
    const parameters = { service_sid: svc.sid, event_types: ["verification.approved", "verification.canceled"] };
    const { answer, data, req } = await runWebhookRpc(webhookId, "attach", { parameters, webhook: { url: receiver.url }, conn });
    assert.equal(answer.statusCode, 201, JSON.stringify(answer.body));
    assert.equal(req.body.WebhookUrl, receiver.url, "attach registers Make's URL");
    assert.match(data.webhookSid, /^YW[0-9a-f]{32}$/);
    assert.equal(data.serviceSid, svc.sid);
    assert.ok(!JSON.stringify(data).includes("whsec_"), "the secret is not kept in the webhook's data");
    const listed = await w.main.get(`/v2/Services/${svc.sid}/Webhooks`);
    assert.deepEqual(listed.data.webhooks.map((h) => [h.sid, h.webhook_url, h.event_types]), [[data.webhookSid, receiver.url, parameters.event_types]]);

    // A verification started (not subscribed) and approved (subscribed): one delivery.
    const to = "+14155550171";
    await runModule("startVerification", { service_sid: svc.sid, to, channel: "sms" }, conn);
    const code = await codeFromOutbox(to);
    const [approved] = await runModule("checkVerification", { service_sid: svc.sid, to, code }, conn);
    assert.equal(approved.status, "approved");
    const hit = await waitFor(() => receiver.hits[0], "the approved event at Make's URL");
    // Signed with the secret the create answered with (docs/events.md).
    const sig = Object.fromEntries(hit.headers["x-edge-verify-signature"].split(",").map((p) => p.split("=")));
    const expected = crypto.createHmac("sha256", answer.body.secret).update(`${sig.t}.`).update(hit.raw).digest("hex");
    assert.equal(sig.v1, expected);
    // Make parses the JSON body; the webhook's communication makes the bundle.
    const hookComm = read(app.components.webhook[webhookId].codeFiles.communication);
    const bundle = render(hookComm.output ?? "{{body}}", { body: JSON.parse(hit.raw.toString("utf8")), headers: hit.headers });
    assert.equal(bundle.type, "verification.approved");
    assert.equal(bundle.status, "approved");
    assert.equal(bundle.service_sid, svc.sid);
    assert.equal(bundle.verification_sid, approved.sid);
    assert.equal(bundle.to, to);
    const fields = read(module.codeFiles.interface).map((f) => f.name);
    assert.deepEqual(Object.keys(bundle).filter((k) => !fields.includes(k)), [], `${trigger}'s interface covers the event`);
    assert.ok(!JSON.stringify(bundle).includes(code), "never the code");

    // Detach: the webhook is gone, and a later event reaches nobody.
    const detached = await runWebhookRpc(webhookId, "detach", { webhook: data, conn });
    assert.equal(detached.answer.statusCode, 204);
    assert.deepEqual((await w.main.get(`/v2/Services/${svc.sid}/Webhooks`)).data.webhooks, []);
    const to2 = "+14155550172";
    await runModule("startVerification", { service_sid: svc.sid, to: to2, channel: "sms" }, conn);
    await runModule("updateVerificationStatus", { service_sid: svc.sid, verification_sid: to2, status: "canceled" }, conn);
    await new Promise((res) => setTimeout(res, 500));
    assert.equal(receiver.hits.length, 1, "nothing is delivered after detach");
  } finally {
    await receiver.close();
  }
});

test("list attempts sends its filters and pages through every attempt", async () => {
  const conn = await connect();
  const [svc] = await runModule("createService", { friendly_name: "Make Attempts" }, conn);
  for (let i = 0; i < 3; i++) await runModule("startVerification", { service_sid: svc.sid, to: `+1415555018${i}`, channel: "sms" }, conn);
  const comm = read(app.components.module.listAttempts.codeFiles.communication);
  assert.ok(Object.values(comm.qs).includes("{{parameters.service_sid}}"), "the service filter is sent");
  // Small pages, to follow meta.next_page_url.
  const paged = { ...comm, qs: { ...comm.qs, PageSize: 1 } };
  const original = app.components.module.listAttempts.codeFiles.communication;
  const bundles = await runModuleWith("listAttempts", paged, { service_sid: svc.sid, limit: 100 }, conn);
  assert.equal(bundles.length, 3, `${bundles.length} bundles over pages of one`);
  assert.ok(bundles.every((a) => a.service_sid === svc.sid), "only the filtered service");
  const one = await runModuleWith("listAttempts", paged, { service_sid: svc.sid, to: "+14155550181", limit: 100 }, conn);
  assert.deepEqual(one.map((a) => a.channel_data?.to ?? a.to), ["+14155550181"]);
  assert.equal(app.components.module.listAttempts.codeFiles.communication, original);
});
