// What Postman (and Workato, Retool) users get from connector-spec/openapi.yaml: the document
// converted with openapi-to-postmanv2, the converter Postman's importer uses, and the collection
// run in its own order with newman, both pinned in package.json. Only the base URL and the Basic
// credentials are set, as a user would. As imported, nothing may be refused for a value the spec
// supplied (no 400 60200, no 404 for a malformed SID, no 5xx): the only failures are 404s for
// the example SIDs, which no deployment holds. The SIDs in the path examples (and the actions'
// bodies) name resources by role; replaced with real ones the test creates first, as a user fills
// the path variables in, every request succeeds (a non-2xx must be listed in EXPECTED with why).
// Prints the figures docs/platforms/postman.md reports.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import fs from "node:fs";
import converter from "openapi-to-postmanv2";
import newman from "newman";
import { startWorker, MAIN_SID } from "./harness.mjs";

const SPEC = fs.readFileSync(new URL("../../connector-spec/openapi.yaml", import.meta.url), "utf8");

/** The SIDs of connector/src/openapi/examples.rs, by role. */
const EXAMPLE = {
  account: "AC" + "a".repeat(32),
  subaccount: "AC" + "b".repeat(32),
  service: "VA" + "a".repeat(32),
  serviceToDelete: "VA" + "b".repeat(32),
  serviceToDeleteByAction: "VA" + "c".repeat(32),
  verification: "VE" + "a".repeat(32),
  verificationToApprove: "VE" + "b".repeat(32),
  rateLimit: "RK" + "a".repeat(32),
  rateLimitToDelete: "RK" + "b".repeat(32),
  bucket: "BL" + "a".repeat(32),
  bucketToDelete: "BL" + "b".repeat(32),
  key: "SK" + "a".repeat(32),
  fraudBlock: "FB" + "a".repeat(32),
  webhook: "YW" + "a".repeat(32),
  webhookToDelete: "YW" + "b".repeat(32),
  // A value, not a resource here: a country's Messaging Service lives in the operator's Twilio
  // account, and any MG SID is accepted as it is.
  messagingService: "MG" + "a".repeat(32),
  attempt: "VL" + "a".repeat(32),
};

/** The non-2xx answers a run may give, by request name (the operation's summary), each with
 * why: { "Name": { status, code, why } }. */
const EXPECTED = {
  "Verify a result token": { status: 404, code: 20404, why: "the example result token is signed with the examples' key, which no deployment holds: a real one comes from an approved check made with a client token" },
};

let w;
before(async () => { w = await startWorker({ DEV_MODE: "true" }); });
after(async () => { await w?.dispose(); });

function convert(options) {
  return new Promise((resolve, reject) => {
    converter.convertV2({ type: "string", data: SPEC }, options, (err, res) => {
      if (err || !res?.result) reject(err ?? new Error(res?.reason));
      else resolve(res.output[0].data);
    });
  });
}

async function created(res, what) {
  assert.ok(res.status === 201, `${what}: ${res.status} ${res.text}`);
  return res.data.sid;
}

/** Creates what the run's path examples stand for; returns example SID -> real SID. */
async function fixtures() {
  const m = w.main;
  const service = async (name) => created(await m.post("/v2/Services", { FriendlyName: name }), name);
  const live = await service("Newman");
  const base = `/v2/Services/${live}`;
  const start = async (to) => created(await m.post(`${base}/Verifications`, { To: to, Channel: "sms" }), to);
  const limit = async (name) => created(await m.post(`${base}/RateLimits`, { UniqueName: name }), name);
  const rateLimit = await limit("newman_kept");
  const hook = async (name) => created(await m.post(`${base}/Webhooks`, { FriendlyName: name, EventTypes: "verification.approved", WebhookUrl: "https://hooks.example.com/newman", Status: "disabled" }), name);
  const bucket = async (interval) => created(await m.post(`${base}/RateLimits/${rateLimit}/Buckets`, { Max: "3", Interval: String(interval) }), "bucket");
  // A block to lift: a service whose guard only reports (monitor) sees three unapproved
  // numbers in one thousand; the block is written after the response.
  const watch = await service("Newman watch");
  await m.post(`/v2/Services/${watch}`, { FraudGuard: "monitor" });
  for (let n = 0; n < 4; n++) await created(await m.post(`/v2/Services/${watch}/Verifications`, { To: `+336123400${n}0`, Channel: "sms" }), "watched start");
  let fraudBlock;
  for (let i = 0; i < 50 && !fraudBlock; i++) {
    fraudBlock = (await m.get("/v2/FraudGuard/Blocks")).data.blocks[0]?.sid;
    if (!fraudBlock) await new Promise((res) => setTimeout(res, 100));
  }
  assert.ok(fraudBlock, "the monitor made a block");
  // An attempt to fetch: the starts above recorded theirs after their responses.
  const recorded = async () => {
    for (let i = 0; i < 50; i++) {
      const sid = (await m.get("/v2/Attempts?PageSize=1")).data.attempts?.[0]?.sid;
      if (sid) return sid;
      await new Promise((res) => setTimeout(res, 100));
    }
    assert.fail("no attempt was recorded");
  };
  return {
    [EXAMPLE.fraudBlock]: fraudBlock,
    [EXAMPLE.messagingService]: EXAMPLE.messagingService,
    [EXAMPLE.attempt]: await recorded(),
    [EXAMPLE.account]: MAIN_SID,
    [EXAMPLE.subaccount]: await created(await m.post("/2010-04-01/Accounts.json", { FriendlyName: "Newman subaccount" }), "subaccount"),
    [EXAMPLE.service]: live,
    [EXAMPLE.serviceToDelete]: await service("Newman doomed"),
    [EXAMPLE.serviceToDeleteByAction]: await service("Newman doomed 2"),
    [EXAMPLE.verification]: await start("+14155550101"),
    [EXAMPLE.verificationToApprove]: await start("+14155550102"),
    [EXAMPLE.rateLimit]: rateLimit,
    [EXAMPLE.rateLimitToDelete]: await limit("newman_doomed"),
    [EXAMPLE.bucket]: await bucket(60),
    [EXAMPLE.bucketToDelete]: await bucket(86400),
    [EXAMPLE.webhook]: await hook("newman kept"),
    [EXAMPLE.webhookToDelete]: await hook("newman doomed"),
    [EXAMPLE.key]: await created(await m.post(`/2010-04-01/Accounts/${MAIN_SID}/Keys.json`, { FriendlyName: "Newman key" }), "key"),
  };
}

/** Every SID-shaped value the requests of `collection` carry (path variables, collection
 * variables, bodies), leaving out the response examples. */
function requestSids(collection) {
  const requests = [];
  const walk = (items) => items.forEach((it) => (it.item ? walk(it.item) : requests.push(it.request)));
  walk(collection.item);
  const text = JSON.stringify([requests, collection.variable]);
  return new Set(text.match(/\b[A-Z]{2}[0-9a-f]{32}\b/g) ?? []);
}

function substitute(collection, mapping) {
  let text = JSON.stringify(collection);
  for (const [example, real] of Object.entries(mapping)) text = text.replaceAll(example, real);
  return JSON.parse(text);
}

/** Runs `collection` with only the base URL and the Basic credentials set. */
function run(collection) {
  const executions = [];
  return new Promise((resolve, reject) => {
    newman
      .run({
        collection,
        environment: {
          values: [
            { key: "baseUrl", value: w.url },
            { key: "basicAuthUsername", value: MAIN_SID },
            { key: "basicAuthPassword", value: w.authToken },
          ],
        },
        reporters: [],
        timeout: 120_000,
        timeoutRequest: 10_000,
      })
      .on("request", (err, args) => {
        const body = args.response?.stream?.toString() ?? "";
        let data = null;
        try { data = body ? JSON.parse(body) : null; } catch { data = null; }
        executions.push({
          name: args.item.name,
          method: args.request.method,
          path: args.request.url.getPath(),
          status: err ? 0 : args.response.code,
          code: data?.code,
          message: data?.message ?? (err ? String(err) : ""),
          data,
        });
      })
      .on("done", (err, summary) => (err ? reject(err) : resolve({ executions, summary })));
  });
}

function figures(label, executions, everyRequest = false) {
  const ok = executions.filter((e) => e.status >= 200 && e.status < 300);
  const groups = new Map();
  for (const e of executions.filter((x) => !(x.status >= 200 && x.status < 300))) {
    const key = `${e.status} ${e.code ?? "-"}`;
    groups.set(key, [...(groups.get(key) ?? []), e]);
  }
  const lines = [`${label}: ${executions.length} requests, ${ok.length} 2xx, ${executions.length - ok.length} non-2xx`];
  if (everyRequest) for (const e of executions) lines.push(`  ${e.status} ${e.method} ${e.path} (${e.name})`);
  for (const [key, list] of groups) {
    lines.push(`  ${key}: ${list.length}`);
    for (const e of list) lines.push(`    ${e.method} ${e.path} (${e.name}): ${e.message}`);
  }
  console.log(lines.join("\n"));
  return { ok: ok.length, groups };
}

test("as imported, with only the base URL and credentials set: nothing refused for a value the spec supplied, only its example SIDs not found", { timeout: 180_000 }, async () => {
  const collection = await convert({ parametersResolution: "Example" });
  const { executions, summary } = await run(collection);
  const { groups } = figures("newman, parametersResolution=Example, example SIDs as imported", executions);
  assert.equal(summary.run.failures.length, 0, JSON.stringify(summary.run.failures.map((f) => f.error?.message)));
  assert.equal(executions.length, specOperations().length, "every operation of the spec ran once");
  assert.deepEqual([...groups.keys()].filter((k) => k !== "404 20404"), [], "no answer but 2xx and 404");
  const examples = Object.values(EXAMPLE);
  for (const e of groups.get("404 20404") ?? []) {
    assert.ok(examples.some((sid) => e.message.includes(sid)), `${e.name}: the 404 names a resource of the spec's examples: ${e.message}`);
  }
  console.log("  every 404 names an example SID (VAaaaa..., RKaaaa..., ACbbbb...) that this deployment does not hold");
});

test("with the example SIDs replaced by real ones: every request succeeds, in the document's order", { timeout: 180_000 }, async () => {
  const collection = await convert({ parametersResolution: "Example" });
  const mapping = await fixtures();
  const known = new Set(Object.keys(mapping));
  for (const sid of requestSids(collection)) assert.ok(known.has(sid), `the spec uses an example SID the test does not know: ${sid}`);
  const operations = specOperations().length;

  const { executions, summary } = await run(substitute(collection, mapping));
  const { ok } = figures("newman, parametersResolution=Example, example SIDs replaced", executions, true);
  assert.equal(summary.run.failures.length, 0, JSON.stringify(summary.run.failures.map((f) => f.error?.message)));
  assert.equal(executions.length, operations, "every operation of the spec ran once");
  for (const e of executions) {
    assert.ok(e.status > 0 && e.status < 500, `${e.name}: ${e.status} ${e.message}`);
    if (e.status >= 200 && e.status < 300) continue;
    assert.notEqual(e.code, 60200, `${e.name}: a value of the spec's was refused: ${e.message}`);
    const expected = EXPECTED[e.name];
    assert.ok(expected, `${e.name}: unexplained ${e.status} ${e.code}: ${e.message}`);
    assert.deepEqual([e.status, e.code], [expected.status, expected.code], e.name);
    console.log(`  explained: ${e.name}: ${expected.why}`);
  }
  assert.equal(ok, operations - Object.keys(EXPECTED).length);
});

test("Postman's default parameter generation (Schema) sends placeholders: refused as bad input (400 60200), by the operator's policy (403 60204) or unknown (404 20404), never a 5xx", { timeout: 180_000 }, async () => {
  // The schema-generated values are placeholders and random SIDs: there is nothing to map. A
  // well-formed sender the operator's POLICY does not list (Whatsapp.From) is a 403 60204.
  const { executions } = await run(await convert({}));
  figures("newman, converter defaults (parametersResolution=Schema)", executions);
  for (const e of executions) {
    if (e.status >= 200 && e.status < 300) continue;
    assert.ok([[400, 60200], [403, 60204], [404, 20404]].some(([s, c]) => e.status === s && e.code === c), `${e.name}: ${e.status} ${e.code} ${e.message}`);
  }
});

test("the first run of docs/platforms/postman.md: start a verification, read the code from /dev/outbox, check it", { timeout: 60_000 }, async () => {
  const collection = await convert({ parametersResolution: "Example" });
  const service = await created(await w.main.post("/v2/Services", { FriendlyName: "My Service" }), "service");
  const items = [];
  const walk = (list) => list.forEach((it) => (it.item ? walk(it.item) : items.push(it)));
  walk(collection.item);
  const only = (name, edit = (x) => x) => {
    const item = items.find((it) => it.name === name);
    assert.ok(item, `the collection has "${name}"`);
    return substitute({ ...collection, item: [edit(structuredClone(item))] }, { [EXAMPLE.service]: service });
  };
  const started = await run(only("Start a verification"));
  assert.equal(started.executions[0].status, 201, started.executions[0].message);
  const to = started.executions[0].data.to;
  let code;
  for (let i = 0; i < 40 && !code; i++) {
    const outbox = await w.main.get("/dev/outbox", { query: { To: to } });
    code = outbox.data.messages.find((m) => m.service_sid === service)?.body.match(/(\d{4,10})/)?.[1];
    if (!code) await new Promise((res) => setTimeout(res, 50));
  }
  assert.ok(code, "the outbox holds the message");
  const checked = await run(only("Check a verification code", (item) => {
    const field = item.request.body.urlencoded.find((f) => f.key === "Code");
    field.value = code;
    return item;
  }));
  assert.equal(checked.executions[0].status, 200, checked.executions[0].message);
  assert.equal(checked.executions[0].data.status, "approved");
  console.log(`first run: started ${to} in ${service}, checked code from /dev/outbox: ${checked.executions[0].data.status}`);
});

/** "method path" of every operation in the spec. */
function specOperations() {
  const ops = [];
  let path = null;
  for (const line of SPEC.split("\n")) {
    const p = line.match(/^ {2}(\/\S*):$/);
    if (p) { path = p[1]; continue; }
    const m = line.match(/^ {4}(get|post|put|patch|delete):$/);
    if (m && path) ops.push(`${m[1]} ${path}`);
    if (/^\S/.test(line)) path = null;
  }
  return ops;
}
