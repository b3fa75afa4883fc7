// Reporting what a command came to: one ActionOutcome on action-outcomes, with the attributes
// subscribers filter on. Every service that handles commands reports through this.
import { type Command, messageAttributes, type OutcomeReport, outcomeOf, Topics } from "@riposte/contracts";
import type { Publisher } from "./publisher.js";

export async function reportOutcome(
  publisher: Publisher,
  command: Command,
  report: OutcomeReport,
): Promise<void> {
  const outcome = outcomeOf(command, report);
  await publisher.publish(Topics.actionOutcomes, outcome, messageAttributes(outcome));
}
