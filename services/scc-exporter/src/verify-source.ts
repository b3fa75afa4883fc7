// Start-up check of SCC_SOURCE_NAME: a source that does not exist (or that we may not use) stops the
// service with a message saying what to do; an SCC outage does not (the findings wait in Pub/Sub).
import type { Logger } from "@riposte/service-kit";
import { type SccApi, SccError } from "./scc-client.js";
import type { SccSourceName } from "./scc-names.js";

export class SourceNotUsableError extends Error {
  override readonly name = "SourceNotUsableError";
}

export async function verifySource(scc: SccApi, source: SccSourceName, logger: Logger): Promise<void> {
  try {
    const found = await scc.getSource(source.name);
    logger.info({ source: source.name, displayName: found.displayName }, "SCC source found");
  } catch (error) {
    if (error instanceof SccError && error.transient) {
      logger.warn(
        { source: source.name, err: error.message },
        "could not check the SCC source now; starting anyway",
      );
      return;
    }
    throw new SourceNotUsableError(
      `SCC_SOURCE_NAME ${source.name} cannot be used: ${(error as Error).message}. Run \`riposte scc setup --organization ${source.organization.slice("organizations/".length)}\` to create Riposte's source and print its name, and grant this service roles/securitycenter.findingsEditor on ${source.organization}.`,
      { cause: error },
    );
  }
}
