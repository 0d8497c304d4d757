// make bench: start+check pairs per second, in ONE workerd (one Miniflare instance holding three
// workers), for three targets measured in alternating rounds so machine drift hits all alike:
//   empty route  a JS worker answering 204: the local ceiling (a "pair" is two POSTs of the same shape)
//   javascript   bench/baseline/worker.js: the hand-written JS worker of the same design
//   edge-verify  the built worker (build/index.js + build/index_bg.wasm)
// Both verifiers deliver through the fake Twilio (tests/e2e/fake_provider.mjs) on loopback; every
// pair uses a fresh To. Figures only: nothing asserts on speed. Exits non-zero when the setup
// fails or a target has failures. Compare figures from one run as ratios, never across machines.
//   node bench/run.mjs [--pairs 500] [--rounds 6] [--concurrency 8] [--seconds 180] [--warmup 20]
//                      [--entry] [--disk]
// Each worker is reached on its own loopback socket (Miniflare's unsafeDirectSockets), as a
// deployed worker is; --entry instead goes through Miniflare's entry worker, routing by Host
// header (worker routes), which adds a proxy hop of ~0.3 ms CPU per request. Local KV and
// Durable Object storage (one SQLite file per object) live on tmpfs (/dev/shm) unless --disk:
// on this kind of VM the virtual disk otherwise dominates (one new file per verification).
// After the table, BENCH_NATIVE_CMD (if set) is run with a shell under "native micro-benchmark".
import { Miniflare } from "miniflare";
import { Pool } from "undici";
import { randomBytes } from "node:crypto";
import { mkdtempSync, readFileSync, readdirSync, realpathSync, rmSync } from "node:fs";
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { gzipSync } from "node:zlib";
import os from "node:os";
import path from "node:path";
import { startFakeProvider, deliveryConfig } from "../tests/e2e/fake_provider.mjs";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const COMPATIBILITY_DATE = "2026-04-01";
export const MAIN_SID = "AC" + "1".repeat(32);

// ---- the three workers (Miniflare worker options) ----
export function emptyWorker() {
  return {
    name: "empty",
    modules: true,
    script: "export default { async fetch(request) { await request.arrayBuffer(); return new Response(null, { status: 204 }); } };",
    compatibilityDate: COMPATIBILITY_DATE,
    routes: ["empty.bench/*"],
  };
}
export function baselineWorker(bindings) {
  return {
    name: "javascript",
    modules: true,
    scriptPath: path.join(root, "bench/baseline/worker.js"),
    compatibilityDate: COMPATIBILITY_DATE,
    kvNamespaces: { OTP_KV: "bench-javascript-kv" },
    durableObjects: {
      VERIFY_TARGET_JS: { className: "VerificationTargetJs", useSQLite: true },
      LIMITER_JS: { className: "LimiterJs", useSQLite: true },
    },
    bindings,
    routes: ["javascript.bench/*"],
  };
}
export function edgeVerifyWorker(bindings) {
  return {
    name: "edge-verify",
    rootPath: root,
    modules: true,
    scriptPath: path.join(root, "src/entry.mjs"),
    modulesRules: [{ type: "ESModule", include: ["**/*.js"] }, { type: "CompiledWasm", include: ["**/*.wasm"] }],
    compatibilityDate: COMPATIBILITY_DATE,
    kvNamespaces: { OTP_KV: "bench-edge-verify-kv" },
    durableObjects: {
      VERIFY_TARGET: { className: "VerificationTarget", useSQLite: true },
      LIMITER: { className: "Limiter", useSQLite: true },
    },
    bindings,
    routes: ["edge-verify.bench/*"],
  };
}

/** A keep-alive HTTP/1.1 caller (undici Pool: the cheapest client node has) with Basic credentials. */
export function client(origin, user, password, { host, connections = 8 } = {}) {
  const pool = new Pool(origin, { connections, keepAliveTimeout: 60_000 });
  const authorization = "Basic " + Buffer.from(`${user}:${password}`).toString("base64");
  async function post(urlPath, form, auth = authorization) {
    const headers = { authorization: auth, "content-type": "application/x-www-form-urlencoded" };
    if (host) headers.host = host;
    const { statusCode, body } = await pool.request({ method: "POST", path: urlPath, headers, body: new URLSearchParams(form).toString() });
    return { status: statusCode, body: await body.text() };
  }
  async function get(urlPath) {
    const headers = { authorization };
    if (host) headers.host = host;
    const { statusCode, body } = await pool.request({ method: "GET", path: urlPath, headers });
    return { status: statusCode, body: await body.text() };
  }
  return { post, get, close: () => pool.close() };
}

// ---- figures ----
const percentile = (sorted, p) => (sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] : NaN);
const TICK_MS = 10; // /proc CPU times are in USER_HZ = 100 ticks per second on Linux

/** CPU milliseconds used so far by the workerd processes Miniflare started (children of node). */
function workerdCpuMs() {
  let total = 0;
  for (const pid of readdirSync("/proc").filter((d) => /^\d+$/.test(d))) {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
      const f = stat.slice(stat.lastIndexOf(")") + 2).split(" "); // f[0] is field 3 (state)
      if (Number(f[1]) === process.pid && stat.includes("(workerd)")) total += (Number(f[11]) + Number(f[12])) * TICK_MS;
    } catch { /* gone */ }
  }
  return total;
}
const nodeCpuMs = () => { const u = process.cpuUsage(); return (u.user + u.system) / 1000; };

function parseArgs(argv) {
  const opts = { pairs: 500, rounds: 6, concurrency: 8, seconds: 180, warmup: 20, entry: false, disk: false };
  for (let i = 0; i < argv.length; i++) {
    const name = argv[i].replace(/^--/, "");
    if (opts[name] === false) { opts[name] = true; continue; }
    if (!(name in opts) || !(Number(argv[i + 1]) >= 1 || (name === "warmup" && argv[i + 1] === "0"))) {
      throw new Error(`usage: node bench/run.mjs [--pairs N] [--rounds R] [--concurrency C] [--seconds S] [--warmup W] [--entry] [--disk] (bad: ${argv[i]})`);
    }
    opts[name] = Number(argv[++i]);
  }
  return opts;
}

/** A fresh directory for Miniflare's local storage: tmpfs unless `disk` (or no /dev/shm). */
function storageDir(disk) {
  for (const base of disk ? [os.tmpdir()] : ["/dev/shm", os.tmpdir()]) {
    try { return mkdtempSync(path.join(base, "edge-verify-bench-")); } catch { /* next */ }
  }
  throw new Error("no writable temporary directory");
}
const removeDir = (dir) => rmSync(dir, { recursive: true, force: true, maxRetries: 5, retryDelay: 100 });

/**
 * Starts Miniflare with its local storage in a directory of ours. Miniflare keeps its "in-memory"
 * storage under os.tmpdir() (which reads TMPDIR) and its dispose() removes it without waiting, so
 * a process that exits right after leaks it; `dispose` here removes it for sure.
 */
export async function startMiniflare(options, { disk = false } = {}) {
  const storage = storageDir(disk);
  const savedTmpdir = process.env.TMPDIR;
  process.env.TMPDIR = storage;
  let mf;
  try {
    mf = new Miniflare(options);
  } catch (err) {
    removeDir(storage);
    throw err;
  } finally {
    if (savedTmpdir === undefined) delete process.env.TMPDIR;
    else process.env.TMPDIR = savedTmpdir;
  }
  const dispose = async () => { await mf.dispose().catch(() => {}); removeDir(storage); };
  try {
    const url = (await mf.ready).toString().replace(/\/$/, "");
    return { mf, url, storage, dispose };
  } catch (err) {
    await dispose();
    throw err;
  }
}

async function main() {
  const opts = parseArgs(process.argv.slice(2));
  const wasm = readFileSync(path.join(root, "build/index_bg.wasm")); // no build: a setup failure
  const began = Date.now();
  const loadAtStart = os.loadavg()[0].toFixed(2);
  const deadline = began + opts.seconds * 1000;
  const fake = await startFakeProvider();
  let runtime;
  // The hard limit: whatever hangs, the process ends (Miniflare's exit hook stops workerd).
  setTimeout(() => {
    console.error(`bench: hard time limit (${opts.seconds + 30} s) reached`);
    if (runtime) removeDir(runtime.storage);
    process.exit(2);
  }, (opts.seconds + 30) * 1000).unref();

  const targets = [];
  try {
    const token = randomBytes(16).toString("hex");
    const bindings = {
      ACCOUNT_SID: MAIN_SID,
      AUTH_TOKEN: token,
      CODE_HMAC_KEY: randomBytes(24).toString("hex"),
      DELIVERY_CONFIG: deliveryConfig(fake),
      TWILIO_API_BASE: fake.url,
      SENDGRID_API_BASE: fake.url,
      // The default limits and fraud guard, with the daily caps raised for thousands of pairs.
      POLICY: JSON.stringify({ sends_per_account_per_day: 100000000, limits: { sends_per_service_per_day: 100000000 } }),
    };
    const workers = [emptyWorker(), baselineWorker(bindings), edgeVerifyWorker({ ...bindings, MAIN_ACCOUNT_NAME: "Main account" })];
    if (!opts.entry) for (const w of workers) w.unsafeDirectSockets = [{ host: "127.0.0.1", port: 0 }];
    runtime = await startMiniflare({
      host: "127.0.0.1",
      port: 0,
      workers,
      handleRuntimeStdio(stdout, stderr) {
        for (const s of [stdout, stderr]) s.on("data", (d) => { if (process.env.BENCH_LOG) process.stderr.write(d); }); // BENCH_LOG=1 shows the workers' log lines
      },
    }, { disk: opts.disk });
    const { mf } = runtime;
    const originOf = async (name) => (opts.entry ? runtime.url : (await mf.unsafeGetDirectURL(name)).toString().replace(/\/$/, ""));

    // Codes delivered to the fake provider, indexed as they arrive (fake.lastCode scans everything).
    let scanned = 0;
    const codes = new Map();
    const codeFor = (to) => {
      for (; scanned < fake.received.length; scanned++) {
        const e = fake.received[scanned];
        if (e.form?.To) codes.set(e.form.To, fake.codeIn(e));
      }
      const code = codes.get(to);
      codes.delete(to);
      return code;
    };
    // Fresh numbers scattered over the +1 650 range (as real users' are: consecutive numbers
    // are what the fraud guard blocks), from a fixed seed.
    let seed = 20261123;
    const used = new Set();
    const freshPhone = () => {
      for (;;) {
        seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
        const to = `+1650${String(2_000_000 + (seed % 7_000_000)).padStart(7, "0")}`;
        if (!used.has(to)) { used.add(to); return to; }
      }
    };
    const failureSamples = [];
    const fail = (label, what) => { if (failureSamples.length < 5) failureSamples.push(`${label}: ${what}`); return false; };

    for (const [label, name] of [["empty route", "empty"], ["javascript", "javascript"], ["edge-verify", "edge-verify"]]) {
      const api = client(await originOf(name), MAIN_SID, token, { host: `${name}.bench`, connections: opts.concurrency });
      const t = { label, api, pairs: 0, failures: 0, ms: 0, latencies: [], workerdMs: 0, nodeMs: 0 };
      targets.push(t);
      if (label === "empty route") {
        // The same two POSTs as a pair, answered 204 without work.
        const path = "/v2/Services/VA00000000000000000000000000000000";
        t.pair = async () => {
          const a = await api.post(`${path}/Verifications`, { To: "+16500000000", Channel: "sms" });
          const b = await api.post(`${path}/VerificationCheck`, { To: "+16500000000", Code: "123456" });
          return (a.status === 204 && b.status === 204) || fail(label, `${a.status}/${b.status}`);
        };
        continue;
      }
      const svc = await api.post("/v2/Services", { FriendlyName: "Bench" });
      if (svc.status !== 201) throw new Error(`${label}: creating the service answered ${svc.status}: ${svc.body}`);
      const base = `/v2/Services/${JSON.parse(svc.body).sid}`;
      t.pair = async () => {
        const to = freshPhone();
        const started = await api.post(`${base}/Verifications`, { To: to, Channel: "sms" });
        if (started.status !== 201) return fail(label, `start ${started.status} ${started.body.slice(0, 200)}`);
        const checked = await api.post(`${base}/VerificationCheck`, { To: to, Code: codeFor(to) ?? "none" });
        return (checked.status === 200 && JSON.parse(checked.body).status === "approved") || fail(label, `check ${checked.status} ${checked.body.slice(0, 200)}`);
      };
    }

    /** Runs `count` pairs on `t` in `opts.concurrency` lanes; returns [done, failures, ms, latencies]. */
    async function burst(t, count) {
      const latencies = [];
      let next = 0, failures = 0;
      const t0 = performance.now();
      const lane = async () => {
        while (next < count && Date.now() < deadline) {
          next++;
          const s = performance.now();
          try { if (!(await t.pair())) failures++; } catch (err) { failures++; fail(t.label, err.message); }
          latencies.push(performance.now() - s);
        }
      };
      await Promise.all(Array.from({ length: opts.concurrency }, lane));
      return [latencies.length, failures, performance.now() - t0, latencies];
    }

    // Warm-up, not counted: isolate start, wasm compilation, first KV and Durable Object use.
    for (const t of targets) t.failures += (await burst(t, opts.warmup))[1];
    let roundsDone = 0;
    for (let r = 0; r < opts.rounds && Date.now() < deadline; r++) {
      for (let k = 0; k < targets.length; k++) {
        const t = targets[(r + k) % targets.length]; // round 1: empty, js, edge; round 2: js, edge, empty; ...
        const w0 = workerdCpuMs(), n0 = nodeCpuMs();
        const [done, failures, ms, latencies] = await burst(t, opts.pairs);
        t.workerdMs += workerdCpuMs() - w0;
        t.nodeMs += nodeCpuMs() - n0;
        t.pairs += done;
        t.failures += failures;
        t.ms += ms;
        for (const l of latencies) t.latencies.push(l);
      }
      roundsDone++;
    }

    // ---- the table ----
    const cpus = os.cpus();
    const miniflareVersion = JSON.parse(readFileSync(path.join(path.dirname(fileURLToPath(import.meta.resolve("miniflare"))), "../../package.json"), "utf8")).version;
    const tmpfs = runtime.storage.startsWith("/dev/shm/");
    console.log(`edge-verify bench: node ${process.version}, ${os.availableParallelism?.() ?? cpus.length} cores (${cpus[0]?.model?.trim() ?? "?"}), miniflare ${miniflareVersion}`);
    console.log(`${roundsDone} rounds (order rotated each round) x ${opts.pairs} pairs per target, concurrency ${opts.concurrency}, ` +
      `${opts.warmup} warm-up pairs per target not counted; ${((Date.now() - began) / 1000).toFixed(0)} s; load average at start ${loadAtStart}` +
      (Date.now() >= deadline ? `; STOPPED by the ${opts.seconds} s limit` : ""));
    console.log(`${opts.entry ? "through Miniflare's entry worker (Host routes)" : "one direct loopback socket per worker"}; ` +
      `local KV and Durable Object storage on ${tmpfs ? "tmpfs (--disk for the disk)" : "disk"}`);
    console.log("");
    const row = (cells) => cells.map((c, i) => (i === 0 ? String(c).padEnd(14) : String(c).padStart(i === 1 ? 7 : 10))).join("");
    console.log(row(["target", "pairs", "pairs/s", "p50 ms", "p99 ms", "failures", "workerd", "node"]) + "   <- CPU ms per pair");
    for (const t of targets) {
      const sorted = t.latencies.sort((a, b) => a - b);
      t.rate = t.pairs / (t.ms / 1000);
      console.log(row([t.label, t.pairs, t.rate.toFixed(1), percentile(sorted, 50).toFixed(1), percentile(sorted, 99).toFixed(1), t.failures,
        (t.workerdMs / t.pairs).toFixed(2), (t.nodeMs / t.pairs).toFixed(2)]));
    }
    const [empty, js, edge] = targets;
    console.log(`ratio edge-verify / javascript: ${(edge.rate / js.rate).toFixed(2)}   (edge-verify / empty route: ${(edge.rate / empty.rate).toFixed(2)})`);
    const gz = gzipSync(wasm, { level: 9 }).length;
    console.log(`wasm: ${wasm.length.toLocaleString("en-US")} bytes raw, ${gz.toLocaleString("en-US")} bytes gzip (${(gz / 1024).toFixed(1)} KiB)`);
    console.log("CPU ms per pair: workerd = the workerd process (all workers, KV, Durable Objects); node = this process (load generator + fake provider)");
    const failed = targets.some((t) => t.failures > 0);
    if (failed) console.log(`FAILURES (first ${failureSamples.length}):\n  ${failureSamples.join("\n  ")}`);
    return failed ? 1 : 0;
  } finally {
    for (const t of targets) await t.api.close().catch(() => {});
    await runtime?.dispose();
    await fake.close();
  }
}

function runNative() {
  const cmd = process.env.BENCH_NATIVE_CMD;
  if (!cmd) return 0;
  console.log(`\nnative micro-benchmark (${cmd})`);
  const r = spawnSync(cmd, { shell: true, stdio: "inherit" });
  if (r.status !== 0) console.log(`native micro-benchmark failed (exit ${r.status ?? r.signal})`);
  return r.status === 0 ? 0 : 1;
}

if (process.argv[1] && realpathSync(process.argv[1]) === realpathSync(fileURLToPath(import.meta.url))) {
  let code;
  try {
    code = await main();
  } catch (err) {
    console.error(`bench setup failed: ${err.stack ?? err}`);
    process.exit(1);
  }
  code = runNative() || code;
  process.exit(code);
}
