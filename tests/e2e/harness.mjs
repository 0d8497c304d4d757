// Starts the built worker (build/) in workerd through Miniflare, with real local KV, and gives
// tests small helpers to call it the way Twilio's helper libraries do.
import { Miniflare } from "miniflare";
import { randomBytes } from "node:crypto";
import { readdirSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import path from "node:path";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");

export const MAIN_SID = "AC" + "1".repeat(32);

/** A policy under which no built-in limit or fraud rule gets in the way of functional tests
 * (they start verifications to sequential numbers from one address), and custom messages and
 * the senders they use are allowed. The abuse tests start workers with `POLICY: ""`: the
 * defaults. */
export const OPEN_POLICY = JSON.stringify({
  fraud_guard: "off",
  sends_per_account_per_day: 1000000,
  limits: { starts_per_ip_per_hour: 1000000, starts_per_prefix_per_hour: 1000000, sends_per_service_per_day: 1000000 },
  custom_message: { allowed: true, links: false, max_segments: 7 },
  senders: { email_from: ["otp@acme.test"], whatsapp_from: ["+14155550100"] },
});

/** The statements of migrations/*.sql, in file order, one string each (comments dropped): D1's
 * exec() takes one statement per line, so each is prepared and run on its own. */
export function migrationStatements() {
  const dir = path.join(root, "migrations");
  return readdirSync(dir)
    .filter((f) => f.endsWith(".sql"))
    .sort()
    .flatMap((f) => readFileSync(path.join(dir, f), "utf8").split("\n").filter((l) => !l.trim().startsWith("--")).join("\n").split(";"))
    .map((s) => s.trim())
    .filter(Boolean);
}

/** Starts a fresh worker on a free loopback port, with its D1 history database migrated
 * (`{ history: false }`: without the HISTORY binding). */
export async function startWorker(bindings = {}, { history = true, miniflare = {} } = {}) {
  const authToken = randomBytes(16).toString("hex");
  const logs = [];
  const mf = new Miniflare({
    rootPath: root,
    modules: true,
    scriptPath: path.join(root, "src/entry.mjs"),
    modulesRules: [{ type: "ESModule", include: ["**/*.js"] }, { type: "CompiledWasm", include: ["**/*.wasm"] }],
    compatibilityDate: "2026-04-01",
    kvNamespaces: ["OTP_KV"],
    d1Databases: history ? ["HISTORY"] : [],
    durableObjects: {
      VERIFY_TARGET: { className: "VerificationTarget", useSQLite: true },
      LIMITER: { className: "Limiter", useSQLite: true },
      EVENT_OUTBOX: { className: "EventOutbox", useSQLite: true },
    },
    bindings: {
      ACCOUNT_SID: MAIN_SID,
      AUTH_TOKEN: authToken,
      CODE_HMAC_KEY: randomBytes(24).toString("hex"),
      MAIN_ACCOUNT_NAME: "Main account",
      POLICY: OPEN_POLICY,
      ...bindings,
    },
    host: "127.0.0.1",
    port: 0,
    handleRuntimeStdio(stdout, stderr) {
      for (const stream of [stdout, stderr]) stream.on("data", (chunk) => logs.push(chunk.toString()));
    },
    // Extra Miniflare options (e.g. durableObjectsPersist for a restart test).
    ...miniflare,
  });
  const url = (await mf.ready).toString().replace(/\/$/, "");
  if (history) {
    const db = await mf.getD1Database("HISTORY");
    for (const sql of migrationStatements()) await db.prepare(sql).run();
  }
  const main = client(url, MAIN_SID, authToken);
  return {
    url,
    mf,
    authToken,
    logText: () => logs.join(""),
    main,
    logs,
    kv: () => mf.getKVNamespace("OTP_KV"),
    d1: () => mf.getD1Database("HISTORY"),
    as: (user, password) => client(url, user, password),
    dispose: () => mf.dispose(),
  };
}

/** A caller with Basic credentials. Bodies are form-encoded unless `json` is given. */
export function client(baseUrl, user, password) {
  const authorization = user === undefined ? undefined : "Basic " + Buffer.from(`${user}:${password}`).toString("base64");
  async function call(method, path, { form, json, body, headers = {}, query } = {}) {
    const h = { ...headers };
    if (authorization && !h.authorization) h.authorization = authorization;
    let payload = body;
    if (form !== undefined) {
      h["content-type"] = "application/x-www-form-urlencoded";
      payload = new URLSearchParams(form).toString();
    } else if (json !== undefined) {
      h["content-type"] = "application/json";
      payload = typeof json === "string" ? json : JSON.stringify(json);
    }
    const target = new URL(path.startsWith("http") ? path : baseUrl + path);
    if (query) for (const [k, v] of Object.entries(query)) target.searchParams.set(k, v);
    const res = await fetch(target, { method, headers: h, body: payload });
    const text = await res.text();
    let data = null;
    try { data = text ? JSON.parse(text) : null; } catch { data = text; }
    return { status: res.status, headers: res.headers, data, text };
  }
  return {
    get: (p, o) => call("GET", p, o),
    post: (p, form, o = {}) => call("POST", p, { form, ...o }),
    del: (p, o) => call("DELETE", p, o),
    call,
  };
}

/** Polls `predicate` (synchronous or async) every 25 ms until it gives a truthy value, which it returns;
 * throws naming `what` after `ms`. */
export async function waitFor(predicate, what, ms = 5000) {
  const until = Date.now() + ms;
  while (Date.now() < until) {
    const v = await predicate();
    if (v) return v;
    await new Promise((res) => setTimeout(res, 25));
  }
  throw new Error(`timed out waiting for ${what}`);
}

/** Asserts a Twilio error body with this status and code, and that it names `param` if given. */
export function assertTwilioError(assert, res, status, code, param) {
  assert.equal(res.status, status, `expected ${status}, got ${res.status}: ${res.text}`);
  assert.equal(res.data.code, code, res.text);
  assert.equal(res.data.status, status);
  assert.equal(typeof res.data.message, "string");
  assert.equal(res.data.more_info, `https://www.twilio.com/docs/errors/${code}`);
  assert.deepEqual(Object.keys(res.data).sort(), ["code", "message", "more_info", "status"]);
  if (param) assert.match(res.data.message, new RegExp(`^Invalid parameter: ${param.replace(/\./g, "\\.")}\\b`));
}
