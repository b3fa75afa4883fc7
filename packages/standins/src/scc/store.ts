// The state and rules of the SCC v2 stand-in, independent of gRPC: sources under organizations,
// findings keyed by (source, location, finding id), UpdateFinding's upsert with update-mask
// semantics (empty mask = all mutable fields and replace source_properties; `source_properties.<key>`
// = one property), immutable category / resource_name, OUTPUT_ONLY fields ignored, and paged,
// filtered listing. Every refusal is an SccStatusError with the code the real API uses.

import { parseFindingFilter } from "./filter.js";
import {
  checkFindingId,
  type FindingRef,
  findingName,
  parseFindingName,
  parseOrganization,
  parseSourceName,
  parseSourceParent,
  parseSourcesParent,
  type Scope,
  scopeName,
  sourceName,
} from "./names.js";
import { camelToSnake, type SccProtos, snakeToCamel } from "./protos.js";
import { alreadyExists, invalidArgument, notFound } from "./status-error.js";
import {
  checkTimestamp,
  type JsonValue,
  timestampFromMillis,
  timestampToIso,
  timestampToMillis,
  valueToJson,
  type WireTimestamp,
  type WireValue,
} from "./wire.js";

/** A Finding message as proto-loader gives it (camelCase keys, enums as names, int64 as strings). */
export type WireFinding = Record<string, unknown>;
export type WireSource = { name: string; displayName: string; description: string; canonicalName: string };

/** A finding as tests read it: plain values, ISO times, plain source properties. */
export interface StandinFinding {
  /** Full name, always with a location: `organizations/O/sources/S/locations/global/findings/ID`. */
  name: string;
  parent: string;
  findingId: string;
  /** The source's own name, `organizations/O/sources/S`. */
  source: string;
  location: string;
  resourceName: string;
  category: string;
  state: string;
  severity: string;
  findingClass: string;
  mute: string;
  description: string;
  externalUri: string;
  /** RFC 3339, full precision; undefined when never set. */
  eventTime: string | undefined;
  createTime: string;
  sourceProperties: Record<string, JsonValue>;
  /** The stored protobuf object (camelCase), for fields not listed above. */
  raw: WireFinding;
}

export interface StandinSource {
  name: string;
  organization: string;
  displayName: string;
  description: string;
}

export type FindingWriteEffect = "created" | "updated" | "unchanged";

export interface SccStoreOptions {
  protos: SccProtos;
  /** Clock in ms; tests may fix it. */
  now: () => number;
  /** event_time may be at most this far in the future (clock skew) before INVALID_ARGUMENT. */
  futureEventTimeToleranceMs: number;
}

interface StoredSource {
  orgId: string;
  sourceId: string;
  displayName: string;
  description: string;
}

interface StoredFinding {
  ref: FindingRef;
  wire: WireFinding;
}

const sourcePropertyKey = /^[A-Za-z][A-Za-z0-9_]{0,254}$/;
const settableStates = new Set(["ACTIVE", "INACTIVE"]);
const settableMutes = new Set(["MUTED", "UNMUTED", "UNDEFINED"]);
const orderableFields = new Set([
  "name",
  "parent",
  "state",
  "category",
  "resource_name",
  "event_time",
  "severity",
]);

function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) =>
    v && typeof v === "object" && !Array.isArray(v) && !(v instanceof Uint8Array)
      ? Object.fromEntries(
          Object.entries(v as Record<string, unknown>).sort(([a], [b]) => a.localeCompare(b)),
        )
      : v,
  );
}

function encodePageToken(offset: number, query: string): string {
  return Buffer.from(JSON.stringify({ offset, query })).toString("base64url");
}

function decodePageToken(token: string, query: string): number {
  if (token === "") return 0;
  try {
    const decoded = JSON.parse(Buffer.from(token, "base64url").toString("utf8")) as {
      offset?: unknown;
      query?: unknown;
    };
    if (typeof decoded.offset === "number" && decoded.query === query) return decoded.offset;
  } catch {
    // fall through to the error below
  }
  throw invalidArgument(
    `page_token "${token}" does not belong to this query (parent, filter and order_by must stay the same between pages)`,
  );
}

function pageSizeOf(value: unknown): number {
  const size = Number(value ?? 0);
  if (!Number.isInteger(size) || size < 0)
    throw invalidArgument(`page_size ${String(value)} must be 0..1000`);
  if (size === 0) return 10;
  return Math.min(size, 1000);
}

export function createSccStore(options: SccStoreOptions) {
  const { protos, now } = options;
  const sources = new Map<string, StoredSource>();
  const findings = new Map<string, StoredFinding>();
  let nextSourceNumber = 1001;

  const keyOf = (ref: FindingRef) => `${ref.sourceId}/${ref.location}/${ref.findingId}`;

  function toWireSource(source: StoredSource): WireSource {
    const name = sourceName(source.orgId, source.sourceId);
    return { name, displayName: source.displayName, description: source.description, canonicalName: name };
  }

  function requireSource(
    sourceId: string,
    scope: Scope | undefined,
    field: string,
    value: string,
  ): StoredSource {
    const source = sources.get(sourceId);
    // A source belongs to one organization; under folders/projects the stand-in cannot check ancestry.
    if (!source || (scope?.kind === "organizations" && scope.id !== source.orgId)) {
      throw notFound(
        `${field} "${value}": source ${scope ? scopeName(scope) : "organizations/?"}/sources/${sourceId} not found`,
      );
    }
    return source;
  }

  function checkSourceFields(
    orgId: string,
    displayName: string,
    description: string,
    exceptId?: string,
  ): void {
    if (displayName.length < 1 || displayName.length > 64) {
      throw invalidArgument(`source.display_name must be 1 to 64 characters, got ${displayName.length}`);
    }
    if (description.length > 1024) {
      throw invalidArgument(`source.description must be at most 1024 characters, got ${description.length}`);
    }
    for (const other of sources.values()) {
      if (other.orgId === orgId && other.displayName === displayName && other.sourceId !== exceptId) {
        throw alreadyExists(
          `source.display_name "${displayName}" is already used by ${sourceName(orgId, other.sourceId)} (it must be unique within organizations/${orgId})`,
        );
      }
    }
  }

  /** Checks the values of a finding as sent by a client (not its name). */
  function checkFindingContent(finding: WireFinding, field: string): void {
    if (finding.eventTime !== undefined && finding.eventTime !== null) {
      const eventTime = finding.eventTime as WireTimestamp;
      checkTimestamp(eventTime, `${field}.event_time`);
      const millis = timestampToMillis(eventTime);
      if (millis > now() + options.futureEventTimeToleranceMs) {
        throw invalidArgument(
          `${field}.event_time ${timestampToIso(eventTime)} is in the future (now is ${new Date(now()).toISOString()}); it must not be later than the current time`,
        );
      }
    }
    const uri = finding.externalUri;
    if (typeof uri === "string" && uri !== "") {
      let ok = false;
      try {
        const parsed = new URL(uri);
        ok = parsed.protocol === "http:" || parsed.protocol === "https:";
      } catch {
        ok = false;
      }
      if (!ok)
        throw invalidArgument(`${field}.external_uri "${uri}" must be empty or a well-formed http(s) URL`);
    }
    for (const key of Object.keys((finding.sourceProperties as Record<string, unknown> | undefined) ?? {})) {
      if (!sourcePropertyKey.test(key)) {
        throw invalidArgument(
          `${field}.source_properties key "${key}" is invalid: 1 to 255 characters, starting with a letter, letters, digits and underscores only`,
        );
      }
    }
    for (const enumField of ["state", "severity", "findingClass", "mute"]) {
      if (typeof finding[enumField] === "number") {
        throw invalidArgument(
          `${field}.${camelToSnake(enumField)} has unknown enum value ${finding[enumField]}`,
        );
      }
    }
  }

  function checkImmutable(
    stored: WireFinding,
    incoming: WireFinding,
    fieldName: string,
    explicit: boolean,
  ): void {
    const before = (stored[fieldName] as string | undefined) ?? "";
    const after = (incoming[fieldName] as string | undefined) ?? "";
    if ((explicit || after !== "") && before !== after) {
      throw invalidArgument(
        `finding.${camelToSnake(fieldName)} is immutable: the finding has "${before}", the request has "${after}"`,
      );
    }
  }

  function createStoredFinding(ref: FindingRef, incoming: WireFinding, field: string): StoredFinding {
    const source = requireSource(ref.sourceId, ref.scope, field, findingName(ref));
    checkFindingContent(incoming, "finding");
    if (incoming.eventTime === undefined || incoming.eventTime === null) {
      throw invalidArgument("finding.event_time is required when creating a finding");
    }
    const wire: WireFinding = {};
    for (const [name, value] of Object.entries(structuredClone(incoming))) {
      const behavior = protos.findingFields.get(name)?.behavior;
      if (behavior === "OUTPUT_ONLY" || behavior === "IDENTIFIER" || name === "parent") continue;
      wire[name] = value;
    }
    const name = findingName(ref);
    wire.name = name;
    wire.canonicalName = name;
    wire.parent = `${scopeName(ref.scope)}/sources/${ref.sourceId}/locations/${ref.location}`;
    wire.parentDisplayName = source.displayName;
    // The stand-in keeps a requested ACTIVE/INACTIVE and otherwise starts findings ACTIVE.
    wire.state = settableStates.has(incoming.state as string) ? incoming.state : "ACTIVE";
    wire.createTime = timestampFromMillis(now());
    const stored = { ref, wire };
    findings.set(keyOf(ref), stored);
    return stored;
  }

  function applyUpdate(stored: StoredFinding, incoming: WireFinding, maskPaths: string[]): void {
    checkFindingContent(incoming, "finding");
    const wire = stored.wire;
    if (maskPaths.length === 0) {
      for (const field of protos.findingFields.values()) {
        if (field.name === "state") {
          if (settableStates.has(incoming.state as string)) wire.state = incoming.state;
          continue;
        }
        if (field.behavior === "OUTPUT_ONLY" || field.behavior === "IDENTIFIER" || field.name === "parent")
          continue;
        if (field.behavior === "IMMUTABLE") {
          checkImmutable(wire, incoming, field.name, false);
          continue;
        }
        if (incoming[field.name] === undefined) delete wire[field.name];
        else wire[field.name] = structuredClone(incoming[field.name]);
      }
      return;
    }
    for (const path of maskPaths) {
      const [head = "", ...rest] = path.split(".");
      const fieldName = snakeToCamel(head);
      const field = protos.findingFields.get(fieldName);
      if (!field) throw invalidArgument(`update_mask path "${path}": Finding has no field "${head}"`);
      if (rest.length > 0) {
        if (fieldName !== "sourceProperties") {
          throw invalidArgument(
            `update_mask path "${path}": the stand-in supports nested paths only under source_properties`,
          );
        }
        const key = rest.join(".");
        if (!sourcePropertyKey.test(key)) {
          throw invalidArgument(`update_mask path "${path}": "${key}" is not a valid source_properties key`);
        }
        const incomingProps = (incoming.sourceProperties as Record<string, WireValue> | undefined) ?? {};
        const props = { ...((wire.sourceProperties as Record<string, WireValue> | undefined) ?? {}) };
        if (incomingProps[key] === undefined) delete props[key];
        else props[key] = structuredClone(incomingProps[key]);
        wire.sourceProperties = props;
        continue;
      }
      if (fieldName === "state") {
        if (!settableStates.has(incoming.state as string)) {
          throw invalidArgument(
            `update_mask path "state": state must be ACTIVE or INACTIVE, got ${String(incoming.state ?? "unset")}`,
          );
        }
        wire.state = incoming.state;
        continue;
      }
      if (field.behavior === "OUTPUT_ONLY" || field.behavior === "IDENTIFIER" || fieldName === "parent")
        continue;
      if (field.behavior === "IMMUTABLE") {
        checkImmutable(wire, incoming, fieldName, true);
        continue;
      }
      if (incoming[fieldName] === undefined) delete wire[fieldName];
      else wire[fieldName] = structuredClone(incoming[fieldName]);
    }
  }

  function toStandinFinding(stored: StoredFinding): StandinFinding {
    const w = stored.wire;
    const str = (key: string, fallback = "") => (typeof w[key] === "string" ? (w[key] as string) : fallback);
    const source = sources.get(stored.ref.sourceId);
    return {
      name: str("name"),
      parent: str("parent"),
      findingId: stored.ref.findingId,
      source: source ? sourceName(source.orgId, source.sourceId) : `?/sources/${stored.ref.sourceId}`,
      location: stored.ref.location,
      resourceName: str("resourceName"),
      category: str("category"),
      state: str("state", "STATE_UNSPECIFIED"),
      severity: str("severity", "SEVERITY_UNSPECIFIED"),
      findingClass: str("findingClass", "FINDING_CLASS_UNSPECIFIED"),
      mute: str("mute", "MUTE_UNSPECIFIED"),
      description: str("description"),
      externalUri: str("externalUri"),
      eventTime: w.eventTime ? timestampToIso(w.eventTime as WireTimestamp) : undefined,
      createTime: timestampToIso(w.createTime as WireTimestamp),
      sourceProperties: Object.fromEntries(
        Object.entries((w.sourceProperties as Record<string, WireValue> | undefined) ?? {}).map(([k, v]) => [
          k,
          valueToJson(v),
        ]),
      ),
      raw: structuredClone(w),
    };
  }

  function findExisting(name: string, field: string): StoredFinding {
    const ref = parseFindingName(name, field);
    requireSource(ref.sourceId, ref.scope, field, name);
    const stored = findings.get(keyOf(ref));
    if (!stored) throw notFound(`finding ${findingName(ref)} not found`);
    return stored;
  }

  function inScope(stored: StoredFinding, scope: Scope): boolean {
    if (scope.kind === "organizations") return sources.get(stored.ref.sourceId)?.orgId === scope.id;
    if (scopeName(stored.ref.scope) === scopeName(scope)) return true;
    // A project-level listing also shows org-level findings on that project's resources.
    return (
      scope.kind === "projects" && String(stored.wire.resourceName ?? "").includes(`/projects/${scope.id}/`)
    );
  }

  return {
    createSource(
      parent: string,
      source: { displayName?: string; description?: string } | undefined,
    ): WireSource {
      const orgId = parseOrganization(parent, "parent");
      const displayName = source?.displayName ?? "";
      const description = source?.description ?? "";
      checkSourceFields(orgId, displayName, description);
      const stored = { orgId, sourceId: String(nextSourceNumber++), displayName, description };
      sources.set(stored.sourceId, stored);
      return toWireSource(stored);
    },

    getSource(name: string): WireSource {
      const { orgId, sourceId } = parseSourceName(name, "name");
      return toWireSource(requireSource(sourceId, { kind: "organizations", id: orgId }, "name", name));
    },

    updateSource(source: Partial<WireSource> | undefined, maskPaths: string[]): WireSource {
      if (!source?.name) throw invalidArgument("source.name is required");
      const { orgId, sourceId } = parseSourceName(source.name, "source.name");
      const stored = requireSource(
        sourceId,
        { kind: "organizations", id: orgId },
        "source.name",
        source.name,
      );
      const paths = maskPaths.length === 0 ? ["display_name", "description"] : maskPaths;
      let { displayName, description } = stored;
      for (const path of paths) {
        if (path === "display_name" || path === "displayName") displayName = source.displayName ?? "";
        else if (path === "description") description = source.description ?? "";
        else
          throw invalidArgument(
            `update_mask path "${path}": only display_name and description can be updated`,
          );
      }
      checkSourceFields(orgId, displayName, description, sourceId);
      stored.displayName = displayName;
      stored.description = description;
      return toWireSource(stored);
    },

    listSources(parent: string, pageSize: unknown, pageToken: string) {
      const scope = parseSourcesParent(parent, "parent");
      // Folders and projects: the stand-in cannot know their organization, so it lists every source.
      const all = [...sources.values()].filter((s) => scope.kind !== "organizations" || s.orgId === scope.id);
      const size = pageSizeOf(pageSize);
      const offset = decodePageToken(pageToken, parent);
      const page = all.slice(offset, offset + size);
      const next = offset + size < all.length ? encodePageToken(offset + size, parent) : "";
      return { sources: page.map(toWireSource), nextPageToken: next };
    },

    createFinding(parent: string, findingId: string, finding: WireFinding | undefined): WireFinding {
      const ref = parseSourceParent(parent, "parent", { organizationsOnly: true, allowAllSources: false });
      checkFindingId(findingId, "finding_id");
      if (!finding) throw invalidArgument("finding is required");
      const full = { ...ref, findingId };
      if (findings.has(keyOf(full))) throw alreadyExists(`finding ${findingName(full)} already exists`);
      return structuredClone(createStoredFinding(full, finding, "parent").wire);
    },

    /** Creates or updates; `effect` says which (and "unchanged" for an identical redelivery). */
    updateFinding(
      finding: WireFinding | undefined,
      maskPaths: string[],
    ): { finding: WireFinding; effect: FindingWriteEffect } {
      if (!finding || typeof finding.name !== "string" || finding.name === "") {
        throw invalidArgument("finding.name is required");
      }
      const ref = parseFindingName(finding.name, "finding.name");
      requireSource(ref.sourceId, ref.scope, "finding.name", finding.name);
      const existing = findings.get(keyOf(ref));
      if (!existing) {
        // The proto says the mask "should not be specified when creating"; the stand-in ignores it
        // on creation and stores every field sent.
        return {
          finding: structuredClone(createStoredFinding(ref, finding, "finding.name").wire),
          effect: "created",
        };
      }
      const before = canonicalJson(existing.wire);
      const draft: StoredFinding = { ref: existing.ref, wire: structuredClone(existing.wire) };
      applyUpdate(draft, finding, maskPaths);
      const changed = canonicalJson(draft.wire) !== before;
      if (changed) existing.wire = draft.wire;
      return { finding: structuredClone(existing.wire), effect: changed ? "updated" : "unchanged" };
    },

    setFindingState(name: string, state: unknown): WireFinding {
      const stored = findExisting(name, "name");
      if (!settableStates.has(state as string)) {
        throw invalidArgument(
          `state must be ACTIVE or INACTIVE, got ${String(state ?? "STATE_UNSPECIFIED")}`,
        );
      }
      stored.wire.state = state;
      return structuredClone(stored.wire);
    },

    setMute(name: string, mute: unknown): WireFinding {
      const stored = findExisting(name, "name");
      if (!settableMutes.has(mute as string)) {
        throw invalidArgument(
          `mute must be MUTED, UNMUTED or UNDEFINED, got ${String(mute ?? "MUTE_UNSPECIFIED")}`,
        );
      }
      stored.wire.mute = mute;
      stored.wire.muteUpdateTime = timestampFromMillis(now());
      return structuredClone(stored.wire);
    },

    listFindings(request: {
      parent?: string;
      filter?: string;
      orderBy?: string;
      pageSize?: unknown;
      pageToken?: string;
    }) {
      const parent = request.parent ?? "";
      const ref = parseSourceParent(parent, "parent", { organizationsOnly: false, allowAllSources: true });
      if (ref.sourceId !== "-") requireSource(ref.sourceId, ref.scope, "parent", parent);
      const filter = request.filter ?? "";
      const predicate = parseFindingFilter(filter);
      const orderBy = request.orderBy ?? "";
      const order = orderBy
        .split(",")
        .map((part) => part.trim())
        .filter((part) => part !== "")
        .map((part) => {
          const [field = "", direction, ...extra] = part.split(/\s+/);
          if (
            !orderableFields.has(field) ||
            extra.length > 0 ||
            (direction !== undefined && direction !== "desc")
          ) {
            throw invalidArgument(
              `order_by "${orderBy}": "${part}" is not "<field> [desc]" with field one of ${[...orderableFields].join(", ")}`,
            );
          }
          return { field: snakeToCamel(field), descending: direction === "desc" };
        });

      const matching = [...findings.values()]
        .filter(
          (stored) =>
            (ref.sourceId === "-" || stored.ref.sourceId === ref.sourceId) &&
            stored.ref.location === ref.location &&
            inScope(stored, ref.scope),
        )
        .map(toStandinFinding)
        .filter((f) =>
          predicate({
            ...f,
            eventTimeMillis: f.raw.eventTime
              ? timestampToMillis(f.raw.eventTime as WireTimestamp)
              : undefined,
          }),
        );
      if (order.length > 0) {
        const sortKey = (f: StandinFinding, field: string): string | number =>
          field === "eventTime"
            ? f.raw.eventTime
              ? timestampToMillis(f.raw.eventTime as WireTimestamp)
              : 0
            : String((f as unknown as Record<string, unknown>)[field] ?? "");
        matching.sort((a, b) => {
          for (const { field, descending } of order) {
            const x = sortKey(a, field);
            const y = sortKey(b, field);
            if (x !== y) return (x < y ? -1 : 1) * (descending ? -1 : 1);
          }
          return 0;
        });
      }
      const query = `${parent}\n${filter}\n${orderBy}`;
      const size = pageSizeOf(request.pageSize);
      const offset = decodePageToken(request.pageToken ?? "", query);
      const page = matching.slice(offset, offset + size);
      return {
        listFindingsResults: page.map((f) => ({
          finding: f.raw,
          resource: {
            name: f.resourceName,
            displayName: f.resourceName.split("/").at(-1) ?? "",
            ...(f.resourceName.startsWith("//") && {
              service: f.resourceName.slice(2).split("/")[0] ?? "",
              cloudProvider: "GOOGLE_CLOUD_PLATFORM",
            }),
          },
        })),
        nextPageToken: offset + size < matching.length ? encodePageToken(offset + size, query) : "",
        totalSize: matching.length,
      };
    },

    /** Adds a source directly (no gRPC), e.g. to prepare a test or `npm start`. */
    seedSource(organizationId: string, displayName: string, description = ""): StandinSource {
      const orgId = parseOrganization(`organizations/${organizationId}`, "organization");
      checkSourceFields(orgId, displayName, description);
      const stored = { orgId, sourceId: String(nextSourceNumber++), displayName, description };
      sources.set(stored.sourceId, stored);
      return {
        name: sourceName(orgId, stored.sourceId),
        organization: `organizations/${orgId}`,
        displayName,
        description,
      };
    },

    sources(): StandinSource[] {
      return [...sources.values()].map((s) => ({
        name: sourceName(s.orgId, s.sourceId),
        organization: `organizations/${s.orgId}`,
        displayName: s.displayName,
        description: s.description,
      }));
    },

    findings(): StandinFinding[] {
      return [...findings.values()].map(toStandinFinding);
    },

    reset(): void {
      sources.clear();
      findings.clear();
    },
  };
}

export type SccStore = ReturnType<typeof createSccStore>;
