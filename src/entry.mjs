// The worker's entry module. It is the Rust worker as worker-build writes it (build/index.js),
// with one addition the Rust side cannot express: the Durable Object classes extend the runtime's
// DurableObject, so the worker reaches them by RPC (`stub.command(text)`: one call per command,
// no HTTP request or response between them). The logic stays in Rust (VerificationTarget.command,
// Limiter.command).
import { DurableObject } from "cloudflare:workers";
import worker, { VerificationTarget as Target, Limiter as Shard, EventOutbox as Outbox } from "../build/index.js";

export class VerificationTarget extends DurableObject {
  #target;

  constructor(ctx, env) {
    super(ctx, env);
    this.#target = new Target(ctx, env);
  }

  command(text) {
    return this.#target.command(text);
  }

  // An alarm has no waitUntil: what a channel fallback's send defers (its KV token, history
  // row, events) is collected here and waited on before the alarm is done.
  async alarm() {
    const deferred = [];
    const ctx = { waitUntil: (promise) => { deferred.push(promise); }, passThroughOnException() {} };
    try {
      await this.#target.alarm(ctx);
    } finally {
      await Promise.allSettled(deferred);
    }
  }
}

export class Limiter extends DurableObject {
  #shard;

  constructor(ctx, env) {
    super(ctx, env);
    this.#shard = new Shard(ctx);
  }

  command(text) {
    return this.#shard.command(text);
  }

  alarm() {
    return this.#shard.alarm();
  }
}

export class EventOutbox extends DurableObject {
  #outbox;

  constructor(ctx, env) {
    super(ctx, env);
    this.#outbox = new Outbox(ctx, env);
  }

  command(text) {
    return this.#outbox.command(text);
  }

  alarm() {
    return this.#outbox.alarm();
  }
}

export default worker;
