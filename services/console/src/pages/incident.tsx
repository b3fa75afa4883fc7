// One incident: the alert, the router's decision with the playbooks that matched, each action (its
// attempts, outcome, Job, approval — with Approve / Deny while it waits — and evidence), the
// notifications, the SCC finding and the trace, then the whole timeline in time order (the ledger's
// incident view, as `riposte incidents show` prints it). Links go only where PageLinks builds them
// from validated ids; everything else, alert text above all, is text.
import {
  type ActionView,
  actionState,
  describeTarget,
  type IncidentView,
  incidentTimeline,
} from "@riposte/ledger";
import type { FC } from "hono/jsx";
import { DecideButtons } from "./approvals.js";
import type { PageLinks } from "./deps.js";
import { type Frame, Layout, State, Time } from "./layout.js";

/** A console link when there is one; else the text, and the CLI command that shows it (if any). */
const Link: FC<{ href: string | null; text: string; command?: string }> = ({ href, text, command }) =>
  href ? (
    <a href={href} rel="noreferrer noopener" target="_blank">
      {text}
    </a>
  ) : (
    <>
      <span class="mono">{text}</span>
      {command && (
        <>
          {" "}
          <span class="muted">— run</span> <code>{command}</code>
        </>
      )}
    </>
  );

function fieldText(value: unknown): string {
  return typeof value === "string" ? value : JSON.stringify(value);
}

const Alert: FC<{ view: IncidentView }> = ({ view }) => {
  const { alert, target } = view;
  if (!alert) return <p class="note">No alert recorded (the router's claim was not found).</p>;
  return (
    <>
      <dl class="facts" id="alert">
        <dt>rule</dt>
        <dd>{view.rule}</dd>
        <dt>priority</dt>
        <dd>{view.priority}</dd>
        <dt>target</dt>
        <dd>{describeTarget(target)}</dd>
        {target?.containerId && (
          <>
            <dt>container</dt>
            <dd class="mono">{target.containerId}</dd>
          </>
        )}
        {target?.image && (
          <>
            <dt>image</dt>
            <dd class="mono">{target.image}</dd>
          </>
        )}
        <dt>alert time</dt>
        <dd class="mono">{alert.time}</dd>
        <dt>source / host</dt>
        <dd>
          {alert.source ?? "?"} / {alert.hostname ?? "?"}
        </dd>
        <dt>tags</dt>
        <dd>{alert.tags.join(", ") || "none"}</dd>
      </dl>
      <h2>Output</h2>
      <pre id="output">{alert.output}</pre>
      <h2>Output fields</h2>
      <table id="output-fields">
        <tbody>
          {Object.entries(alert.outputFields).map(([name, value]) => (
            <tr>
              <th class="mono">{name}</th>
              <td class="mono">{fieldText(value)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </>
  );
};

const Approval: FC<{ action: ActionView; frame: Frame; incident: string }> = ({
  action,
  frame,
  incident,
}) => {
  const { approval } = action;
  if (!approval) return null;
  if (approval.state === "awaiting-approval")
    return (
      <div>
        <State state="awaiting-approval" /> until <Time at={approval.deadline} />
        <DecideButtons csrf={frame.csrf} incident={incident} action={action.action} back="incident" />
      </div>
    );
  return (
    <div>
      <State state={approval.state} />
      {approval.by && (
        <>
          {" "}
          by <span class="mono">{approval.by}</span>
          {approval.via && ` via ${approval.via}`}
        </>
      )}
      {approval.at && (
        <>
          , <Time at={approval.at} />
        </>
      )}
      {approval.reason && <div>“{approval.reason}”</div>}
    </div>
  );
};

const Actions: FC<{ view: IncidentView; frame: Frame; links: PageLinks }> = ({ view, frame, links }) => (
  <table id="actions">
    <thead>
      <tr>
        <th>Action</th>
        <th>Planned</th>
        <th>Attempts</th>
        <th>Outcome</th>
        <th>Approval</th>
      </tr>
    </thead>
    <tbody>
      {view.actions.map((action) => (
        <tr id={`action-${action.action}`}>
          <td class="mono">{action.action}</td>
          <td>
            {action.playbooks.join(", ") || <span class="muted">not in the decision</span>}
            {action.dryRun && <div>dry run</div>}
            {action.after && (
              <div class="muted">
                after {action.after.actions.join(", ")}, ≤ {action.after.waitSeconds} s
              </div>
            )}
          </td>
          <td>
            {action.attempts} {action.service && <span class="muted">({action.service})</span>}
            {action.lastAttemptAt && (
              <div class="muted">
                last <Time at={action.lastAttemptAt} />
              </div>
            )}
          </td>
          <td>
            <State state={actionState(action)} />
            {action.outcome && (
              <div>
                {action.outcome.reason}{" "}
                <span class="muted">
                  (<Time at={action.outcome.at} />)
                </span>
              </div>
            )}
            {action.outcome?.location && (
              <div>
                evidence:{" "}
                <Link
                  href={links.evidence(action.outcome.location)}
                  text={action.outcome.location}
                  command={`npx riposte evidence list ${view.incident}`}
                />
              </div>
            )}
            {action.job && (
              <div>
                Job <span class="mono">{action.job.name}</span> {action.job.state}
                {action.job.reason && ` (${action.job.reason})`}
              </div>
            )}
          </td>
          <td>
            <Approval action={action} frame={frame} incident={view.incident} />
          </td>
        </tr>
      ))}
    </tbody>
  </table>
);

const Timeline: FC<{ view: IncidentView }> = ({ view }) => (
  <table id="timeline">
    <thead>
      <tr>
        <th>At (UTC)</th>
        <th>What</th>
        <th>Details</th>
      </tr>
    </thead>
    <tbody>
      {incidentTimeline(view).map((event) => (
        <tr>
          <td class="time">
            <Time at={event.at} />
          </td>
          <td class="mono">{event.what}</td>
          <td>{event.text}</td>
        </tr>
      ))}
    </tbody>
  </table>
);

export const IncidentPage: FC<{ frame: Frame; view: IncidentView; links: PageLinks }> = ({
  frame,
  view,
  links,
}) => (
  <Layout title={`Incident ${view.shortKey}`} section="incidents" frame={frame}>
    <p class="mono muted">{view.incident}</p>
    <Alert view={view} />
    <h2>Decision</h2>
    {view.decision ? (
      <p id="decision">
        <State state={view.decision.state} /> at <Time at={view.decision.claimedAt} /> — playbooks that
        matched: {view.decision.playbooks.length > 0 ? view.decision.playbooks.join(", ") : "none"}
      </p>
    ) : (
      <p class="note">No routing decision recorded.</p>
    )}
    <h2>Actions</h2>
    <Actions view={view} frame={frame} links={links} />
    <h2>Notifications</h2>
    {view.notifications.length === 0 ? (
      <p class="note">No notification recorded.</p>
    ) : (
      <table id="notifications">
        <tbody>
          {view.notifications.map((notification) => (
            <tr>
              <td class="mono">{notification.destination}</td>
              <td>
                <State state={notification.status} /> {notification.reason}
              </td>
              <td class="time">
                <Time at={notification.at} />
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    )}
    <h2>Finding and trace</h2>
    <dl class="facts">
      <dt>SCC finding</dt>
      <dd id="finding">
        {view.finding ? (
          <Link href={links.finding(view.finding.name)} text={view.finding.name} />
        ) : (
          <span class="muted">none recorded</span>
        )}
      </dd>
      <dt>trace</dt>
      <dd id="trace">
        <Link
          href={links.trace(view.trace.traceId)}
          text={view.trace.traceId}
          command={`npx riposte trace ${view.shortKey}`}
        />
      </dd>
    </dl>
    <h2>Timeline</h2>
    <Timeline view={view} />
  </Layout>
);

export const IncidentChoicePage: FC<{ frame: Frame; typed: string; keys: string[] }> = ({
  frame,
  typed,
  keys,
}) => (
  <Layout
    title={keys.length === 0 ? "No such incident" : `${keys.length} incidents start with ${typed}`}
    section="incidents"
    frame={frame}
  >
    {keys.length === 0 ? (
      <p class="note">No incident in the ledger has that key.</p>
    ) : (
      <ul>
        {keys.map((key) => (
          <li class="mono">
            <a href={`/incidents/${key}`}>{key}</a>
          </li>
        ))}
      </ul>
    )}
  </Layout>
);
