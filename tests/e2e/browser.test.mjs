// The browser face in a real headless Chromium (Debian's chromium, driven by playwright-core;
// no browser is ever downloaded): client.js on a page of another origin whose own backend
// mints client tokens, the same page from an origin the service does not allow, the hosted
// page's whole flow (wrong code, resend with its cooldown, approval, redirect with a result
// token the app's backend verifies), and an expired token. Screenshots of each state go to
// .test-output/browser/.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { existsSync, mkdirSync, mkdtempSync, rmSync, copyFileSync } from "node:fs";
import { tmpdir } from "node:os";
import http from "node:http";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { startWorker } from "./harness.mjs";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const SHOTS = path.join(root, ".test-output/browser");
const CHROMIUM = "/usr/bin/chromium";
const ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"];
// `make test` installs the browser (scripts/install.sh --browser), so a missing one is a
// failure there; only an explicit opt-out skips these tests.
const skip = process.env.EDGE_VERIFY_SKIP_BROWSER ? "EDGE_VERIFY_SKIP_BROWSER is set" : false;
if (!skip && !existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: run scripts/install.sh --browser (or set EDGE_VERIFY_SKIP_BROWSER=1)`);

let w, svc, app, blocked, context, profile;
const figures = { flows: 0, approved: 0, ms: {} };
const verified = [];

/** The app's own tiny site: a page using client.js, a backend route minting client tokens with
 * the account's Basic credentials (the page mints nothing itself), and the redirect target
 * that verifies a result token through the API. */
function appServer() {
  const server = http.createServer(async (req, res) => {
    const url = new URL(req.url, "http://x");
    if (url.pathname === "/app.html") {
      res.writeHead(200, { "content-type": "text/html; charset=utf-8" });
      return res.end(appPage(w.url));
    }
    if (url.pathname === "/token") {
      const ttl = url.searchParams.get("ttl") || "300";
      const minted = await w.main.post(`/v2/Services/${svc}/ClientTokens`, { Ttl: ttl });
      // ?ttl=1 is the expired-token scenario: the token is 2 s old when the page gets it.
      if (ttl === "1") await new Promise((r) => setTimeout(r, 2000));
      res.writeHead(minted.status, { "content-type": "application/json" });
      return res.end(JSON.stringify({ token: minted.data.token }));
    }
    if (url.pathname === "/done") {
      const r = await w.main.post(`/v2/Services/${svc}/VerificationResults`, { Token: url.searchParams.get("result_token") || "" });
      verified.push(r);
      res.writeHead(200, { "content-type": "text/html; charset=utf-8" });
      return res.end(`<!doctype html><title>Done</title><h1>Back at the app</h1><pre id="result">${r.status} ${JSON.stringify(r.data, null, 1).replace(/</g, "&lt;")}</pre>`);
    }
    res.writeHead(404).end();
  });
  return new Promise((resolve) => server.listen(0, "127.0.0.1", () => resolve({ server, origin: `http://127.0.0.1:${server.address().port}` })));
}

function appPage(worker) {
  return `<!doctype html><meta charset="utf-8"><title>Acme shop</title>
<script src="${worker}/v1/client.js"></script>
<h1>Acme shop</h1>
<p><label>Phone <input id="to"></label> <button id="send">Send code</button></p>
<p><label>Code <input id="code" autocomplete="one-time-code" inputmode="numeric"></label> <button id="check">Check</button></p>
<p><button id="popup">Verify in a popup</button></p>
<pre id="out">ready</pre>
<script>
const $ = (id) => document.getElementById(id);
$("popup").onclick = async () => {
  const { token } = await (await fetch("/token")).json();
  const fragment = new URLSearchParams({ token, channel: "sms", mode: "popup", redirect_uri: location.origin + "/done" });
  window.open("${worker}/verify/" + JSON.parse(atob(token.split(".")[1].replace(/-/g, "+").replace(/_/g, "/"))).s + "#" + fragment, "verify", "popup,width=480,height=640");
};
window.addEventListener("message", (e) => {
  if (e.origin !== "${worker}" || e.data?.type !== "edge-verify:result") return;
  $("out").textContent = "popup " + e.data.to + " " + e.data.result_token.slice(0, 5);
});
let api;
const fail = (e) => { $("out").textContent = "error " + e.name + " " + e.status + " " + e.code + " " + e.message; };
$("send").onclick = async () => {
  try {
    const { token } = await (await fetch("/token" + location.search)).json();
    api = EdgeVerify.client({ token });
    const v = await api.sendCode({ to: $("to").value, channel: "sms" });
    $("out").textContent = "sent " + v.status;
  } catch (e) { fail(e); }
};
$("check").onclick = async () => {
  try {
    const v = await api.checkCode({ to: $("to").value, code: $("code").value });
    $("out").textContent = "checked " + v.status + (v.result_token ? " with result_token" : "");
  } catch (e) { fail(e); }
};
</script>`;
}

/** The newest code sent to `to` once `count` messages reached it (the outbox is written after
 * the response). */
async function code(to, count = 1) {
  for (let i = 0; i < 60; i++) {
    const r = await w.main.get("/dev/outbox", { query: { To: to } });
    assert.equal(r.status, 200, r.text);
    if (r.data.messages.length >= count) return r.data.messages[0].body.match(/(\d{4,10})/)[1];
    await new Promise((res) => setTimeout(res, 100));
  }
  assert.fail(`no message ${count} to ${to}`);
}

async function shot(page, name) {
  const file = path.join(SHOTS, `${name}.png`);
  await page.screenshot({ path: file });
  return file;
}

before(async () => {
  if (skip) return;
  mkdirSync(SHOTS, { recursive: true });
  w = await startWorker({ DEV_MODE: "true" });
  app = await appServer();
  blocked = await appServer();
  const created = await w.main.post("/v2/Services", { FriendlyName: "Acme", AllowedOrigins: app.origin });
  assert.equal(created.status, 201, created.text);
  svc = created.data.sid;
  const { chromium } = await import("playwright-core");
  profile = mkdtempSync(path.join(tmpdir(), "edge-verify-chromium-"));
  context = await chromium.launchPersistentContext(profile, { executablePath: CHROMIUM, headless: true, args: ARGS, viewport: { width: 480, height: 640 } });
});

after(async () => {
  await context?.close();
  if (profile) rmSync(profile, { recursive: true, force: true });
  for (const s of [app, blocked]) s?.server.close();
  await w?.dispose();
  if (!skip) console.log(`browser figures: ${figures.flows} flows, ${figures.approved} approved; ms ${JSON.stringify(figures.ms)}`);
});

async function timed(name, fn) {
  const t0 = Date.now();
  try {
    await fn();
  } finally {
    figures.ms[name] = Date.now() - t0;
    figures.flows += 1;
  }
}

test("client.js on another origin: its backend mints a token, the page sends and checks a code", { skip, timeout: 60_000 }, () => timed("client_js", async () => {
  const page = await context.newPage();
  const to = "+14155550111";
  await page.goto(`${app.origin}/app.html`);
  await page.fill("#to", to);
  await page.click("#send");
  await page.waitForFunction(() => document.getElementById("out").textContent !== "ready");
  assert.equal(await page.textContent("#out"), "sent pending");
  await shot(page, "client-js-sent");
  await page.fill("#code", await code(to));
  await page.click("#check");
  await page.waitForFunction(() => document.getElementById("out").textContent.startsWith("checked"));
  assert.equal(await page.textContent("#out"), "checked approved with result_token");
  figures.approved += 1;
  await shot(page, "client-js-approved");
  await page.close();
}));

test("the same page from an origin not on AllowedOrigins is blocked by the browser, nothing is sent", { skip, timeout: 60_000 }, () => timed("blocked_origin", async () => {
  const page = await context.newPage();
  const to = "+14155550112";
  const consoleErrors = [];
  page.on("console", (m) => m.type() === "error" && consoleErrors.push(m.text()));
  await page.goto(`${blocked.origin}/app.html`);
  await page.fill("#to", to);
  await page.click("#send");
  await page.waitForFunction(() => document.getElementById("out").textContent !== "ready");
  const out = await page.textContent("#out");
  assert.match(out, /^error EdgeVerifyError 0 0 /, out);
  assert.ok(consoleErrors.some((e) => /CORS|Access-Control/i.test(e)), consoleErrors.join("\n"));
  await shot(page, "client-js-blocked-origin");
  await new Promise((res) => setTimeout(res, 300));
  assert.deepEqual((await w.main.get("/dev/outbox", { query: { To: to } })).data.messages, []);
  await page.close();
}));

test("the hosted page: wrong code, resend after a visible cooldown, approval, redirect with a verified result token", { skip, timeout: 90_000 }, () => timed("hosted_page", async () => {
  const page = await context.newPage();
  await page.clock.install();
  const to = "+14155550113";
  const minted = await w.main.post(`/v2/Services/${svc}/ClientTokens`, {});
  assert.equal(minted.status, 201, minted.text);
  const fragment = new URLSearchParams({ token: minted.data.token, channel: "sms", redirect_uri: `${app.origin}/done` });
  await page.goto(`${w.url}/verify/${svc}#${fragment}`);
  await page.waitForSelector("#send:not([hidden])");
  assert.ok(!page.url().includes("token="), "the token leaves the address bar");
  assert.equal(await page.textContent("h1"), "Verify it's you for Acme");
  await shot(page, "hosted-1-start");

  await page.getByLabel("Phone number").fill(to);
  await page.keyboard.press("Enter");
  await page.waitForSelector("#check:not([hidden])");
  assert.equal(await page.textContent("#status"), `We sent a code to ${to}.`);
  assert.match(await page.textContent("#resend"), /^Resend code in \d+ s$/);
  assert.ok(await page.isDisabled("#resend"));
  assert.equal(await page.getAttribute("#code", "autocomplete"), "one-time-code");
  const first = await code(to, 1);
  await shot(page, "hosted-2-code-sent-cooldown");

  const wrong = first === "000000" ? "111111" : "000000";
  await page.getByLabel("Enter the code").fill(wrong);
  await page.keyboard.press("Enter");
  await page.waitForSelector("#error:not([hidden])");
  assert.equal(await page.textContent("#error"), "That code is not right. 4 attempts left.");
  await shot(page, "hosted-3-wrong-code");

  await page.clock.runFor(31_000);
  assert.equal(await page.textContent("#resend"), "Resend code");
  await page.click("#resend");
  await page.waitForFunction(() => /^Resend code in/.test(document.getElementById("resend").textContent));
  const second = await code(to, 2);
  await shot(page, "hosted-4-resent");

  await page.getByLabel("Enter the code").fill(second);
  await Promise.all([page.waitForURL(`${app.origin}/done?*`), page.keyboard.press("Enter")]);
  assert.match(page.url(), /result_token=evr1\./);
  await page.waitForSelector("#result");
  await shot(page, "hosted-5-redirected");
  const result = verified.at(-1);
  assert.equal(result.status, 200, result.text);
  assert.equal(result.data.valid, true);
  assert.equal(result.data.to, to);
  assert.equal(result.data.service_sid, svc);
  figures.approved += 1;
  await page.close();
}));

test("GET /dev/demo: a newcomer lands on the demo service's page and verifies a number", { skip, timeout: 60_000 }, () => timed("dev_demo", async () => {
  const page = await context.newPage();
  const to = "+14155550115";
  await page.goto(`${w.url}/dev/demo`);
  await page.waitForSelector("#send:not([hidden])");
  assert.match(new URL(page.url()).pathname, /^\/verify\/VA[0-9a-f]{32}$/);
  await page.getByLabel("Phone number").fill(to);
  await page.getByRole("button", { name: "Send code" }).click();
  await page.waitForSelector("#check:not([hidden])");
  await page.getByLabel("Enter the code").fill(await code(to));
  await page.getByRole("button", { name: "Verify" }).click();
  await page.waitForFunction(() => document.getElementById("status").textContent.startsWith("Verified"));
  assert.equal(await page.textContent("#status"), "Verified. You can close this page.");
  await shot(page, "demo-approved");
  figures.approved += 1;
  await page.close();
}));

test("the hosted page in a popup posts the result to its opener and closes", { skip, timeout: 60_000 }, () => timed("popup", async () => {
  const page = await context.newPage();
  const to = "+14155550116";
  await page.goto(`${app.origin}/app.html`);
  const [popup] = await Promise.all([page.waitForEvent("popup"), page.click("#popup")]);
  await popup.waitForSelector("#send:not([hidden])");
  await popup.getByLabel("Phone number").fill(to);
  await popup.keyboard.press("Enter");
  await popup.waitForSelector("#check:not([hidden])");
  await popup.getByLabel("Enter the code").fill(await code(to));
  // The approval closes the popup, which can happen before the key press reports back: that
  // press may then fail with "closed", and only with that.
  const closed = popup.waitForEvent("close");
  await popup.keyboard.press("Enter").catch((e) => { if (!/closed/.test(e.message)) throw e; });
  await closed;
  await page.waitForFunction(() => document.getElementById("out").textContent.startsWith("popup"));
  assert.equal(await page.textContent("#out"), `popup ${to} evr1.`);
  await shot(page, "popup-result-at-opener");
  figures.approved += 1;
  await page.close();
}));

test("the hosted page in German: five wrong codes lock the verification out", { skip, timeout: 60_000 }, () => timed("locked_out", async () => {
  const page = await context.newPage();
  const to = "+14155550117";
  const minted = await w.main.post(`/v2/Services/${svc}/ClientTokens`, { To: to });
  await page.goto(`${w.url}/verify/${svc}?locale=de#token=${minted.data.token}&to=${encodeURIComponent(to)}`);
  await page.waitForSelector("#send:not([hidden])");
  assert.equal(await page.inputValue("#to"), to);
  assert.ok(await page.getAttribute("#to", "readonly") !== null, "a bound To cannot be changed");
  await page.getByRole("button", { name: "Code senden" }).click();
  await page.waitForSelector("#check:not([hidden])");
  const real = await code(to);
  const wrong = real === "000000" ? "111111" : "000000";
  for (let left = 4; left >= 0; left--) {
    await page.getByLabel("Code eingeben").fill(wrong);
    await page.keyboard.press("Enter");
    const expected = left > 0 ? `Der Code ist falsch. Noch ${left} Versuche.` : "Zu viele falsche Codes. Fordern Sie später einen neuen an.";
    await page.waitForFunction((text) => document.getElementById("error").textContent === text, expected);
  }
  await page.getByLabel("Code eingeben").fill(real);
  await page.keyboard.press("Enter");
  await page.waitForFunction(() => document.getElementById("status").textContent === "");
  await page.waitForFunction(() => document.getElementById("error").textContent.startsWith("Zu viele falsche Codes"));
  await shot(page, "hosted-locked-out-de");
  await page.close();
}));

test("the hosted page refuses a redirect_uri off the service's AllowedOrigins", { skip, timeout: 30_000 }, () => timed("bad_redirect", async () => {
  const page = await context.newPage();
  const minted = await w.main.post(`/v2/Services/${svc}/ClientTokens`, {});
  const fragment = new URLSearchParams({ token: minted.data.token, redirect_uri: `${blocked.origin}/done` });
  await page.goto(`${w.url}/verify/${svc}#${fragment}`);
  await page.waitForSelector("#error:not([hidden])");
  assert.equal(await page.textContent("#error"), "This page was opened with a return address that is not allowed.");
  assert.ok(await page.isHidden("#send"));
  await page.close();
}));

test("an expired token is refused, by client.js and by the hosted page", { skip, timeout: 30_000 }, () => timed("expired_token", async () => {
  const page = await context.newPage();
  const to = "+14155550114";
  await page.goto(`${app.origin}/app.html?ttl=1`);
  await page.fill("#to", to);
  const expiring = w.main.post(`/v2/Services/${svc}/ClientTokens`, { Ttl: "1" });
  await page.click("#send");
  await page.waitForFunction(() => document.getElementById("out").textContent !== "ready");
  assert.match(await page.textContent("#out"), /^error EdgeVerifyError 401 20003 /);
  await shot(page, "client-js-expired-token");

  const hosted = await context.newPage();
  await new Promise((res) => setTimeout(res, 2000));
  await hosted.goto(`${w.url}/verify/${svc}?locale=fr#token=${(await expiring).data.token}`);
  await hosted.waitForSelector("#error:not([hidden])");
  assert.equal(await hosted.textContent("#error"), "Ce lien est invalide ou a expiré. Revenez en arrière et recommencez.");
  await shot(hosted, "hosted-expired-token-fr");
  assert.deepEqual((await w.main.get("/dev/outbox", { query: { To: to } })).data.messages, []);
  await page.close();
  await hosted.close();
}));

test("the page and client.js are served with strict headers", { skip, timeout: 30_000 }, async () => {
  for (const p of [`/verify/${svc}`, "/verify/assets/verify.js", "/verify/assets/verify.css", "/v1/client.js"]) {
    const r = await fetch(w.url + p);
    assert.equal(r.status, 200, p);
    assert.match(r.headers.get("content-security-policy"), /default-src 'self'/);
    assert.equal(r.headers.get("x-content-type-options"), "nosniff");
    assert.equal(r.headers.get("referrer-policy"), "no-referrer");
    assert.ok(r.headers.get("cache-control"));
  }
  const shotFile = path.join(SHOTS, "hosted-3-wrong-code.png");
  if (existsSync(shotFile) && process.env.UPDATE_DOCS_SCREENSHOT) copyFileSync(shotFile, path.join(root, "docs/images/hosted-page.png"));
});
