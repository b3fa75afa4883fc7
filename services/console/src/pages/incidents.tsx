// The incidents page: what Riposte did, newest first, filtered by time window, cluster, rule and
// result (GET parameters, validated in filters.ts). The ledger filters on time and cluster; rule and
// result are matched here over a bounded scan, and the page says when it stopped before the end.
import {
  type ActionView,
  actionState,
  describeTarget,
  type IncidentView,
  incidentView,
  LIST_SCAN_MAX,
} from "@riposte/ledger";
import type { FC } from "hono/jsx";
import type { PagesLedger } from "./deps.js";
import { DEFAULT_WINDOW, type IncidentFilters, LIMIT_MAX, RESULTS, WINDOWS } from "./filters.js";
import { type Frame, Layout, State, Time } from "./layout.js";

/** With a rule or result filter, this many incidents of the window are read to find `limit` matches. */
const FILTER_SCAN = 1_000;

export interface IncidentListing {
  incidents: IncidentView[];
  /** More may match than shown: the limit, or the scan's bound. */
  truncated: boolean;
  unreadable: string[];
}

function matches(view: IncidentView, filters: IncidentFilters): boolean {
  if (filters.rule !== undefined && !(view.rule ?? "").toLowerCase().includes(filters.rule.toLowerCase()))
    return false;
  if (filters.result !== undefined && !view.actions.some((action) => actionState(action) === filters.result))
    return false;
  return true;
}

export async function listIncidentViews(
  ledger: PagesLedger,
  filters: IncidentFilters,
): Promise<IncidentListing> {
  const scanning = filters.rule !== undefined || filters.result !== undefined;
  const list = await ledger.listIncidents({
    since: filters.since,
    limit: scanning ? FILTER_SCAN : filters.limit,
    ...(filters.cluster ? { cluster: filters.cluster } : {}),
  });
  // Links are the incident page's business; the list needs none.
  const views = list.incidents
    .map((record) => incidentView(record, () => null))
    .filter((view) => matches(view, filters));
  return {
    incidents: views.slice(0, filters.limit),
    truncated: list.truncated || views.length > filters.limit,
    unreadable: list.unreadable,
  };
}

const Filters: FC<{ filters: IncidentFilters }> = ({ filters }) => {
  const windows: string[] = WINDOWS.includes(filters.sinceText as (typeof WINDOWS)[number])
    ? [...WINDOWS]
    : [...WINDOWS, filters.sinceText];
  return (
    <form class="filters" method="get" action="/incidents">
      <label>
        Since
        <select name="since">
          {windows.map((window) => (
            <option value={window} selected={window === filters.sinceText}>
              {WINDOWS.includes(window as (typeof WINDOWS)[number]) ? `last ${window}` : window}
            </option>
          ))}
        </select>
      </label>
      <label>
        Cluster
        <input name="cluster" value={filters.cluster ?? ""} maxlength={63} placeholder="any" />
      </label>
      <label>
        Rule contains
        <input name="rule" value={filters.rule ?? ""} maxlength={200} placeholder="any" />
      </label>
      <label>
        Result
        <select name="result">
          <option value="" selected={filters.result === undefined}>
            any
          </option>
          {RESULTS.map((result) => (
            <option value={result} selected={result === filters.result}>
              {result}
            </option>
          ))}
        </select>
      </label>
      <label>
        Limit
        <input name="limit" type="number" min={1} max={LIMIT_MAX} value={String(filters.limit)} />
      </label>
      <button type="submit">Filter</button>
      <a href="/incidents">reset</a>
    </form>
  );
};

const ActionStates: FC<{ actions: ActionView[] }> = ({ actions }) =>
  actions.length === 0 ? (
    <span class="muted">no actions</span>
  ) : (
    <div>
      {actions.map((action) => (
        <div>
          <span class="mono">{action.action}</span>
          {action.dryRun ? " (dry run) " : " "}
          <State state={actionState(action)} />
        </div>
      ))}
    </div>
  );

export const IncidentsPage: FC<{ frame: Frame; filters: IncidentFilters; listing: IncidentListing }> = ({
  frame,
  filters,
  listing,
}) => (
  <Layout title="Incidents" section="incidents" frame={frame}>
    <Filters filters={filters} />
    {listing.incidents.length === 0 ? (
      <p class="note">
        No incidents match
        {filters.sinceText === DEFAULT_WINDOW ? " in the last 24 hours" : ""}.
      </p>
    ) : (
      <table id="incidents">
        <thead>
          <tr>
            <th>Routed (UTC)</th>
            <th>Incident</th>
            <th>Priority</th>
            <th>Rule</th>
            <th>Target</th>
            <th>Actions</th>
          </tr>
        </thead>
        <tbody>
          {listing.incidents.map((view) => (
            <tr>
              <td class="time">
                <Time at={view.decision?.claimedAt} />
              </td>
              <td class="mono">
                <a href={`/incidents/${view.incident}`}>{view.shortKey}</a>
              </td>
              <td>{view.priority ?? "?"}</td>
              <td>{view.rule ?? "(no alert recorded)"}</td>
              <td>{describeTarget(view.target)}</td>
              <td>
                <ActionStates actions={view.actions} />
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    )}
    {listing.truncated && (
      <p class="note">
        More incidents match than are shown: narrow the window or raise the limit (a cluster filter reads at
        most {LIST_SCAN_MAX.toLocaleString("en")} incidents, a rule or result filter the newest {FILTER_SCAN}
        ).
      </p>
    )}
    {listing.unreadable.length > 0 && (
      <p class="note">
        {listing.unreadable.length} ledger documents in the window could not be read and were skipped:{" "}
        <span class="mono">{listing.unreadable.join(", ")}</span>
      </p>
    )}
  </Layout>
);

export const BadFiltersPage: FC<{ frame: Frame; problems: string[] }> = ({ frame, problems }) => (
  <Layout title="Incidents: these filters cannot be used" section="incidents" frame={frame}>
    <ul class="problems" id="problems">
      {problems.map((problem) => (
        <li>{problem}</li>
      ))}
    </ul>
    <p>
      <a href="/incidents">Show the last 24 hours without filters</a>
    </p>
  </Layout>
);
