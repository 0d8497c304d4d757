// The newcomer's first minutes: a misconfigured worker says what is wrong in dev mode (never a
// value) and only a plain 500 outside it; scripts/dev-vars.sh (run by `make dev`) fills every
// GENERATE placeholder of .dev.vars, also in a copied example, or stops naming the setting;
// scripts/build.sh skips the build when nothing changed.
import { test } from "node:test";
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { mkdtemp, readFile, writeFile, copyFile, rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { startWorker } from "./harness.mjs";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");

/** A Twilio error body of a 500 (code 20500) and its message. */
function assert500(res) {
  assert.equal(res.status, 500, res.text);
  assert.deepEqual(Object.keys(res.data).sort(), ["code", "message", "more_info", "status"]);
  assert.equal(res.data.code, 20500);
  assert.equal(res.data.status, 500);
  return res.data.message;
}

/** Starts a worker with `bindings`, makes two requests (no credentials, and a start with the
 * harness's credentials) and returns their messages and the worker's log. */
async function answers(bindings) {
  const w = await startWorker(bindings);
  try {
    const open = await w.as(undefined).get("/v2/Services");
    const start = await w.main.post("/v2/Services/VA" + "0".repeat(32) + "/Verifications", { To: "+14155550100", Channel: "sms" });
    const messages = [assert500(open), assert500(start)];
    await new Promise((r) => setTimeout(r, 200));
    return { messages, log: w.logText() };
  } finally {
    await w.dispose();
  }
}

const cases = [
  { setting: "AUTH_TOKEN", bindings: { AUTH_TOKEN: "hunter2" }, secret: "hunter2" },
  { setting: "AUTH_TOKEN", bindings: { AUTH_TOKEN: "GENERATE" }, says: /placeholder GENERATE/ },
  { setting: "CODE_HMAC_KEY", bindings: { CODE_HMAC_KEY: "GENERATE" }, says: /placeholder GENERATE/ },
  { setting: "POLICY", bindings: { POLICY: '{"limits": {"starts_per_ip_per_hour": "hunter2-lots"}}' }, secret: "hunter2", says: /POLICY limits\.starts_per_ip_per_hour must be/ },
  { setting: "POLICY", bindings: { POLICY: '{"limits": hunter2' }, secret: "hunter2", says: /POLICY must be a JSON object: not valid JSON at line 1 column/ },
  { setting: "DELIVERY_CONFIG", bindings: { DELIVERY_CONFIG: '{"sendgrid": {"api_key": "SG.hunter2"}}' }, secret: "hunter2" },
];

for (const { setting, bindings, secret, says } of cases) {
  const shown = Object.values(bindings)[0];
  test(`dev mode: ${setting}=${shown} answers 500 naming ${setting}, never its value`, async () => {
    const { messages, log } = await answers({ ...bindings, DEV_MODE: "true" });
    for (const message of messages) {
      assert.match(message, /^Configuration error \(shown because DEV_MODE=true\): /);
      assert.ok(message.includes(setting), message);
      if (says) assert.match(message, says);
      if (secret) assert.ok(!message.includes(secret), message);
    }
    assert.match(log, new RegExp(`configuration error: ${setting}`));
    if (secret) assert.ok(!log.includes(secret), "the log never quotes the value");
  });

  test(`production: ${setting}=${shown} answers the generic 500 and logs what is wrong`, async () => {
    const { messages, log } = await answers({ ...bindings, DEV_MODE: "false" });
    for (const message of messages) assert.equal(message, "Internal server error");
    assert.match(log, new RegExp(`configuration error: ${setting}`));
    if (secret) assert.ok(!log.includes(secret), "the log never quotes the value");
  });
}

test("DEV_MODE is read on its own when the other settings fail (any case, spaces around)", async () => {
  const { messages } = await answers({ AUTH_TOKEN: "short", DEV_MODE: " True " });
  assert.match(messages[0], /^Configuration error \(shown because DEV_MODE=true\): AUTH_TOKEN/);
});

// scripts/dev-vars.sh, run in a scratch directory holding a copy of the example.

function run(script, args = [], env = {}) {
  return new Promise((resolve) => {
    execFile("bash", [path.join(root, script), ...args], { env: { ...process.env, ...env } }, (err, stdout, stderr) =>
      resolve({ code: err ? err.code : 0, stdout, stderr }));
  });
}

async function scratch() {
  const dir = await mkdtemp(path.join(tmpdir(), "dev-vars-"));
  await copyFile(path.join(root, ".dev.vars.example"), path.join(dir, ".dev.vars.example"));
  return dir;
}

const settings = (text) => Object.fromEntries(text.split("\n").filter((l) => /^[A-Z_]+=/.test(l)).map((l) => [l.slice(0, l.indexOf("=")), l.slice(l.indexOf("=") + 1)]));

test("dev-vars.sh creates .dev.vars with fresh secrets when there is none", async () => {
  const dir = await scratch();
  try {
    const r = await run("scripts/dev-vars.sh", [dir]);
    assert.equal(r.code, 0, r.stderr);
    const vars = settings(await readFile(path.join(dir, ".dev.vars"), "utf8"));
    assert.match(vars.AUTH_TOKEN, /^[0-9a-f]{48}$/);
    assert.match(vars.CODE_HMAC_KEY, /^[0-9a-f]{48}$/);
    assert.notEqual(vars.AUTH_TOKEN, vars.CODE_HMAC_KEY);
    assert.equal(vars.DEV_MODE, "true");
    assert.ok(!r.stdout.includes(vars.AUTH_TOKEN) && !r.stdout.includes(vars.CODE_HMAC_KEY), "no secret printed");
  } finally {
    await rm(dir, { recursive: true });
  }
});

test("dev-vars.sh fills every GENERATE of a copied example in place and keeps the other lines", async () => {
  const dir = await scratch();
  const file = path.join(dir, ".dev.vars");
  try {
    const example = await readFile(path.join(dir, ".dev.vars.example"), "utf8");
    // The wrangler habit, plus lines of the user's own (one without a final newline).
    await writeFile(file, example + 'MY_NOTE="keep me"\n# a comment GENERATE stays\nQUOTED="GENERATE"\nLAST=1', { mode: 0o600 });
    const r = await run("scripts/dev-vars.sh", [dir]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /generated AUTH_TOKEN/);
    assert.match(r.stdout, /generated CODE_HMAC_KEY/);
    const text = await readFile(file, "utf8");
    const lines = text.split("\n");
    const before = (example + 'MY_NOTE="keep me"\n# a comment GENERATE stays\nQUOTED="GENERATE"\nLAST=1\n').split("\n");
    assert.equal(lines.length, before.length, text);
    for (const [i, line] of before.entries()) {
      if (/^[A-Z_]+="?GENERATE"?$/.test(line)) assert.match(lines[i], new RegExp(`^${line.split("=")[0]}=[0-9a-f]{48}$`));
      else assert.equal(lines[i], line, `line ${i + 1} is kept`);
    }
    assert.equal((await stat(file)).mode & 0o777, 0o600, "permissions kept");
    // A second run changes nothing.
    const again = await run("scripts/dev-vars.sh", [dir]);
    assert.equal(again.code, 0, again.stderr);
    assert.equal(await readFile(file, "utf8"), text);
  } finally {
    await rm(dir, { recursive: true });
  }
});

test("dev-vars.sh adds the settings a newer example has", async () => {
  const dir = await scratch();
  const file = path.join(dir, ".dev.vars");
  try {
    await writeFile(file, "ACCOUNT_SID=AC" + "a".repeat(32) + "\nAUTH_TOKEN=" + "t".repeat(20) + "\n");
    const r = await run("scripts/dev-vars.sh", [dir]);
    assert.equal(r.code, 0, r.stderr);
    const vars = settings(await readFile(file, "utf8"));
    assert.equal(vars.AUTH_TOKEN, "t".repeat(20), "an existing value is kept");
    assert.equal(vars.ACCOUNT_SID, "AC" + "a".repeat(32));
    assert.match(vars.CODE_HMAC_KEY, /^[0-9a-f]{48}$/);
    assert.match(r.stdout, /set CODE_HMAC_KEY/);
  } finally {
    await rm(dir, { recursive: true });
  }
});

test("dev-vars.sh stops naming the setting when it cannot make the file work, and quotes no value", async () => {
  const bad = [
    ["DELIVERY_CONFIG", 'DELIVERY_CONFIG={"sendgrid": {"api_key": "GENERATE", "from_email": "a@b.c"}}', /DELIVERY_CONFIG contains the placeholder GENERATE/],
    ["AUTH_TOKEN", "AUTH_TOKEN=hunter2", /AUTH_TOKEN is shorter than 16 characters/],
    ["CODE_HMAC_KEY", "CODE_HMAC_KEY=", /CODE_HMAC_KEY is shorter than 16 characters/],
    ["ACCOUNT_SID", "ACCOUNT_SID=AChunter2", /ACCOUNT_SID must be AC followed by 32 hex digits/],
  ];
  for (const [name, line, says] of bad) {
    const dir = await scratch();
    try {
      const example = await readFile(path.join(dir, ".dev.vars.example"), "utf8");
      await writeFile(path.join(dir, ".dev.vars"), example + line + "\n");
      const r = await run("scripts/dev-vars.sh", [dir]);
      assert.equal(r.code, 1, `${name}: ${r.stdout}`);
      assert.match(r.stderr, says);
      assert.match(r.stderr, /^make dev: \.dev\.vars: /);
      assert.ok(!r.stderr.includes("hunter2"), r.stderr);
    } finally {
      await rm(dir, { recursive: true });
    }
  }
});

test("build.sh skips the build when no input changed, and not when one did", async () => {
  // `make test` has just built the worker, which leaves the stamp.
  const check = await run("scripts/build.sh", ["--check"]);
  assert.equal(check.code, 0, check.stdout + check.stderr);
  assert.match(check.stdout, /up to date/);
  // The toolchain's flags are inputs too: a change means a build (--check does not build).
  const changed = await run("scripts/build.sh", ["--check"], { RUSTFLAGS: "--cfg edge_verify_stamp_test" });
  assert.equal(changed.code, 1, changed.stdout);
  const forced = await run("scripts/build.sh", ["--check"], { FORCE_BUILD: "1" });
  assert.equal(forced.code, 1, forced.stdout);
});
