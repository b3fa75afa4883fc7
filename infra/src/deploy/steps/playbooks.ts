// `--playbooks FILE`: checked against the other options, then stored as a Secret Manager version.
import type { ServiceDescriptor } from "@riposte/service-kit";
import { type FileDigest, type PlanStep, planVariable } from "../commands.js";
import type { DeployOptions } from "../plan.js";
import {
  PLAYBOOKS_VERSION_VARIABLE,
  ROUTER,
  routerPlaybooksSettings,
  storePlaybooksStep,
} from "../playbooks.js";
import { type CheckedPlaybooks, DeployPlanError, type PlanContext } from "./context.js";

/**
 * The router must be deployed here, and its playbook variables come from the stored version only
 * (another value would point the router at something else than what was stored).
 */
export function checkedPlaybooks(
  file: FileDigest,
  selected: readonly ServiceDescriptor[],
  options: DeployOptions,
): CheckedPlaybooks {
  if (!selected.some((service) => service.name === ROUTER)) {
    throw new DeployPlanError(
      `--playbooks configures the ${ROUTER}, which this plan does not deploy: add --service ${ROUTER}`,
    );
  }
  // In the script the version is the shell variable the store step sets; --apply substitutes it.
  const settings = routerPlaybooksSettings(planVariable(PLAYBOOKS_VERSION_VARIABLE));
  for (const key of Object.keys(settings.env)) {
    const given =
      options.env?.[ROUTER]?.[key] !== undefined
        ? "--env"
        : options.secrets?.[ROUTER]?.[key]
          ? "--secret"
          : undefined;
    if (given) {
      throw new DeployPlanError(
        `--playbooks sets the ${ROUTER}'s ${key} (the stored file and its version): do not give it with ${given} too`,
      );
    }
  }
  return { file, settings };
}

/** Stored once the router's account exists (it is granted the secret), before the router is deployed. */
export function storePlaybooksSteps({ playbooks, project }: PlanContext): PlanStep[] {
  return playbooks ? [storePlaybooksStep(playbooks.file, project)] : [];
}
