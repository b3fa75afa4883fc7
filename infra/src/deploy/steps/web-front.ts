// The way people reach a service with a web front (the console, issue 21), derived from its
// descriptor's `web`: a global external Application Load Balancer on --console-domain, whose default
// backend service has Identity-Aware Proxy on and whose public paths (`/slack/*`) go to a second
// backend service without it; both reach the same Cloud Run service through serverless NEGs.
//
// Why not IAP directly on Cloud Run (`gcloud beta run deploy --iap`)? It guards every way in — the
// run.app URL and any load balancer — and lets through only requests with a Google identity it may
// admit. Slack's interactivity POST carries none (it is signed with the app's signing secret), so
// Approve/Deny from Slack could never arrive; and a path cannot be exempted. On a load balancer, IAP is
// a property of one backend service, so the URL map can route Slack's path around it.
//
// What that costs, and what holds instead: the Slack backend carries no identity either, so Cloud
// Run's own invoker check is turned off for this service (--no-invoker-iam-check) and ingress is
// limited to internal traffic and the load balancer (the run.app URL answers nothing from the
// internet). Every path then authenticates in the service itself: IAP's signed header against
// IAP_AUDIENCE (it cannot be forged, so a request that went around IAP is refused), Slack's v0
// signature on /slack/*, and the push account's OIDC token on /scheduled/* (Cloud Scheduler calls the
// run.app URL, which counts as internal when the job is in the same project).
import { isPushed, type ServiceDescriptor } from "@riposte/service-kit";
import { serviceAccountEmail } from "../../rbac.js";
import {
  type CliCall,
  type Flag,
  gcloud,
  type PlanCommand,
  type PlanStep,
  planVariable,
} from "../commands.js";
import { DeployPlanError, type PlanContext } from "./context.js";

type WebFront = NonNullable<ServiceDescriptor["web"]>;

/** The role IAP checks before it lets a person through ("IAP-secured Web App User"). */
export const IAP_ACCESSOR_ROLE = "roles/iap.httpsResourceAccessor";
/** Variables the plan sets on a web service besides its descriptor's: the scheduled calls' token check. */
const PUSH_AUTH_AUDIENCE = "PUSH_AUTH_AUDIENCE";
const PUSH_AUTH_ALLOWED_EMAILS = "PUSH_AUTH_ALLOWED_EMAILS";
const PUBLIC_PATH = /^\/[a-z0-9-]+(?:\/[a-z0-9-]+)*\/\*$/;

/** The load balancer's parts, each named after the service. */
export function webNames(service: string) {
  const base = `riposte-${service}`;
  return {
    /** The IAP-guarded backend service and its serverless NEG; also the URL map, certificate, proxy, address and forwarding rule. */
    base,
    /** The backend service (and NEG) of the public paths, without IAP. */
    public: `${base}-public`,
    pathMatcher: "public-paths",
  };
}

/** The plan variables of a web service's parts: `CONSOLE_BACKEND_ID`, `CONSOLE_ADDRESS`. */
export function webVariable(service: string, part: "BACKEND_ID" | "ADDRESS"): string {
  return `${service.toUpperCase().replace(/[^A-Z0-9]/g, "_")}_${part}`;
}

/** The selected service with a web front, if any: at most one (one domain, one IAP audience). */
export function webServiceOf(selected: readonly ServiceDescriptor[]): ServiceDescriptor | undefined {
  const web = selected.filter((service) => service.web);
  if (web.length > 1) {
    throw new DeployPlanError(
      `${web.map((service) => service.name).join(", ")} all declare a web front; the plan puts one service behind IAP`,
    );
  }
  return web[0];
}

/** A web front's declaration is one the plan can build and the service can enforce. */
export function checkWebFront(selected: readonly ServiceDescriptor[]): void {
  const service = webServiceOf(selected);
  if (!service?.web) return;
  const fail = (problem: string) => {
    throw new DeployPlanError(`${service.name}: web front: ${problem}`);
  };
  const shape = service.env.shape as Record<string, { safeParse(value: unknown): { success: boolean } }>;
  const { iapAudienceEnv, originEnv, pinnedEnv, publicPaths } = service.web;
  if (!(iapAudienceEnv in shape))
    fail(`${iapAudienceEnv} (IAP's audience) is not a variable of its env schema`);
  if (originEnv !== undefined && !(originEnv in shape))
    fail(`${originEnv} (its origin) is not a variable of its env schema`);
  for (const [key, value] of Object.entries(pinnedEnv)) {
    if (!shape[key]?.safeParse(value).success)
      fail(`pinned ${key}=${value} is not a valid value of its env schema`);
  }
  for (const { path } of publicPaths) {
    if (!PUBLIC_PATH.test(path)) fail(`public path ${JSON.stringify(path)}: expected /segment[/segment…]/*`);
  }
  // Its invoker check is off (Slack cannot pass it): a push would be checked against the audience of
  // its scheduled calls, and its subscriptions sign for the run.app URL.
  if (isPushed(service))
    fail("a web front's service is called by people and Cloud Scheduler, never by a push subscription");
}

/** The domain people open, or the plan variable the TODO names. */
function domainOf(ctx: PlanContext): string {
  return ctx.options.consoleDomain ?? planVariable("CONSOLE_DOMAIN");
}

/**
 * The audience of the service's scheduled calls' OIDC token: its public origin, known before it is
 * deployed (its run.app URL is not), and checked by the service itself since Cloud Run's check is off.
 */
export function scheduledAudienceOf(serviceName: string, ctx: PlanContext): string | undefined {
  const service = webServiceOf(ctx.selected);
  return service?.name === serviceName ? `https://${domainOf(ctx)}` : undefined;
}

/** What the plan sets on the web service: IAP's audience, its origin, the pinned values, the scheduled calls' token check. */
export function webEnv(service: ServiceDescriptor, ctx: PlanContext): Record<string, string> {
  if (!service.web) return {};
  const audience = `/projects/${planVariable("PROJECT_NUMBER")}/global/backendServices/${planVariable(webVariable(service.name, "BACKEND_ID"))}`;
  return {
    [service.web.iapAudienceEnv]: audience,
    ...(service.web.originEnv ? { [service.web.originEnv]: `https://${domainOf(ctx)}` } : {}),
    ...service.web.pinnedEnv,
    [PUSH_AUTH_AUDIENCE]: `https://${domainOf(ctx)}`,
    [PUSH_AUTH_ALLOWED_EMAILS]: ctx.pushAccount,
  };
}

/** Cloud Run settings of a web service: the load balancer (and internal callers) only, no invoker check. */
export function webIngressFlags(service: ServiceDescriptor): Flag[] {
  return service.web
    ? [["ingress", "internal-and-cloud-load-balancing"], ["no-invoker-iam-check"]]
    : [["ingress", "internal"]];
}

/** The TODOs of a web front: its domain and who may open it (the preflight stops without them). */
function webTodos(service: ServiceDescriptor, ctx: PlanContext): void {
  if (!ctx.options.consoleDomain) {
    ctx.todos.push({
      service: service.name,
      variable: "CONSOLE_DOMAIN",
      hint: "--console-domain HOST: the host name people open (its certificate is issued for it; README: Approvals)",
    });
  }
  if (!ctx.options.consoleUsers?.length) {
    ctx.todos.push({
      service: service.name,
      variable: "CONSOLE_USERS",
      hint: "--console-users user:EMAIL,group:EMAIL: who may open it through IAP (README: Approvals)",
    });
  }
}

const describeGlobal = (kind: string, name: string, ctx: PlanContext): CliCall =>
  gcloud(["compute", kind, "describe"], [name], [["global"], ctx.projectFlag]);

/**
 * Before the service is deployed: its two backend services, IAP on the guarded one at once (no moment
 * without it), and that one's id, which IAP's signed header names as its audience.
 */
export function webBackendsStep(ctx: PlanContext): PlanStep[] {
  const service = webServiceOf(ctx.selected);
  if (!service) return [];
  webTodos(service, ctx);
  const names = webNames(service.name);
  const create = (name: string): PlanCommand => ({
    unless: describeGlobal("backend-services", name, ctx),
    call: gcloud(
      ["compute", "backend-services", "create"],
      [name],
      [["global"], ["load-balancing-scheme", "EXTERNAL_MANAGED"], ctx.projectFlag],
    ),
  });
  return [
    {
      title: `Create ${service.name}'s backend services, IAP on the first`,
      why: `IAP signs each request it lets through for the backend service it guards (audience /projects/NUMBER/global/backendServices/ID); ${service.name} is deployed with that id, so it is read here; ${names.public} carries the paths IAP would refuse (${service.web?.publicPaths.map((entry) => entry.path).join(", ")})`,
      commands: [
        create(names.base),
        create(names.public),
        {
          call: gcloud(
            ["compute", "backend-services", "update"],
            [names.base],
            [["global"], ["iap", "enabled"], ctx.projectFlag],
          ),
        },
        {
          call: gcloud(
            ["compute", "backend-services", "describe"],
            [names.base],
            [["global"], ctx.projectFlag, ["format", "value(id)"]],
          ),
          capture: webVariable(service.name, "BACKEND_ID"),
        },
      ],
    },
  ];
}

/** After the service is deployed: the NEGs, URL map, certificate, address, forwarding rule and IAP's access. */
export function webFrontStep(ctx: PlanContext): PlanStep[] {
  const service = webServiceOf(ctx.selected);
  if (!service?.web) return [];
  const names = webNames(service.name);
  const domain = domainOf(ctx);
  return [
    {
      title: `Put ${service.name} behind Identity-Aware Proxy on https://${ctx.options.consoleDomain ?? "CONSOLE_DOMAIN"}`,
      why: "a global external Application Load Balancer: every path goes to the IAP-guarded backend service except the public ones; IAP's service agent may invoke the service; only the given users and groups pass IAP",
      commands: [
        ...[names.base, names.public].flatMap((name) => backendCommands(name, service.name, ctx)),
        ...urlMapCommands(service.web, names, domain, ctx),
        ...frontendCommands(service.name, domain, ctx),
        ...accessCommands(service.name, names.base, ctx),
      ],
    },
  ];
}

/** A serverless NEG for the service, attached to the backend service of the same name. */
function backendCommands(name: string, service: string, ctx: PlanContext): PlanCommand[] {
  const region: Flag = ["region", ctx.region];
  return [
    {
      unless: gcloud(["compute", "network-endpoint-groups", "describe"], [name], [region, ctx.projectFlag]),
      call: gcloud(
        ["compute", "network-endpoint-groups", "create"],
        [name],
        [region, ["network-endpoint-type", "serverless"], ["cloud-run-service", service], ctx.projectFlag],
      ),
    },
    {
      // add-backend fails when the NEG is attached already: skipped when the backend service lists one.
      unless: gcloud(
        ["compute", "backend-services", "describe"],
        [name],
        [["global"], ctx.projectFlag, ["format", "value(backends[].group)"]],
      ),
      unlessPrints: true,
      call: gcloud(
        ["compute", "backend-services", "add-backend"],
        [name],
        [
          ["global"],
          ["network-endpoint-group", name],
          ["network-endpoint-group-region", ctx.region],
          ctx.projectFlag,
        ],
      ),
    },
  ];
}

/** Every path to the IAP-guarded backend service; the public paths, on the domain, to the other. */
function urlMapCommands(
  web: WebFront,
  names: ReturnType<typeof webNames>,
  domain: string,
  ctx: PlanContext,
): PlanCommand[] {
  const create: PlanCommand = {
    unless: describeGlobal("url-maps", names.base, ctx),
    call: gcloud(
      ["compute", "url-maps", "create"],
      [names.base],
      [["default-service", names.base], ["global"], ctx.projectFlag],
    ),
  };
  if (web.publicPaths.length === 0) return [create];
  const rules = web.publicPaths.map(({ path }) => `${path}=${names.public}`).join(",");
  return [
    create,
    {
      // Added once: a URL map made by an earlier plan keeps its path matcher (README: Approvals).
      unless: gcloud(
        ["compute", "url-maps", "describe"],
        [names.base],
        [["global"], ctx.projectFlag, ["format", "value(pathMatchers[].name)"]],
      ),
      unlessPrints: true,
      call: gcloud(
        ["compute", "url-maps", "add-path-matcher"],
        [names.base],
        [
          ["global"],
          ["path-matcher-name", names.pathMatcher],
          ["default-service", names.base],
          ["path-rules", rules],
          ["new-hosts", domain],
          ctx.projectFlag,
        ],
      ),
    },
  ];
}

/** HTTPS only (no port 80): a Google-managed certificate for the domain, a global address, the forwarding rule. */
function frontendCommands(service: string, domain: string, ctx: PlanContext): PlanCommand[] {
  const name = webNames(service).base;
  const created = (kind: string, flags: Flag[]): PlanCommand => ({
    unless: describeGlobal(kind, name, ctx),
    call: gcloud(["compute", kind, "create"], [name], [...flags, ["global"], ctx.projectFlag]),
  });
  return [
    created("ssl-certificates", [["domains", domain]]),
    created("target-https-proxies", [
      ["url-map", name],
      ["ssl-certificates", name],
    ]),
    created("addresses", [["ip-version", "IPV4"]]),
    created("forwarding-rules", [
      ["load-balancing-scheme", "EXTERNAL_MANAGED"],
      ["address", name],
      ["target-https-proxy", name],
      ["ports", "443"],
    ]),
    {
      call: gcloud(
        ["compute", "addresses", "describe"],
        [name],
        [["global"], ctx.projectFlag, ["format", "value(address)"]],
      ),
      capture: webVariable(service, "ADDRESS"),
    },
  ];
}

/** IAP's service agent may invoke the service; the given users and groups may pass IAP. */
function accessCommands(service: string, backend: string, ctx: PlanContext): PlanCommand[] {
  const members = ctx.options.consoleUsers?.length
    ? ctx.options.consoleUsers
    : [planVariable("CONSOLE_USERS")];
  const iapAgent = `serviceAccount:service-${planVariable("PROJECT_NUMBER")}@gcp-sa-iap.iam.gserviceaccount.com`;
  return [
    // The agent exists once something asks for it; asking again is harmless.
    {
      call: gcloud(
        ["beta", "services", "identity", "create"],
        [],
        [["service", "iap.googleapis.com"], ctx.projectFlag],
      ),
    },
    {
      // IAP presents the agent's token to Cloud Run: needed whenever the invoker check is on, and
      // kept so that turning it back on does not lock people out.
      call: gcloud(
        ["run", "services", "add-iam-policy-binding"],
        [service],
        [["region", ctx.region], ctx.projectFlag, ["member", iapAgent], ["role", "roles/run.invoker"]],
      ),
    },
    ...members.map(
      (member): PlanCommand => ({
        call: gcloud(
          ["iap", "web", "add-iam-policy-binding"],
          [],
          [
            ["resource-type", "backend-services"],
            ["service", backend],
            ["member", member],
            ["role", IAP_ACCESSOR_ROLE],
            ["condition", "None"],
            ctx.projectFlag,
          ],
        ),
      }),
    ),
  ];
}

/** What no plan can do: the domain's DNS record, and the Workspace admin roles the descriptor names. */
export function webNotes(ctx: PlanContext): string[] {
  const service = webServiceOf(ctx.selected);
  if (!service?.web) return [];
  const domain = ctx.options.consoleDomain ?? "CONSOLE_DOMAIN";
  const { base } = webNames(service.name);
  const account = serviceAccountEmail(service.name, ctx.project);
  return [
    `${domain}: point its DNS A record at ${service.name}'s address (gcloud compute addresses describe ${base} --global --project=${ctx.project} --format='value(address)'); its Google-managed certificate is issued only once the name resolves there, and https://${domain} answers only then`,
    ...service.web.publicPaths.map(
      ({ path, reason }) => `https://${domain}${path} is outside IAP: ${reason}`,
    ),
    ...(service.workspaceAdminRoles ?? []).map(
      ({ role, reason }) =>
        `a Google Workspace admin assigns the ${role} admin role to ${account} (Admin console → Account → Admin roles → ${role} → Admins → Assign service accounts): ${reason}`,
    ),
  ];
}
