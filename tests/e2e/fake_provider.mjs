// A fake Twilio + SendGrid + webhook endpoint: a real HTTP server on loopback that records what
// it receives and answers as the real APIs do, or fails on demand.
import http from "node:http";
import { createHmac, randomBytes } from "node:crypto";

/** Twilio's X-Twilio-Signature of a form POST: base64 HMAC-SHA1 under the account's auth token
 * of the URL followed by each parameter's name and value, sorted by name. */
export function twilioSignature(authToken, url, params) {
  const data = url + Object.keys(params).sort().map((k) => k + params[k]).join("");
  return createHmac("sha1", authToken).update(data).digest("base64");
}

/** Posts Twilio's status callbacks for a message sent with a StatusCallback, as Twilio does:
 * each status in `statuses`, signed with the sender's auth token (from its Basic header). */
async function callBack(entry, sid, statuses) {
  const [user, token] = Buffer.from((entry.headers.authorization ?? "").replace(/^Basic /, ""), "base64").toString().split(":");
  if (!user?.startsWith("AC") || !token) return;
  for (const [status, errorCode] of statuses) {
    const params = { AccountSid: user, MessageSid: sid, MessageStatus: status, To: entry.form.To, ...(errorCode ? { ErrorCode: String(errorCode) } : {}) };
    await fetch(entry.form.StatusCallback, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded", "x-twilio-signature": twilioSignature(token, entry.form.StatusCallback, params) },
      body: new URLSearchParams(params).toString(),
    }).then(async (r) => { if (process.env.FAKE_DEBUG) console.log("callback", r.status, await r.text()); }).catch((e) => { if (process.env.FAKE_DEBUG) console.log("callback error", e); });
  }
}

/** `statusCallbacks(entry)` may give the statuses to post back for a message that asked for
 * them (e.g. `[["sent"], ["delivered"]]`, or `[["undelivered", 30003]]`); none by default. */
export async function startFakeProvider({ statusCallbacks } = {}) {
  const received = [];
  // Failure rules: { match(req) -> bool, status, body, hang } checked in order.
  const rules = [];
  const server = http.createServer((req, res) => {
    const chunks = [];
    req.on("data", (c) => chunks.push(c));
    req.on("end", () => {
      const text = Buffer.concat(chunks).toString("utf8");
      const entry = { method: req.method, path: req.url, headers: req.headers, text, form: null, json: null, at: Date.now() };
      if ((req.headers["content-type"] || "").includes("x-www-form-urlencoded")) entry.form = Object.fromEntries(new URLSearchParams(text));
      if ((req.headers["content-type"] || "").includes("json")) { try { entry.json = JSON.parse(text); } catch {} }
      if (req.method === "GET" && req.url.startsWith("/__received")) {
        res.writeHead(200, { "content-type": "application/json" });
        return res.end(JSON.stringify(received));
      }
      received.push(entry);
      const rule = rules.find((r) => r.match(entry));
      if (rule?.hang) return; // never answer
      if (rule) {
        res.writeHead(rule.status, { "content-type": "application/json" });
        return res.end(JSON.stringify(rule.body ?? { code: 20500, message: "Internal Server Error", status: rule.status }));
      }
      if (/\/Messages\.json$/.test(req.url)) {
        const sid = "SM" + randomBytes(16).toString("hex");
        res.writeHead(201, { "content-type": "application/json" });
        res.end(JSON.stringify({ sid, status: "queued", to: entry.form?.To, body: entry.form?.Body }));
        const statuses = entry.form?.StatusCallback && statusCallbacks?.(entry);
        if (statuses) setTimeout(() => callBack(entry, sid, statuses), 10);
        return;
      }
      if (/\/Calls\.json$/.test(req.url)) {
        res.writeHead(201, { "content-type": "application/json" });
        return res.end(JSON.stringify({ sid: "CA" + randomBytes(16).toString("hex"), status: "queued" }));
      }
      if (req.url === "/v3/mail/send") {
        res.writeHead(202, { "x-message-id": randomBytes(8).toString("hex") });
        return res.end();
      }
      if (req.url.startsWith("/hook")) {
        res.writeHead(200, { "content-type": "application/json" });
        return res.end("{}");
      }
      res.writeHead(404, { "content-type": "application/json" });
      res.end(JSON.stringify({ code: 20404, message: "not found", status: 404 }));
    });
  });
  await new Promise((resolve) => server.listen(0, "127.0.0.1", resolve));
  const url = `http://127.0.0.1:${server.address().port}`;

  /** Everything sent to `to` (phone or email), oldest first. */
  function to(recipient) {
    return received.filter((e) => {
      const dest = e.form?.To ?? e.json?.personalizations?.[0]?.to?.[0]?.email ?? e.json?.to;
      return dest === recipient || dest === `whatsapp:${recipient}`;
    });
  }

  /** The code in a recorded delivery, whatever the channel. */
  function codeIn(entry) {
    if (entry.json?.code) return entry.json.code;
    const data = entry.json?.personalizations?.[0]?.dynamic_template_data;
    if (data?.code) return data.code;
    if (entry.form?.Twiml) return entry.form.Twiml.match(/((?:\d, )+\d)/)[1].replace(/, /g, "");
    const text = entry.form?.Body ?? entry.json?.content?.[0]?.value ?? "";
    const m = text.match(/(\d{4,10})/);
    return m ? m[1] : null;
  }

  return {
    url,
    received,
    to,
    codeIn,
    lastCode: (recipient) => { const all = to(recipient); return all.length ? codeIn(all[all.length - 1]) : null; },
    fail: (rule) => rules.push(rule),
    clearRules: () => { rules.length = 0; },
    close: () => new Promise((resolve) => { server.closeAllConnections?.(); server.close(resolve); }),
  };
}

/** A DELIVERY_CONFIG that sends everything to the fake provider, with regional routes. */
export function deliveryConfig(fake, extra = {}) {
  return JSON.stringify({
    twilio_routes: [
      { prefix: "*", account_sid: "AC" + "d".repeat(32), auth_token: "default-provider-token", from: "+15550001111", voice_from: "+15550002222", whatsapp_from: "+15550003333" },
      { prefix: "+91", account_sid: "AC" + "9".repeat(32), api_key_sid: "SK" + "9".repeat(32), api_key_secret: "india-key-secret", messaging_service_sid: "MG" + "9".repeat(32) },
      { prefix: "+9198", account_sid: "AC" + "8".repeat(32), auth_token: "mumbai-provider-token", from: "+919800000000" },
    ],
    sendgrid: { api_key: "SG.fake-sendgrid-key", from_email: "no-reply@edge-verify.test", from_name: "Edge Verify" },
    webhook: { url: `${fake.url}/hook`, secret: "webhook-signing-secret" },
    ...extra,
  });
}
