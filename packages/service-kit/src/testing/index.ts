// Test helpers for Riposte services: push envelopes, an in-memory publisher for app.request tests,
// and the real Pub/Sub emulator for integration tests.
import type {} from "vitest";

// The one declaration of what the global setups provide: a module reading them with inject() imports
// this one (`import type {} from "@riposte/service-kit/testing"` is enough).
declare module "vitest" {
  /** Provided by the global setups: the run's one emulator of each kind. */
  export interface ProvidedContext {
    /** host:port of the Pub/Sub emulator (global-setup.ts). */
    pubsubEmulatorHost: string;
    /** host:port of the Firestore emulator (firestore-global-setup.ts). */
    firestoreEmulatorHost: string;
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
