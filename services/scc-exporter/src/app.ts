// createApp: the scc-exporter's push endpoints. `/` takes ExportFinding commands (topic scc-exporter),
// `/outcomes` takes the other services' ActionOutcomes (topic action-outcomes); both write the same
// finding through the FindingExporter.
import { ActionOutcome, ExportFindingCommand } from "@riposte/contracts";
import { createPushApp, jsonMessageDecoder, type PushAppOptions, pushRoute } from "@riposte/service-kit";
import type { Hono } from "hono";
import { createFindingExporter, type FindingExporterOptions } from "./exporter.js";

export interface SccExporterDeps extends FindingExporterOptions {
  push: Omit<PushAppOptions, "routes">;
}

export function createApp(deps: SccExporterDeps): Hono {
  const { push, ...exporterOptions } = deps;
  const exporter = createFindingExporter(exporterOptions);
  return createPushApp({
    ...push,
    routes: [
      pushRoute("/", jsonMessageDecoder(ExportFindingCommand), (command, context) =>
        exporter.exportFinding(command, context),
      ),
      pushRoute("/outcomes", jsonMessageDecoder(ActionOutcome), (outcome, context) =>
        exporter.recordOutcome(outcome, context),
      ),
    ],
  });
}
