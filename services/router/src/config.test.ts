import { loadConfig } from "@riposte/service-kit";
import { describe, expect, it } from "vitest";
import { playbooksFilePath, routerEnv } from "./config.js";

describe("router config", () => {
  it("a relative PLAYBOOKS_FILE is found where the user ran npm start (INIT_CWD), not in services/router", () => {
    const config = loadConfig(routerEnv, {
      PLAYBOOKS_FILE: "ops/playbooks.yaml",
      INIT_CWD: "/home/op/riposte",
    });
    expect(playbooksFilePath(config, "/home/op/riposte/services/router")).toBe(
      "/home/op/riposte/ops/playbooks.yaml",
    );
  });

  it("without INIT_CWD (not started by npm) it is relative to the process's directory", () => {
    const config = loadConfig(routerEnv, { PLAYBOOKS_FILE: "playbooks.yaml" });
    expect(playbooksFilePath(config, "/srv/router")).toBe("/srv/router/playbooks.yaml");
  });

  it("an absolute PLAYBOOKS_FILE is used as it is; unset means the shipped playbooks", () => {
    expect(
      playbooksFilePath(
        loadConfig(routerEnv, { PLAYBOOKS_FILE: "/etc/riposte/p.yaml", INIT_CWD: "/x" }),
        "/y",
      ),
    ).toBe("/etc/riposte/p.yaml");
    expect(playbooksFilePath(loadConfig(routerEnv, {}), "/y")).toBeUndefined();
  });
});
