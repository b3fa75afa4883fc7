// Actions held for a person's approval: how the playbooks that ask for one action combine their
// policies, and how one alert's commands split into those published now and those the ledger keeps
// until someone decides (or the deadline does).
//
// Merge rule (documented in the README): among the playbooks that shape an action (the live ones, or the
// trial ones when none is live — a trial playbook never holds a live action back), the action is held if
// any of them holds it; the shortest timeout wins, `abandon` wins over `proceed`, and the approvers are
// united (in file order). Holding is the cautious side of each: a second playbook can make a person look
// sooner and refuse to act without one, never act without the person another playbook asked for.
import {
  type ActionName,
  type ApprovalPolicy,
  AwaitingApproval,
  type Command,
  type OnTimeout,
} from "@riposte/contracts";
import { z } from "zod";

/** An action's merged hold, and the playbooks whose approval it comes from. */
export interface PlannedApproval extends ApprovalPolicy {
  playbooks: string[];
}

/** The policies of the requests that hold the action, merged; undefined when none holds it. */
export function mergeApproval(
  requests: readonly { playbook: { name: string }; approval?: ApprovalPolicy }[],
): PlannedApproval | undefined {
  const holding = requests.filter((request) => request.approval !== undefined);
  if (holding.length === 0) return undefined;
  const policies = holding.map((request) => request.approval as ApprovalPolicy);
  const onTimeout: OnTimeout = policies.some((policy) => policy.onTimeout === "abandon")
    ? "abandon"
    : "proceed";
  return {
    timeoutSeconds: Math.min(...policies.map((policy) => policy.timeoutSeconds)),
    onTimeout,
    approvers: [...new Set(policies.flatMap((policy) => policy.approvers))],
    playbooks: [...new Set(holding.map((request) => request.playbook.name))],
  };
}

/** What the ledger is asked to keep for one held action (Ledger.requestApprovals). */
export interface ApprovalRequest {
  action: ActionName;
  deadline: Date;
  onTimeout: OnTimeout;
  approvers: string[];
  command: Command;
}

interface Built {
  topic: string;
  command: Command;
}

/**
 * One alert's commands (index-aligned with its planned actions) split into those published now and those
 * held, each with its deadline counted from the commands' issue time.
 */
export function splitHeld(
  planned: readonly { action: ActionName; approval?: PlannedApproval }[],
  commands: readonly Built[],
  issuedAt: Date,
): { publish: Built[]; held: ApprovalRequest[] } {
  const publish: Built[] = [];
  const held: ApprovalRequest[] = [];
  commands.forEach((built, index) => {
    const approval = planned[index]?.approval;
    if (!approval) {
      publish.push(built);
      return;
    }
    held.push({
      action: planned[index]?.action as ActionName,
      deadline: new Date(issuedAt.getTime() + approval.timeoutSeconds * 1_000),
      onTimeout: approval.onTimeout,
      approvers: [...approval.approvers],
      command: built.command,
    });
  });
  return { publish, held };
}

const AwaitingList = z.array(AwaitingApproval);

/**
 * The commands published now, each telling the incident's held actions as the ledger stores them (a
 * redelivery shows the first deadlines, not new ones), checked against the contract here: a bad list
 * would otherwise be refused by every service that receives one of these commands.
 */
export function withAwaiting(publish: readonly Built[], awaiting: readonly AwaitingApproval[]): Built[] {
  if (awaiting.length === 0) return [...publish];
  const checked = AwaitingList.parse(awaiting);
  return publish.map(({ topic, command }) => ({
    topic,
    command: {
      ...command,
      awaitingApproval: checked.map((item) => ({ ...item, approvers: [...item.approvers] })),
    },
  }));
}
