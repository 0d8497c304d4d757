// Property-based testing of the worker against connector-spec/openapi.yaml with schemathesis
// (pinned in tests/compat/requirements.txt), with every check it has (`--checks all`: server
// errors, status codes, content types, response headers and schemas, invalid input accepted,
// valid input refused, missing required headers, unsupported methods, Allow headers, auth
// ignored, use after free, resource availability, object-level authorization) and every phase
// (examples, coverage, fuzzing, and stateful sequences following the spec's links), bounded in
// examples and time, with a fixed seed. Also: a method the API does not know is 405 with Allow.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { readFileSync } from "node:fs";
import { request } from "node:http";
import { startWorker, assertTwilioError, MAIN_SID } from "./harness.mjs";

const MAX_EXAMPLES = process.env.SCHEMATHESIS_MAX_EXAMPLES ?? "10";
// The whole run's budget: fuzzing and stateful testing repeat until it is spent.
const MAX_SECONDS = process.env.SCHEMATHESIS_MAX_SECONDS ?? "150";
/** How many operations the spec describes, counted at test time (routes come and go): the
 * method keys of its `paths` (the generator writes two spaces per level). */
function specOperations() {
  const text = readFileSync("connector-spec/openapi.yaml", "utf8");
  const paths = /^paths:\n([\s\S]*?)^\S/m.exec(text)?.[1] ?? "";
  return (paths.match(/^ {4}(get|put|post|delete|options|head|patch|trace):$/gm) ?? []).length;
}

let w;
before(async () => { w = await startWorker({ DEV_MODE: "true" }); });
after(async () => { await w?.dispose(); });

test("a method the API does not know is 405 with Allow; on a path it does not have, 404", async () => {
  for (const method of ["QUERY", "PROPFIND", "LOCK", "PUT"]) {
    const r = await w.main.call(method, "/v2/Services");
    assertTwilioError(assert, r, 405, 20004);
    assert.equal(r.headers.get("allow"), "GET, POST", method);
  }
  // fetch() refuses to send TRACE: plain node:http does.
  const trace = await new Promise((resolve, reject) => {
    const req = request(`${w.url}/v2/Services`, { method: "TRACE" }, (res) => {
      let text = "";
      res.on("data", (chunk) => { text += chunk; });
      res.on("end", () => resolve({ status: res.statusCode, allow: res.headers.allow, body: JSON.parse(text) }));
    });
    req.on("error", reject);
    req.end();
  });
  assert.deepEqual([trace.status, trace.allow, trace.body.code], [405, "GET, POST", 20004]);
  const one = await w.main.call("PROPFIND", "/v2/Services/VAaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa");
  assertTwilioError(assert, one, 405, 20004);
  assert.equal(one.headers.get("allow"), "GET, POST, DELETE");
  const none = await w.main.call("QUERY", "/v2/Nothing");
  assertTwilioError(assert, none, 404, 20404);
  assert.equal(none.headers.get("allow"), null);
});

test("a list refuses a query parameter it does not take; other operations ignore one", async () => {
  assert.equal((await w.main.get("/v2/Services", { query: { PageSize: "5", Page: "0", PageToken: "" } })).status, 200);
  assertTwilioError(assert, await w.main.get("/v2/Services", { query: { PageSize: "5", Pagesize: "5" } }), 400, 60200, "Pagesize");
  assert.equal((await w.main.get("/2010-04-01/Accounts.json", { query: { Status: "active", FriendlyName: "Main account" } })).status, 200);
  assert.equal((await w.main.get(`/2010-04-01/Accounts/${MAIN_SID}.json`, { query: { cache: "1" } })).status, 200);
});

test("schemathesis with every check and every phase finds nothing", { timeout: 600_000 }, async () => {
  const operations = specOperations();
  assert.ok(operations > 40, `the spec has ${operations} operations`);
  const args = [
    "--config-file", "tests/schemathesis.toml",
    "run", "connector-spec/openapi.yaml",
    "--url", w.url,
    "--auth", `${MAIN_SID}:${w.authToken}`,
    "--checks", "all",
    "--mode", "all",
    "--phases", "examples,coverage,fuzzing,stateful",
    "--max-examples", MAX_EXAMPLES,
    "--max-time", MAX_SECONDS,
    "--workers", "1",
    "--request-timeout", "10",
    "--generation-database", "none",
    "--seed", "20261121",
    "--no-color",
  ];
  const started = Date.now();
  const result = await new Promise((resolve) => {
    execFile(".venv/bin/st", args, { encoding: "utf8", maxBuffer: 64 * 1024 * 1024, timeout: 540_000 }, (error, stdout, stderr) =>
      resolve({ status: error ? error.code ?? 1 : 0, output: `${stdout}\n${stderr}` }),
    );
  });
  const summary = result.output.split("SUMMARY").pop();
  const tested = Number(/Tested: (\d+)/.exec(summary)?.[1] ?? NaN);
  const cases = Number(/(\d+) generated/.exec(summary)?.[1] ?? NaN);
  const failures = [...summary.matchAll(/ST\d{3} [^:\n]+: (\d+)/g)].reduce((n, m) => n + Number(m[1]), 0);
  console.log(summary);
  console.log(`schemathesis, every check on: ${operations} operations in the spec, ${tested} tested, ${cases} test cases, ${failures} failures, ${Math.round((Date.now() - started) / 1000)} s`);
  assert.equal(tested, operations, "every operation of the spec was tested");
  assert.ok(cases > 0, "test cases were generated");
  assert.doesNotMatch(result.output, /ST\d{3} /, `no check failed:\n${result.output.slice(0, 20000)}`);
  assert.equal(result.status, 0, result.output.slice(-4000));
});
