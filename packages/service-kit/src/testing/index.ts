// Test helpers for Riposte services: push envelopes, an in-memory publisher for app.request tests,
// and the real Pub/Sub emulator for integration tests.
import type {} from "vitest";

declare module "vitest" {
  /** Provided by the global setup (global-setup.ts): the one emulator of this test run. */
  export interface ProvidedContext {
    pubsubEmulatorHost: string;
  }
}

export { createMemoryPublisher, type MemoryPublisher } from "../publisher.js";
export {
  EmulatorNotFoundError,
  type EmulatorOptions,
  findEmulatorJar,
  freePort,
  type PubSubEmulator,
  startPubSubEmulator,
} from "./emulator.js";
export { type PushEnvelopeOptions, pushEnvelope, pushRequest } from "./envelope.js";
export {
  createPullSubscription,
  createPushSubscription,
  emulatorClient,
  ensureTopic,
  type PulledMessage,
  type PushSubscriptionSpec,
  pullMessages,
  uniqueName,
} from "./pubsub.js";
export { type TcpRelay, tcpRelay } from "./tcp-relay.js";
