import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { emulatorFirestore, incidentKey, testLedger, uniqueProjectId } from "./test-support.js";

const projectId = uniqueProjectId();
const firstInstance = emulatorFirestore(projectId);
const secondInstance = emulatorFirestore(projectId);

beforeAll(
  () => Promise.all([testLedger(firstInstance).warmUp(), testLedger(secondInstance).warmUp()]),
  30_000,
);
afterAll(() => Promise.all([firstInstance.terminate(), secondInstance.terminate()]));

const announcement = () => ({ incident: incidentKey(), destination: "slack", subject: "alert" });

describe("notification deliveries", { timeout: 30_000 }, () => {
  it("lets exactly one of two instances claim the same message at the same moment", async () => {
    const first = testLedger(firstInstance);
    const second = testLedger(secondInstance);
    for (let round = 0; round < 5; round += 1) {
      const delivery = announcement();
      const claims = await Promise.all([first.claimDelivery(delivery), second.claimDelivery(delivery)]);
      expect(claims.map((claim) => claim.outcome).sort()).toEqual(["claimed", "in-flight"]);
    }
  });

  it("answers sent once delivered, to every instance, and claims a released message again at once", async () => {
    const first = testLedger(firstInstance);
    const second = testLedger(secondInstance);
    const delivery = announcement();
    const claim = await first.claimDelivery(delivery);
    if (claim.outcome !== "claimed") throw new Error("expected a claim");
    await first.releaseDelivery(delivery, claim.claimId);
    const again = await second.claimDelivery(delivery);
    expect(again.outcome).toBe("claimed");
    await second.markDelivered(delivery);
    expect(await first.claimDelivery(delivery)).toMatchObject({ outcome: "sent" });
  });

  it("lets another instance take over a message whose sender vanished (lease over), not before", async () => {
    let now = new Date("2026-12-05T10:00:00Z");
    const ledger = testLedger(firstInstance, { now: () => now });
    const delivery = announcement();
    const first = await ledger.claimDelivery(delivery, 30_000);
    expect(first.outcome).toBe("claimed");
    now = new Date("2026-12-05T10:00:29Z");
    expect(await ledger.claimDelivery(delivery, 30_000)).toMatchObject({ outcome: "in-flight" });
    now = new Date("2026-12-05T10:00:31Z");
    const takenOver = await ledger.claimDelivery(delivery, 30_000);
    expect(takenOver.outcome).toBe("claimed");
    // The vanished sender's late release does not withdraw the claim that took over.
    if (first.outcome === "claimed") await ledger.releaseDelivery(delivery, first.claimId);
    now = new Date("2026-12-05T10:00:32Z");
    expect(await ledger.claimDelivery(delivery, 30_000)).toMatchObject({ outcome: "in-flight" });
    if (takenOver.outcome === "claimed") await ledger.releaseDelivery(delivery, takenOver.claimId);
    expect((await ledger.claimDelivery(delivery, 30_000)).outcome).toBe("claimed");
  });

  it("keeps subjects and destinations apart, and refuses a destination that is not a plain name", async () => {
    const ledger = testLedger(firstInstance);
    const incident = incidentKey();
    await ledger.markDelivered({ incident, destination: "slack", subject: "alert" });
    expect((await ledger.claimDelivery({ incident, destination: "soar", subject: "alert" })).outcome).toBe(
      "claimed",
    );
    expect(
      (await ledger.claimDelivery({ incident, destination: "slack", subject: "outcome:x:y:done" })).outcome,
    ).toBe("claimed");
    await expect(
      ledger.claimDelivery({ incident, destination: "__name__", subject: "alert" }),
    ).rejects.toThrow(/plain name/);
  });
});
