// Runs tests/compat/twilio_compat.py (the official twilio Python library, from .venv) against a
// fresh worker and fails if any of its tests fail.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { startWorker, MAIN_SID } from "./harness.mjs";

let w;
before(async () => { w = await startWorker(); });
after(async () => { await w?.dispose(); });

test("the official twilio Python helper library works against the worker", () => {
  const env = { ...process.env, EDGE_VERIFY_URL: w.url, EDGE_VERIFY_ACCOUNT_SID: MAIN_SID, EDGE_VERIFY_AUTH_TOKEN: w.authToken };
  delete env.TWILIO_EDGE;
  delete env.TWILIO_REGION;
  const run = spawnSync(".venv/bin/python", ["tests/compat/twilio_compat.py", "-v"], { env, encoding: "utf8", timeout: 120_000 });
  const output = `${run.stdout}\n${run.stderr}`;
  console.log(output);
  assert.equal(run.status, 0, output);
  assert.match(run.stderr, /^OK$/m);
});
