// `riposte sim`: the simulated Kubernetes API server on its own (the k8s-sim package does the work).
import { runSimCli } from "@riposte/k8s-sim";
import type { Command } from "./command.js";

export const simCommand: Command = {
  name: "sim",
  summary: "run the simulated Kubernetes API server (kubectl can drive it)",
  usage: "Usage: riposte sim [--port N] [--host H] [--seed FILE.yaml…] [--rbac FILE.yaml…] [--https]",
  async run(args) {
    await runSimCli(args);
    return 0;
  },
};
