// The console's scheduled call: Cloud Scheduler (every minute) posts to /scheduled/approvals and
// `riposte dev` does locally. It applies the deadline rule of every held action whose deadline passed
// and publishes what a decider claimed and did not finish (runDueApprovals, approvals/due.ts).
export const APPROVALS_PATH = "/scheduled/approvals";
/** A deadline is applied at most this late; an interrupted publish is retried this soon after its claim expires. */
export const APPROVALS_SCHEDULE = { cron: "* * * * *", everySeconds: 60 } as const;
