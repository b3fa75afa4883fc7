// The shape of a CLI command, and the one way errors reach the user: a single clear line.
import { type ParseArgsConfig, parseArgs } from "node:util";

export class UsageError extends Error {
  override readonly name = "UsageError";
}

export interface Command {
  name: string;
  summary: string;
  usage: string;
  run(args: string[]): Promise<number>;
}

type Options = NonNullable<ParseArgsConfig["options"]>;

/** parseArgs with `--help` handled and unknown options turned into a UsageError naming them. */
export function parseCommandArgs<O extends Options>(
  command: Pick<Command, "usage">,
  args: string[],
  options: O,
) {
  try {
    return parseArgs({
      args,
      options: { ...options, help: { type: "boolean", short: "h" } },
      allowPositionals: true,
      strict: true,
    });
  } catch (error) {
    throw new UsageError(`${(error as Error).message}\n\n${command.usage}`);
  }
}
