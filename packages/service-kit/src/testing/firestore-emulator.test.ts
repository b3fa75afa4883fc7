import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { EmulatorNotFoundError, freePort } from "./emulator.js";
import {
  type FirestoreEmulator,
  findFirestoreEmulatorJar,
  startFirestoreEmulator,
  useFirestoreEmulator,
} from "./firestore-emulator.js";

describe("findFirestoreEmulatorJar", () => {
  it("names the Debian package to install when the emulator is missing", () => {
    const search = { env: { PATH: "" }, sdkRoots: ["/nonexistent-sdk"] };
    expect(() => findFirestoreEmulatorJar(search)).toThrow(EmulatorNotFoundError);
    expect(() => findFirestoreEmulatorJar(search)).toThrow(/google-cloud-cli-firestore-emulator/);
  });
});

describe("the Firestore emulator", { timeout: 60_000 }, () => {
  let emulator: FirestoreEmulator;
  beforeAll(async () => {
    emulator = await startFirestoreEmulator();
  }, 60_000);
  afterAll(() => emulator?.stop());

  it("is used as it is when FIRESTORE_EMULATOR_HOST names it, and not stopped by its user", async () => {
    const used = await useFirestoreEmulator({}, { FIRESTORE_EMULATOR_HOST: emulator.host });
    expect(used).toMatchObject({ host: emulator.host, port: emulator.port, pid: undefined });
    await used.stop();
    expect((await fetch(`http://${emulator.host}/`)).ok).toBe(true);
  });

  it("refuses a FIRESTORE_EMULATOR_HOST where nothing answers, saying so", async () => {
    const nobody = `127.0.0.1:${await freePort()}`;
    await expect(useFirestoreEmulator({}, { FIRESTORE_EMULATOR_HOST: nobody })).rejects.toThrow(
      `FIRESTORE_EMULATOR_HOST is ${nobody}, but no Firestore emulator answers there`,
    );
  });
});
