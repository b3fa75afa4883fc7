// The services' publisher batching (service-kit's DEFAULT_PUBLISHER_OPTIONS), written out here so that
// the relay floor's bundle holds the Pub/Sub client alone and not service-kit; relay.test.ts checks
// that the two stay the same.
export const RELAY_BATCHING = {
  maxMessages: 100,
  maxMilliseconds: 1,
  maxBytes: 4 * 1024 * 1024,
} as const;
