// `riposte dev`'s Firestore emulator: the one FIRESTORE_EMULATOR_HOST names is used and left running;
// a missing emulator is one line naming the package to install.
import { freePort } from "@riposte/service-kit/testing";
import { describe, expect, inject, it } from "vitest";
import { startDevFirestore } from "./firestore.js";

describe("riposte dev's Firestore emulator", () => {
  it("names the package to install, in one line, when the emulator is missing", async () => {
    const said: string[] = [];
    const started = startDevFirestore({ PATH: "" }, (line) => said.push(line), {
      sdkRoots: ["/nonexistent-sdk"],
    });
    await expect(started).rejects.toThrow(
      /^[^\n]*apt-get install google-cloud-cli-firestore-emulator[^\n]*$/,
    );
    expect(said).toEqual(["starting the Firestore emulator…"]);
  });

  it("uses the emulator FIRESTORE_EMULATOR_HOST names, says so, and never stops it", async () => {
    const host = inject("firestoreEmulatorHost");
    const said: string[] = [];
    const emulator = await startDevFirestore({ FIRESTORE_EMULATOR_HOST: host }, (line) => said.push(line));
    expect(emulator.host).toBe(host);
    expect(said).toEqual([`using the Firestore emulator at ${host} (FIRESTORE_EMULATOR_HOST)`]);
    await emulator.stop();
    expect((await fetch(`http://${host}/`)).ok).toBe(true);
  });

  it("refuses a FIRESTORE_EMULATOR_HOST where nothing answers", async () => {
    const nobody = `127.0.0.1:${await freePort()}`;
    await expect(startDevFirestore({ FIRESTORE_EMULATOR_HOST: nobody }, () => undefined)).rejects.toThrow(
      `FIRESTORE_EMULATOR_HOST is ${nobody}, but no Firestore emulator answers there`,
    );
  });
});
