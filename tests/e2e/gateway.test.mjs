// Any SMS gateway end to end: the built worker in workerd delivering SMS through the generic
// HTTP provider (`gateways` in DELIVERY_CONFIG) to a fake gateway on loopback that answers like
// Vonage's SMS API (+44, a form, HTTP 200 with messages[0].status "0" or an error status), like
// Plivo's Message API (everything else, JSON with Basic auth, HTTP 202) and like a GET-style
// gateway (+33, the template in the query string).
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import http from "node:http";
import { randomBytes } from "node:crypto";
import { startWorker, assertTwilioError } from "./harness.mjs";

const VONAGE_KEY = "vonage-key-1";
const VONAGE_SECRET = "vonage-secret-" + randomBytes(6).toString("hex");
const PLIVO_ID = "MAFAKEPLIVO0000000000";
const PLIVO_TOKEN = "plivo-token-" + randomBytes(6).toString("hex");
const GET_PASS = "get-pass-" + randomBytes(6).toString("hex");
const SECRETS = [VONAGE_SECRET, PLIVO_TOKEN, GET_PASS];

/** Numbers the fake Vonage refuses with status "4" (HTTP 200), echoing the text back. */
const refused = new Set();

async function startFakeGateway() {
  const received = [];
  const server = http.createServer((req, res) => {
    const chunks = [];
    req.on("data", (c) => chunks.push(c));
    req.on("end", () => {
      const text = Buffer.concat(chunks).toString("utf8");
      const type = req.headers["content-type"] || "";
      const entry = { method: req.method, path: req.url, headers: req.headers, text, form: null, json: null, query: null };
      if (type.includes("x-www-form-urlencoded")) entry.form = Object.fromEntries(new URLSearchParams(text));
      if (type.includes("json")) { try { entry.json = JSON.parse(text); } catch {} }
      const url = new URL(req.url, "http://x");
      entry.query = Object.fromEntries(url.searchParams);
      received.push(entry);
      const reply = (status, body) => { res.writeHead(status, { "content-type": "application/json" }); res.end(JSON.stringify(body)); };
      if (req.method === "POST" && url.pathname === "/sms/json") {
        if (entry.form?.api_key !== VONAGE_KEY || entry.form?.api_secret !== VONAGE_SECRET) {
          return reply(200, { "message-count": "1", messages: [{ status: "4", "error-text": "Bad Credentials" }] });
        }
        if (refused.has(entry.form.to)) {
          return reply(200, { "message-count": "1", messages: [{ to: entry.form.to, status: "4", "error-text": `Bad Credentials for: ${entry.form.text}` }] });
        }
        return reply(200, { "message-count": "1", messages: [{ to: entry.form.to, "message-id": randomBytes(8).toString("hex"), status: "0", "remaining-balance": "3.14", "message-price": "0.03", network: "23410" }] });
      }
      if (req.method === "POST" && url.pathname === `/v1/Account/${PLIVO_ID}/Message/`) {
        const expected = "Basic " + Buffer.from(`${PLIVO_ID}:${PLIVO_TOKEN}`).toString("base64");
        if (req.headers.authorization !== expected) return reply(401, { api_id: "x", error: "authentication failed" });
        if (!entry.json?.dst || !entry.json?.text) return reply(400, { api_id: "x", error: "dst and text are required" });
        return reply(202, { message: "message(s) queued", message_uuid: [randomBytes(16).toString("hex")], api_id: randomBytes(16).toString("hex") });
      }
      if (req.method === "GET" && url.pathname === "/get/send") {
        return reply(200, { ok: entry.query.pass === GET_PASS && entry.query.user === "u1" });
      }
      reply(404, { error: "not found" });
    });
  });
  await new Promise((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    url: `http://127.0.0.1:${server.address().port}`,
    received,
    close: () => new Promise((resolve) => { server.closeAllConnections?.(); server.close(resolve); }),
  };
}

let w, gw;
before(async () => {
  gw = await startFakeGateway();
  const config = {
    channels: { sms: "gateway" },
    gateways: [
      {
        prefix: "+44", url: `${gw.url}/sms/json`, method: "POST", format: "form",
        body: { api_key: VONAGE_KEY, api_secret: VONAGE_SECRET, from: "{from}", to: "{to_digits}", text: "{message}" },
        from: "Acme",
        accepted: { status: [200], field: "messages.0.status", equals: "0", error_field: "messages.0.error-text" },
      },
      {
        prefix: "*", url: `${gw.url}/v1/Account/${PLIVO_ID}/Message/`, format: "json",
        basic_auth: { username: PLIVO_ID, password: PLIVO_TOKEN },
        body: { src: "{from}", dst: "{to_digits}", text: "{message}" },
        from: "+15550000000",
        accepted: { status: [202] },
      },
      {
        prefix: "+33", method: "GET", url: `${gw.url}/get/send?user=u1`,
        body: { pass: GET_PASS, num: "{to}", msg: "{message}", ref: "{verification_sid}" },
        accepted: { status: ["2xx"], field: "ok", equals: true },
      },
    ],
  };
  // DEV_MODE: the fake gateway is plain http on loopback, which only dev mode allows.
  w = await startWorker({ DEV_MODE: "true", DELIVERY_CONFIG: JSON.stringify(config), PROVIDER_TIMEOUT_MS: "2000" });
});
after(async () => { await w?.dispose(); await gw?.close(); });

let seq = 0;
/** A fresh number per use: `prefix` and four digits. */
const number = (prefix) => `${prefix}${String(1000 + seq++)}`;

async function service() {
  const r = await w.main.post("/v2/Services", { FriendlyName: "Acme" });
  assert.equal(r.status, 201, r.text);
  return `/v2/Services/${r.data.sid}`;
}
const codeOf = (text) => text.match(/(\d{4,10})\.$/)?.[1];

async function startAndApprove(base, to) {
  const before = gw.received.length;
  const started = await w.main.post(`${base}/Verifications`, { To: to, Channel: "sms" });
  assert.equal(started.status, 201, started.text);
  const got = gw.received.slice(before);
  assert.equal(got.length, 1, "one request to the gateway");
  return { started: started.data, request: got[0] };
}

async function approve(base, to, code) {
  const checked = await w.main.post(`${base}/VerificationCheck`, { To: to, Code: code });
  assert.equal(checked.status, 200, checked.text);
  assert.deepEqual([checked.data.status, checked.data.valid], ["approved", true]);
}

test("+44 goes to the Vonage-shaped gateway as a form with the number's digits", async () => {
  const base = await service();
  const to = number("+44770090");
  const { request } = await startAndApprove(base, to);
  assert.equal(request.method, "POST");
  assert.equal(request.path, "/sms/json");
  assert.match(request.headers["content-type"], /application\/x-www-form-urlencoded/);
  assert.deepEqual(Object.keys(request.form).sort(), ["api_key", "api_secret", "from", "text", "to"]);
  assert.deepEqual([request.form.api_key, request.form.api_secret, request.form.from, request.form.to], [VONAGE_KEY, VONAGE_SECRET, "Acme", to.slice(1)]);
  const code = codeOf(request.form.text);
  assert.match(code, /^\d{6}$/);
  assert.equal(request.form.text, `Your Acme verification code is: ${code}.`);
  await approve(base, to, code);
});

test("every other number goes to the Plivo-shaped gateway as JSON with Basic auth", async () => {
  const base = await service();
  const to = number("+1415555");
  const { request } = await startAndApprove(base, to);
  assert.equal(request.path, `/v1/Account/${PLIVO_ID}/Message/`);
  assert.match(request.headers["content-type"], /application\/json/);
  assert.equal(request.headers.authorization, "Basic " + Buffer.from(`${PLIVO_ID}:${PLIVO_TOKEN}`).toString("base64"));
  assert.deepEqual(Object.keys(request.json).sort(), ["dst", "src", "text"]);
  assert.deepEqual([request.json.src, request.json.dst], ["+15550000000", to.slice(1)]);
  const code = codeOf(request.json.text);
  assert.equal(request.json.text, `Your Acme verification code is: ${code}.`);
  await approve(base, to, code);
});

test("a custom message with quotes and & arrives whole, in one field", async () => {
  const base = await service();
  const to = number("+1415556");
  const before = gw.received.length;
  const started = await w.main.post(`${base}/Verifications`, { To: to, Channel: "sms", CustomMessage: `He said "hi" & dst=+1999 \\ code {{code}}` });
  assert.equal(started.status, 201, started.text);
  const [request] = gw.received.slice(before);
  assert.deepEqual(Object.keys(request.json).sort(), ["dst", "src", "text"]);
  assert.equal(request.json.dst, to.slice(1));
  assert.match(request.json.text, /^He said "hi" & dst=\+1999 \\ code \d{6}$/);
});

test("a GET gateway gets the template as its query string", async () => {
  const base = await service();
  const to = number("+336123");
  const { started, request } = await startAndApprove(base, to);
  assert.equal(request.method, "GET");
  assert.equal(request.text, "");
  assert.deepEqual([request.query.user, request.query.pass, request.query.num, request.query.ref], ["u1", GET_PASS, to, started.sid]);
  await approve(base, to, codeOf(request.query.msg));
});

test("a refusal with HTTP 200 (Vonage status 4) is a 502 that shows no code and no secret", async () => {
  const base = await service();
  const to = number("+44770080");
  refused.add(to.slice(1));
  const before = gw.received.length;
  const r = await w.main.post(`${base}/Verifications`, { To: to, Channel: "sms" });
  assertTwilioError(assert, r, 502, 30008);
  const [request] = gw.received.slice(before);
  const code = codeOf(request.form.text);
  assert.match(code, /^\d{6}$/);
  assert.match(r.data.message, /gateway/);
  assert.match(r.data.message, /messages\.0\.status = "4"/);
  assert.match(r.data.message, /Bad Credentials/);
  await new Promise((resolve) => setTimeout(resolve, 300)); // let the log lines arrive
  const logs = w.logText();
  for (const secret of [code, ...SECRETS]) {
    assert.ok(!r.text.includes(secret), `the answer shows ${secret}: ${r.text}`);
    assert.ok(!logs.includes(secret), `the logs show ${secret}`);
  }
  // The refusal is logged with the gateway's echo of the message, the code blanked out.
  assert.match(logs, /error 30008: Delivery through gateway failed: the gateway for \+44 answered HTTP 200 with messages\.0\.status = "4" \(Bad Credentials for: Your Acme verification code is: \*{6}\.\)/);
  assert.ok(!logs.includes("api_secret"), "no request in the logs");
  refused.delete(to.slice(1));
});
