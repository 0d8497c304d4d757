// A V8 CPU profile of one worker under the bench's load (a development tool, not part of the
// test or bench commands): where the isolate's time goes, by function and by kind (wasm, the
// wasm-bindgen glue, runtime built-ins). Build first (`make build`; for function names in the
// wasm, run worker-build without the strip step of scripts/build.sh).
//   node bench/profile.mjs [edge|js] [pairs=600]      GET=1 or BAD=1 profile one cheap request instead
//   ONLY=.wasm node bench/profile.mjs edge            only functions whose name contains ONLY
import { Miniflare } from "miniflare";
import WebSocket from "ws";
import { randomBytes } from "node:crypto";
import path from "node:path";
import { edgeVerifyWorker, baselineWorker, client, MAIN_SID } from "./run.mjs";
import { startFakeProvider, deliveryConfig } from "../tests/e2e/fake_provider.mjs";

const which = process.argv[2] ?? "edge";
const pairs = Number(process.argv[3] ?? 600);
const fake = await startFakeProvider();
const token = randomBytes(16).toString("hex");
const bindings = {
  ACCOUNT_SID: MAIN_SID, AUTH_TOKEN: token, CODE_HMAC_KEY: randomBytes(24).toString("hex"), DELIVERY_CONFIG: deliveryConfig(fake), TWILIO_API_BASE: fake.url, SENDGRID_API_BASE: fake.url,
  POLICY: JSON.stringify({ sends_per_account_per_day: 100000000, limits: { sends_per_service_per_day: 100000000 } }),
};
const w = which === "edge" ? edgeVerifyWorker(bindings) : baselineWorker(bindings);
w.unsafeDirectSockets = [{ host: "127.0.0.1", port: 0 }];
const mf = new Miniflare({ workers: [w], inspectorPort: 9229, kvPersist: false, durableObjectsPersist: false });
await mf.ready;
const url = (await mf.unsafeGetDirectURL(w.name)).toString().replace(/\/$/, "");
const c = client(url, MAIN_SID, token);
const svc = JSON.parse((await c.post("/v2/Services", { FriendlyName: "Bench" })).body).sid;
const targets = await (await fetch("http://127.0.0.1:9229/json")).json();
const ws = new WebSocket(targets.find((t) => t.title.includes(w.name)).webSocketDebuggerUrl);
await new Promise((resolve) => ws.on("open", resolve));
let id = 0;
const pending = new Map();
ws.on("message", (m) => {
  const msg = JSON.parse(m);
  pending.get(msg.id)?.(msg.result);
  pending.delete(msg.id);
});
const send = (method, params = {}) => new Promise((resolve) => { const i = ++id; pending.set(i, resolve); ws.send(JSON.stringify({ id: i, method, params })); });

async function one(i) {
  if (process.env.GET) return void (await c.get(`/v2/Services/${svc}`));
  if (process.env.BAD) return void (await c.post(`/v2/Services/${svc}/Verifications`, { To: "+14155550100", Channel: "fax" }));
  const to = `+1650${String(2_000_000 + ((i * 7_919_993) % 7_000_000)).padStart(7, "0")}`; // scattered, as real users' are
  const s = await c.post(`/v2/Services/${svc}/Verifications`, { To: to, Channel: "sms" });
  if (s.status !== 201) throw new Error(s.body);
  const k = await c.post(`/v2/Services/${svc}/VerificationCheck`, { To: to, Code: fake.lastCode(to) });
  if (!k.body.includes("approved")) throw new Error(k.body);
}

let n = 0;
for (; n < 50; n++) await one(n);
await send("Profiler.enable");
await send("Profiler.setSamplingInterval", { interval: 100 });
await send("Profiler.start");
const t0 = Date.now();
await Promise.all(Array.from({ length: 8 }, async () => { while (n < pairs) await one(n++); }));
const { profile } = await send("Profiler.stop");
console.log(`${pairs - 50} iterations in ${Date.now() - t0} ms`);

const byId = new Map(profile.nodes.map((x) => [x.id, x]));
const self = new Map();
let total = 0;
profile.samples.forEach((nodeId, i) => {
  const f = byId.get(nodeId).callFrame;
  const name = `${f.functionName || "(anonymous)"} ${path.basename(f.url)}`;
  const dt = profile.timeDeltas[i] ?? 0;
  self.set(name, (self.get(name) ?? 0) + dt);
  total += dt;
});
const kinds = new Map();
for (const [name, t] of self) {
  const kind = name.includes(".wasm") ? "wasm" : name.includes("index.js") ? "wasm-bindgen glue" : /^\((idle|program|garbage)/.test(name) ? name.split(" ")[0] : "built-ins and JS";
  kinds.set(kind, (kinds.get(kind) ?? 0) + t);
}
for (const [kind, t] of kinds) console.log(kind.padEnd(20), `${(t / 1000).toFixed(0).padStart(6)} ms`, `${((100 * t) / total).toFixed(1)}%`);
const rows = [...self].filter(([name]) => !process.env.ONLY || name.includes(process.env.ONLY)).sort((a, b) => b[1] - a[1]).slice(0, 40);
for (const [name, t] of rows) console.log(`${(t / 1000).toFixed(1).padStart(8)} ms ${((100 * t) / total).toFixed(1).padStart(5)}%  ${name.slice(0, 150)}`);
ws.close();
await mf.dispose();
await fake.close();
c.close();
