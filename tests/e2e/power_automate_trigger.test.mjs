// The Power Automate connector's webhook trigger run against the worker the way Power Automate
// runs it (connector-spec/power-automate/apiDefinition.swagger.json): the `x-ms-trigger`
// operation called with the maker's choices, its internal fields at their defaults and the
// `x-ms-notification-url` property set to the flow's callback (a local receiver here); the 201's
// `Location` kept; each notification checked against `x-ms-notification-content`; and the
// subscription removed with a DELETE on that Location, as Power Automate does when the flow is
// turned off. What Power Automate itself does beyond that cannot be run here
// (docs/platforms/power-automate.md).
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { createServer } from "node:http";
import { fileURLToPath } from "node:url";
import path from "node:path";
import { startWorker, waitFor } from "./harness.mjs";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const swagger = JSON.parse(readFileSync(path.join(root, "connector-spec/power-automate/apiDefinition.swagger.json"), "utf8"));

let w;
before(async () => { w = await startWorker({ DEV_MODE: "true" }); });
after(async () => { await w?.dispose(); });

async function startReceiver() {
  const hits = [];
  const server = createServer((req, res) => {
    const chunks = [];
    req.on("data", (c) => chunks.push(c));
    req.on("end", () => { hits.push({ headers: req.headers, body: JSON.parse(Buffer.concat(chunks).toString("utf8")) }); res.writeHead(202).end(); });
  });
  await new Promise((resolve) => server.listen(0, "127.0.0.1", resolve));
  return { hits, url: `http://127.0.0.1:${server.address().port}/flow-callback`, close: () => new Promise((r) => { server.closeAllConnections(); server.close(r); }) };
}

test("the webhook trigger subscribes the flow, delivers the event it describes, and unsubscribes at its Location", async () => {
  const [triggerPath, item] = Object.entries(swagger.paths).find(([, i]) => Object.values(i).some((op) => op["x-ms-trigger"]));
  const [method, trigger] = Object.entries(item).find(([, op]) => op["x-ms-trigger"]);
  const receiver = await startReceiver();
  try {
    const svc = (await w.main.post("/v2/Services", { FriendlyName: "Flow Shop" })).data;
    // The request Power Automate builds: path parameters filled, body from the schema.
    const params = trigger.parameters;
    let url = triggerPath;
    for (const p of params.filter((p) => p.in === "path")) url = url.replace(`{${p.name}}`, encodeURIComponent({ ServiceSid: svc.sid }[p.name]));
    const schema = params.find((p) => p.in === "body").schema;
    const body = {};
    for (const [name, prop] of Object.entries(schema.properties)) {
      if (prop["x-ms-notification-url"]) body[name] = receiver.url;
      else if (prop.default !== undefined) body[name] = prop.default;
    }
    body.EventTypes = "verification.approved"; // the maker's choice in the dropdown
    for (const r of schema.required) assert.ok(body[r] !== undefined, `${r} is filled`);
    const sub = await w.main.call(method.toUpperCase(), url, { json: body });
    assert.equal(sub.status, 201, sub.text);
    const location = sub.headers.get("location");
    assert.ok(location, "201 with a Location header");
    assert.equal(location, sub.data.url);

    // A verification approved: one notification, shaped as x-ms-notification-content says.
    const to = "+14155550191";
    assert.equal((await w.main.post(`/v2/Services/${svc.sid}/Verifications`, { To: to, Channel: "sms" })).status, 201);
    const ve = (await w.main.post(`/v2/Services/${svc.sid}/Verifications/${to}`.replace(to, encodeURIComponent(to)), { Status: "approved" })).data;
    assert.equal(ve.status, "approved");
    const hit = await waitFor(() => receiver.hits[0], "the notification at the flow's callback");
    const outputs = trigger["x-ms-notification-content"].schema;
    for (const required of ["type", "verification_sid", "status", "to"]) assert.ok(required in hit.body, required);
    for (const [key, value] of Object.entries(hit.body)) {
      const prop = outputs.properties[key];
      assert.ok(prop, `${key} is described in x-ms-notification-content`);
      const type = typeof value === "number" ? (Number.isInteger(value) ? ["integer", "number"] : ["number"]) : [typeof value];
      assert.ok(type.includes(prop.type), `${key}: ${typeof value} is ${prop.type}`);
    }
    assert.deepEqual([hit.body.type, hit.body.verification_sid], ["verification.approved", ve.sid]);

    // Turning the flow off: DELETE on the Location, with the connection's credentials.
    const unsub = await w.main.del(location);
    assert.equal(unsub.status, 204, unsub.text);
    assert.deepEqual((await w.main.get(`/v2/Services/${svc.sid}/Webhooks`)).data.webhooks, []);
    const deleteOp = Object.entries(swagger.paths).find(([p, i]) => i.delete && p.startsWith(`${triggerPath}/`));
    assert.ok(deleteOp, "the DELETE Power Automate calls is in the definition");
  } finally {
    await receiver.close();
  }
});
