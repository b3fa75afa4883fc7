// What `riposte dev` reads from the environment for its Firestore emulator (the rest is the CLI's
// config): a running emulator to use instead of starting one, and the emulator's jar or Cloud SDK.
import { z } from "zod";

const DevFirestoreEnv = z.object({
  /** host:port of a Firestore emulator already running: used as it is, never stopped by dev. */
  FIRESTORE_EMULATOR_HOST: z
    .string()
    .regex(/^[\w.-]+:\d{1,5}$/, { error: "expected host:port" })
    .optional(),
  /** The emulator's jar, when it is not under the Cloud SDK. */
  FIRESTORE_EMULATOR_JAR: z.string().optional(),
  CLOUDSDK_ROOT_DIR: z.string().optional(),
  PATH: z.string().optional(),
});
export type DevFirestoreEnv = z.infer<typeof DevFirestoreEnv>;

export function readDevFirestoreEnv(env: NodeJS.ProcessEnv = process.env): DevFirestoreEnv {
  const parsed = DevFirestoreEnv.safeParse(env);
  if (!parsed.success) {
    throw new Error(`FIRESTORE_EMULATOR_HOST: ${parsed.error.issues[0]?.message ?? "invalid"}`);
  }
  return parsed.data;
}
