// The protobuf Job of `kubectl create job` (captured from kubectl 1.32) decodes to its JSON shape;
// a field outside what the sim decodes is refused, never dropped.

import { describe, expect, it } from "vitest";
import { decodeProtobufJob, ProtobufSubsetError } from "./protobuf-job.js";

/** `kubectl create job cap-1 --image=busybox -n shop -- sh -c "echo hi"`, as sent. */
const CAPTURED =
  "6b3873000a0f0a0862617463682f763112034a6f621295010a190a056361702d3112001a0473686f7022002a00320038004200126e326c0a100a0012001a0022002a00320038004200125812350a056361702d31120762757379626f781a0273681a022d631a076563686f2068692a0042006a007200800100880100900100a201001a054e65766572320042004a0052005800600068008201008a01009a0100c201001a082000280030003a001a002200";

function varint(n: number): number[] {
  const out: number[] = [];
  let v = n;
  while (v > 0x7f) {
    out.push((v & 0x7f) | 0x80);
    v >>>= 7;
  }
  out.push(v);
  return out;
}
const bytes = (field: number, value: number[] | string): number[] => {
  const data = typeof value === "string" ? [...Buffer.from(value)] : value;
  return [...varint((field << 3) | 2), ...varint(data.length), ...data];
};
const int = (field: number, value: number): number[] => [...varint(field << 3), ...varint(value)];

function envelope(job: number[]): Uint8Array {
  const typeMeta = [...bytes(1, "batch/v1"), ...bytes(2, "Job")];
  return Uint8Array.from([0x6b, 0x38, 0x73, 0x00, ...bytes(1, typeMeta), ...bytes(2, job)]);
}

describe("decodeProtobufJob", () => {
  it("decodes what kubectl create job sends, dropping Go's zero values", () => {
    expect(decodeProtobufJob(Buffer.from(CAPTURED, "hex"))).toEqual({
      apiVersion: "batch/v1",
      kind: "Job",
      metadata: { name: "cap-1", namespace: "shop" },
      spec: {
        template: {
          metadata: {},
          spec: {
            containers: [{ name: "cap-1", image: "busybox", command: ["sh", "-c", "echo hi"] }],
            restartPolicy: "Never",
          },
        },
      },
    });
  });

  it("decodes labels, pointer integers (0 included) and env", () => {
    const container = [
      ...bytes(1, "c"),
      ...bytes(2, "img"),
      ...bytes(7, [...bytes(1, "K"), ...bytes(2, "v")]),
    ];
    const job = [
      ...bytes(1, [...bytes(1, "j"), ...bytes(11, [...bytes(1, "app"), ...bytes(2, "cap")])]),
      ...bytes(2, [
        ...int(7, 0),
        ...int(2, 3),
        ...bytes(6, bytes(2, [...bytes(2, container), ...bytes(3, "OnFailure")])),
      ]),
    ];
    expect(decodeProtobufJob(envelope(job))).toEqual({
      apiVersion: "batch/v1",
      kind: "Job",
      metadata: { name: "j", labels: { app: "cap" } },
      spec: {
        backoffLimit: 0,
        completions: 3,
        template: {
          spec: {
            containers: [{ name: "c", image: "img", env: [{ name: "K", value: "v" }] }],
            restartPolicy: "OnFailure",
          },
        },
      },
    });
  });

  it("refuses a field it does not decode instead of dropping it", () => {
    const podSpec = [...bytes(2, bytes(1, "c")), ...bytes(1, bytes(1, "a-volume"))]; // volumes
    const job = bytes(2, bytes(6, bytes(2, podSpec)));
    expect(() => decodeProtobufJob(envelope(job))).toThrow(ProtobufSubsetError);
    expect(() => decodeProtobufJob(envelope(job))).toThrow("spec.template.spec field 1");
  });

  it("refuses other kinds and malformed bodies", () => {
    const typeMeta = [...bytes(1, "v1"), ...bytes(2, "Namespace")];
    const ns = Uint8Array.from([0x6b, 0x38, 0x73, 0x00, ...bytes(1, typeMeta), ...bytes(2, [])]);
    expect(() => decodeProtobufJob(ns)).toThrow(/expected a batch\/v1 Job, got v1 Namespace/);
    expect(() => decodeProtobufJob(Buffer.from(CAPTURED.slice(0, 60), "hex"))).toThrow(ProtobufSubsetError);
  });
});
