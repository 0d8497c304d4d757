// Benchmark: start+check pairs per second through the built worker in workerd (Miniflare, local
// KV and Durable Objects), delivering through the fake provider on loopback. Bounded in count
// and time; prints figures, asserts nothing. Compare figures from one run as ratios only.
//   node bench/verify_pairs.mjs [pairs=400] [concurrency=8] [seconds=60]
import { startWorker } from "../tests/e2e/harness.mjs";
import { startFakeProvider, deliveryConfig } from "../tests/e2e/fake_provider.mjs";

const [pairs = 400, concurrency = 8, seconds = 60] = process.argv.slice(2).map(Number);
const fake = await startFakeProvider();
const w = await startWorker({ DELIVERY_CONFIG: deliveryConfig(fake), TWILIO_API_BASE: fake.url, SENDGRID_API_BASE: fake.url });
const deadline = Date.now() + seconds * 1000;

function percentile(sorted, p) {
  return sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] : NaN;
}

async function run(label, total, one) {
  const latencies = [];
  let next = 0;
  let failures = 0;
  const began = performance.now();
  async function lane() {
    while (next < total && Date.now() < deadline) {
      const i = next++;
      const t0 = performance.now();
      try { if (!(await one(i))) failures++; } catch { failures++; }
      latencies.push(performance.now() - t0);
    }
  }
  await Promise.all(Array.from({ length: concurrency }, lane));
  const elapsed = (performance.now() - began) / 1000;
  latencies.sort((a, b) => a - b);
  const done = latencies.length;
  console.log(
    `${label.padEnd(28)} ${String(done).padStart(5)} in ${elapsed.toFixed(2)} s  ` +
      `${(done / elapsed).toFixed(1).padStart(7)}/s  p50 ${percentile(latencies, 50).toFixed(1)} ms  ` +
      `p95 ${percentile(latencies, 95).toFixed(1)} ms  failures ${failures}`,
  );
  return done / elapsed;
}

try {
  const svc = (await w.main.post("/v2/Services", { FriendlyName: "Bench" })).data.sid;
  const base = `/v2/Services/${svc}`;
  console.log(`edge-verify bench: ${pairs} operations per row, concurrency ${concurrency}, limit ${seconds} s per run`);
  const fetchRate = await run("GET service (baseline)", pairs, async () => (await w.main.get(base)).status === 200);
  const pairRate = await run("start + check pairs", pairs, async (i) => {
    const to = `+1650${String(5_000_000 + i).padStart(7, "0")}`;
    const started = await w.main.post(`${base}/Verifications`, { To: to, Channel: "sms" });
    if (started.status !== 201) return false;
    const checked = await w.main.post(`${base}/VerificationCheck`, { To: to, Code: fake.lastCode(to) });
    return checked.status === 200 && checked.data.status === "approved";
  });
  console.log(`ratio: one start+check pair costs ${(fetchRate / pairRate).toFixed(1)} service fetches`);
} finally {
  await w.dispose();
  await fake.close();
}
