#!/usr/bin/env node
// Check a stripe-contracts bundle with the official `stripe` npm package, the way a Node
// integration consumes it.
//
//   node tests/node/verify_bundle.mjs BUNDLE_DIR WEBHOOK_SECRET
//
// For every event in BUNDLE_DIR/manifest.json:
//   - stripe.webhooks.constructEvent(rawBytes, header, secret, tolerance, undefined, receivedAt)
//     accepts the file's exact bytes with the manifest's `stripe_signature` when delivered at
//     the event's `timestamp`, and returns an event with the manifest's id and type. Events are
//     signed at their (past) timestamps, so they are "received" then: `receivedAt` (epoch
//     milliseconds) is the last parameter of constructEvent in the pinned stripe-node's
//     Webhooks.d.ts, and the tolerance stays at its default (webhooks.DEFAULT_TOLERANCE, 300 s);
//   - the same bytes received one second after that tolerance are rejected as stale;
//   - the payload with one byte changed is rejected;
//   - the payload with a wrong secret is rejected.
// Every object file parses and holds the manifest's id and object type. Every string in an
// object or an event that looks like a Stripe id with one of the bundle's own prefixes (`cus`,
// `in`, ... of the objects the bundle carries as files or as event objects) resolves: in an
// object file to an object of the manifest; in an event to an object of the manifest or to the
// `data.object` of some event (the first invoice of a renewal, or a failed charge, exists in a
// bundle only as it was delivered).
//
// Prints one JSON summary on stdout. Exit 0 when every check passes, 1 on any failure, 2 on a
// usage error.

import { readFileSync } from "node:fs";
import { join } from "node:path";

import Stripe from "stripe";

const ID = /^([a-z]+(?:_[a-z]+)*)_([A-Za-z0-9]{14,})$/;

function usage(message) {
  process.stderr.write(
    `verify_bundle: ${message}\n` +
      "usage: node tests/node/verify_bundle.mjs BUNDLE_DIR WEBHOOK_SECRET\n" +
      "(make a bundle with `stripe-contracts generate SCENARIO --out BUNDLE_DIR " +
      "--webhook-secret whsec_...`; install this checker with `npm ci --prefix tests/node`)\n",
  );
  process.exit(2);
}

// One byte changed inside the event id: the payload stays valid JSON, so a rejection can only
// come from the signature.
function tamper(raw, eventId) {
  const copy = Buffer.from(raw);
  const at = copy.indexOf(Buffer.from(`"${eventId}"`));
  const index = at >= 0 ? at + eventId.length : Math.floor(copy.length / 2);
  copy[index] = copy[index] === 0x41 ? 0x42 : 0x41; // 'A' <-> 'B'
  return copy;
}

function* stripeIds(value, pointer = "") {
  if (Array.isArray(value)) {
    for (const [index, item] of value.entries()) yield* stripeIds(item, `${pointer}/${index}`);
  } else if (value !== null && typeof value === "object") {
    for (const [key, item] of Object.entries(value)) yield* stripeIds(item, `${pointer}/${key}`);
  } else if (typeof value === "string") {
    const match = ID.exec(value);
    if (match) yield { pointer, id: value, prefix: match[1] };
  }
}

const message = (error) => String(error?.message ?? error);

function main(argv) {
  const [dir, secret, ...rest] = argv;
  if (!dir || !secret || rest.length) usage("expected a bundle directory and a webhook secret");
  const stripe = new Stripe("sk_test_offline_never_sent");
  const webhooks = stripe.webhooks;
  const tolerance = webhooks.DEFAULT_TOLERANCE;
  const failures = [];
  const fail = (file, check, text) => failures.push({ file, check, message: text });
  const readJson = (file) => {
    try {
      return JSON.parse(readFileSync(join(dir, file), "utf8"));
    } catch (error) {
      fail(file, "parse", message(error));
      return undefined;
    }
  };

  const manifest = readJson("manifest.json");
  if (manifest === undefined) usage(`${join(dir, "manifest.json")}: ${failures[0].message}`);
  const entries = manifest.objects ?? [];
  const ids = new Set(entries.filter((e) => e.id).map((e) => e.id));
  const documents = [];

  const objects = { files: entries.length, parsed: 0 };
  for (const entry of entries) {
    const obj = readJson(entry.file);
    if (obj === undefined) continue;
    objects.parsed += 1;
    if (obj.object !== entry.object || (entry.id !== null && obj.id !== entry.id)) {
      const says = `manifest says ${entry.object} ${entry.id}`;
      fail(entry.file, "manifest", `holds ${obj.object} ${obj.id}; ${says}`);
    }
    documents.push({ file: entry.file, body: obj, fromEvent: false });
  }

  const events = {
    count: (manifest.events ?? []).length,
    accepted: 0,
    stale_rejected: 0,
    tampered_rejected: 0,
    wrong_secret_rejected: 0,
  };
  const definedByEvents = new Set();
  const rejected = (file, check, attempt) => {
    try {
      attempt();
    } catch (error) {
      if (error instanceof Stripe.errors.StripeSignatureVerificationError) return true;
      fail(file, check, `rejected with ${error.name}, not a signature error: ${message(error)}`);
      return false;
    }
    fail(file, check, "was accepted");
    return false;
  };
  for (const entry of manifest.events ?? []) {
    const { file, stripe_signature: header } = entry;
    let raw;
    try {
      raw = readFileSync(join(dir, file));
    } catch (error) {
      fail(file, "read", message(error));
      continue;
    }
    const receivedAt = entry.timestamp * 1000;
    const construct = (payload, key, at) =>
      webhooks.constructEvent(payload, header, key, tolerance, undefined, at);
    try {
      const event = construct(raw, secret, receivedAt);
      if (event.id === entry.id && event.type === entry.type) {
        events.accepted += 1;
      } else {
        const says = `manifest says ${entry.type} ${entry.id}`;
        fail(file, "constructEvent", `returned ${event.type} ${event.id}; ${says}`);
      }
      if (event.data?.object?.id) definedByEvents.add(event.data.object.id);
      documents.push({ file, body: event, fromEvent: true });
    } catch (error) {
      fail(file, "constructEvent", message(error));
    }
    const late = receivedAt + (tolerance + 1) * 1000;
    if (rejected(file, "stale", () => construct(raw, secret, late))) {
      events.stale_rejected += 1;
    }
    if (rejected(file, "tampered", () => construct(tamper(raw, entry.id), secret, receivedAt))) {
      events.tampered_rejected += 1;
    }
    if (rejected(file, "wrong-secret", () => construct(raw, `${secret}_wrong`, receivedAt))) {
      events.wrong_secret_rejected += 1;
    }
  }

  const prefixes = new Set(
    [...ids, ...definedByEvents].map((id) => ID.exec(id)?.[1]).filter(Boolean),
  );
  const references = { checked: 0, to_objects: 0, to_event_objects: 0, unresolved: 0 };
  for (const { file, body, fromEvent } of documents) {
    for (const { pointer, id, prefix } of stripeIds(body)) {
      if (!prefixes.has(prefix)) continue;
      references.checked += 1;
      if (ids.has(id)) {
        references.to_objects += 1;
      } else if (fromEvent && definedByEvents.has(id)) {
        references.to_event_objects += 1;
      } else {
        references.unresolved += 1;
        fail(file, "reference", `${id} at ${pointer} is not an object of this bundle`);
      }
    }
  }

  const result = {
    ok: failures.length === 0,
    stripe_node: Stripe.PACKAGE_VERSION,
    bundle: dir,
    scenario: manifest.scenario,
    api_version: manifest.api_version,
    prefixes: [...prefixes].sort(),
    objects,
    events,
    references,
    failures,
  };
  process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
  return result.ok ? 0 : 1;
}

process.exitCode = main(process.argv.slice(2));
