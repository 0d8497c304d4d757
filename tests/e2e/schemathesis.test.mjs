// Property-based testing of the worker against connector-spec/openapi.yaml with schemathesis
// (pinned in tests/compat/requirements.txt): examples, coverage and fuzzing phases, positive and
// negative data, bounded in examples and time. Zero server errors, zero responses that do not
// match the spec, and invalid input rejected (checks in tests/schemathesis.toml).
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { startWorker, MAIN_SID } from "./harness.mjs";

const MAX_EXAMPLES = process.env.SCHEMATHESIS_MAX_EXAMPLES ?? "10";
const MAX_SECONDS = process.env.SCHEMATHESIS_MAX_SECONDS ?? "150";

let w;
before(async () => { w = await startWorker({ DEV_MODE: "true" }); });
after(async () => { await w?.dispose(); });

test("schemathesis finds no server error, no spec violation, no accepted invalid input", { timeout: 600_000 }, async () => {
  const args = [
    "--config-file", "tests/schemathesis.toml",
    "run", "connector-spec/openapi.yaml",
    "--url", w.url,
    "--auth", `${MAIN_SID}:${w.authToken}`,
    "--mode", "all",
    "--phases", "examples,coverage,fuzzing",
    "--max-examples", MAX_EXAMPLES,
    "--max-time", MAX_SECONDS,
    "--workers", "1",
    "--request-timeout", "10",
    "--generation-database", "none",
    "--seed", "20261121",
    "--no-color",
  ];
  const result = await new Promise((resolve) => {
    execFile(".venv/bin/st", args, { encoding: "utf8", maxBuffer: 64 * 1024 * 1024, timeout: 540_000 }, (error, stdout, stderr) =>
      resolve({ status: error ? error.code ?? 1 : 0, output: `${stdout}\n${stderr}` }),
    );
  });
  const summary = result.output.split("SUMMARY").pop();
  console.log(summary);
  assert.match(result.output, /Tested: 47/, "every operation was tested");
  assert.doesNotMatch(result.output, /ST\d{3} /, "no check failed");
  assert.equal(result.status, 0, result.output.slice(-4000));
});
