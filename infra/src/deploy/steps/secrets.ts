// The Secret Manager secrets a service is deployed with: those given with --secret, and the
// credentials its descriptor declares (`secretEnv`, e.g. the console's Slack signing secret), which
// are mounted from their secret's latest version unless --secret names another. A credential is
// never taken as a value: the plan prints every value it is given, and Cloud Run shows plain
// environment values to anyone who may view the service.
import type { ServiceDescriptor } from "@riposte/service-kit";
import type { DeployOptions, SecretReference } from "../plan.js";
import { DeployPlanError } from "./context.js";

const SECRET_ID = /^[A-Za-z0-9_-]{1,255}$/;

/** The service's secrets by variable: its declared credentials, then --secret (which wins). */
export function secretsOf(
  service: ServiceDescriptor,
  options: Pick<DeployOptions, "secrets">,
): Record<string, SecretReference> {
  const declared = Object.fromEntries(
    (service.secretEnv ?? []).map(({ env, secret }) => [env, { secret, version: "latest" }] as const),
  );
  return { ...declared, ...options.secrets?.[service.name] };
}

/** Whether `key` of `service` is a declared credential (only ever from Secret Manager). */
export function isDeclaredSecret(service: ServiceDescriptor, key: string): boolean {
  return (service.secretEnv ?? []).some((declared) => declared.env === key);
}

/**
 * A declared credential given with --env is refused, naming the variable only: the message never
 * repeats the value (it may be the secret itself, and the refusal is printed).
 */
export function credentialGivenAsValue(service: string, key: string, secret: string): string {
  return `${service}: ${key} is a credential: it is mounted from the Secret Manager secret ${secret} (or the one --secret ${service}:${key}=SECRET[:VERSION] names), never given with --env, which would print it in the plan and leave it readable in the service's configuration`;
}

/** Declared credentials are variables of the service and valid secret ids; none is given with --env. */
export function checkSecretEnv(selected: readonly ServiceDescriptor[], options: DeployOptions): void {
  for (const service of selected) {
    for (const { env, secret } of service.secretEnv ?? []) {
      if (!(env in service.env.shape)) {
        throw new DeployPlanError(`${service.name}: credential ${env} is not a variable of its env schema`);
      }
      if (!SECRET_ID.test(secret)) {
        throw new DeployPlanError(`${service.name}: ${env}: ${JSON.stringify(secret)} is not a secret id`);
      }
      if (options.env?.[service.name]?.[env] !== undefined) {
        throw new DeployPlanError(credentialGivenAsValue(service.name, env, secret));
      }
    }
  }
}
