// Turning a push message's bytes into a typed message, with every defect reported as a path + message.
import { parseMessage } from "@riposte/contracts";
import type { z } from "zod";
import type { Decoded } from "./envelope.js";

export type MessageDecoder<M> = (
  data: Uint8Array,
  attributes: Readonly<Record<string, string>>,
) => Decoded<M>;

/** Decodes UTF-8 JSON and validates it with a zod schema (messages between Riposte services). */
export function jsonMessageDecoder<S extends z.ZodType>(schema: S): MessageDecoder<z.output<S>> {
  return (data) => parseMessage(schema, data);
}
