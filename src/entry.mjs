// The worker's entry module. It is the Rust worker as worker-build writes it (build/index.js),
// with one addition the Rust side cannot express: the Durable Object class extends the runtime's
// DurableObject, so the worker reaches it by RPC (`stub.command(text)`: one call per command, no
// HTTP request or response between them). The logic stays in Rust (VerificationTarget.command).
import { DurableObject } from "cloudflare:workers";
import worker, { VerificationTarget as Target } from "../build/index.js";

export class VerificationTarget extends DurableObject {
  #target;

  constructor(ctx, env) {
    super(ctx, env);
    this.#target = new Target(ctx, env);
  }

  command(text) {
    return this.#target.command(text);
  }

  alarm() {
    return this.#target.alarm();
  }
}

export default worker;
