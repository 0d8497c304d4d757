// Runs tests/compat/twilio_compat.py (the official twilio Python library, from .venv) against a
// fresh worker and fails if any of its tests fail.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { startWorker, MAIN_SID } from "./harness.mjs";
import { startFakeProvider, deliveryConfig } from "./fake_provider.mjs";

let w, fake;
before(async () => {
  fake = await startFakeProvider();
  w = await startWorker({ DELIVERY_CONFIG: deliveryConfig(fake), TWILIO_API_BASE: fake.url, SENDGRID_API_BASE: fake.url });
});
after(async () => { await w?.dispose(); await fake?.close(); });

/** Runs a command without blocking the event loop (the fake provider answers from this process). */
function run(cmd, args, options) {
  return new Promise((resolve) => {
    execFile(cmd, args, options, (error, stdout, stderr) => resolve({ status: error ? error.code ?? 1 : 0, stdout, stderr }));
  });
}

test("the official twilio Python helper library works against the worker", async () => {
  const env = { ...process.env, EDGE_VERIFY_URL: w.url, EDGE_VERIFY_ACCOUNT_SID: MAIN_SID, EDGE_VERIFY_AUTH_TOKEN: w.authToken, EDGE_VERIFY_FAKE_PROVIDER: fake.url };
  delete env.TWILIO_EDGE;
  delete env.TWILIO_REGION;
  const result = await run(".venv/bin/python", ["tests/compat/twilio_compat.py", "-v"], { env, encoding: "utf8", timeout: 120_000 });
  const output = `${result.stdout}\n${result.stderr}`;
  console.log(output);
  assert.equal(result.status, 0, output);
  assert.match(result.stderr, /^OK$/m);
  assert.match(result.stderr, /^Ran 10 tests/m, "every compatibility test ran (none skipped)");
});
