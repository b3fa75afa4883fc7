// A Pub/Sub Publisher that accepts every Publish at once and keeps nothing: what the bundled router
// publishes to while its HTTP throughput is measured, so that the figure is the router's own work
// (HTTP, decoding, playbooks, encoding, the real gRPC client) and not the emulator's storage.
import { createRequire } from "node:module";
import {
  type GrpcObject,
  loadPackageDefinition,
  Server,
  ServerCredentials,
  type ServerUnaryCall,
  type ServiceDefinition,
  type sendUnaryData,
  status,
} from "@grpc/grpc-js";
import { fromJSON } from "@grpc/proto-loader";

export interface PublishSink {
  /** host:port, for PUBSUB_EMULATOR_HOST. */
  host: string;
  stats(): { requests: number; messages: number };
  close(): Promise<void>;
}

interface PublishRequest {
  topic: string;
  messages: unknown[];
}

export async function startPublishSink(): Promise<PublishSink> {
  const require = createRequire(import.meta.url);
  const json = require("@google-cloud/pubsub/build/protos/protos.json") as Parameters<typeof fromJSON>[0];
  const definition = fromJSON(json, {
    keepCase: false,
    longs: String,
    enums: String,
    defaults: true,
    oneofs: true,
  });
  const loaded = loadPackageDefinition(definition) as unknown as {
    google: { pubsub: { v1: { Publisher: { service: ServiceDefinition } } } };
  } & GrpcObject;
  let requests = 0;
  let messages = 0;
  let nextId = 1;
  const server = new Server();
  server.addService(loaded.google.pubsub.v1.Publisher.service, {
    Publish(call: ServerUnaryCall<PublishRequest, unknown>, callback: sendUnaryData<unknown>) {
      requests += 1;
      messages += call.request.messages.length;
      callback(null, { messageIds: call.request.messages.map(() => String(nextId++)) });
    },
    GetTopic(call: ServerUnaryCall<{ topic: string }, unknown>, callback: sendUnaryData<unknown>) {
      callback(null, { name: call.request.topic });
    },
    CreateTopic(_call: ServerUnaryCall<unknown, unknown>, callback: sendUnaryData<unknown>) {
      callback({ code: status.UNIMPLEMENTED, details: "the publish sink only accepts Publish" }, null);
    },
  });
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync("127.0.0.1:0", ServerCredentials.createInsecure(), (error, bound) =>
      error ? reject(error) : resolve(bound),
    ),
  );
  return {
    host: `127.0.0.1:${port}`,
    stats: () => ({ requests, messages }),
    close: () =>
      new Promise<void>((resolve) => {
        server.tryShutdown(() => resolve());
      }),
  };
}
