// Label and field selectors of a list or watch, parsed once into a predicate over stored objects.

import { type KubeObject, metaOf } from "../json.js";
import { fieldValue, type ResourceType } from "../resources.js";
import {
  type FieldRequirement,
  type LabelSelector,
  matchesLabels,
  parseFieldSelector,
  parseLabelSelector,
  SelectorParseError,
} from "../selectors.js";
import { badRequest } from "../status.js";
import type { ListOptions } from "./types.js";

export interface Selectors {
  labels: LabelSelector;
  fields: FieldRequirement[];
}

export function parseSelectors(type: ResourceType, options: ListOptions): Selectors {
  let labels: LabelSelector = [];
  try {
    labels = options.labelSelector ? parseLabelSelector(options.labelSelector) : [];
  } catch (error) {
    if (error instanceof SelectorParseError) throw badRequest(error.message);
    throw error;
  }
  const fields = options.fieldSelector ? parseFieldSelector(options.fieldSelector) : [];
  for (const requirement of fields) {
    if (fieldValue(type, {}, requirement.field) === undefined) {
      throw badRequest(`field label not supported: ${requirement.field}`);
    }
  }
  return { labels, fields };
}

/** Predicate over stored objects: in the namespace (if any), matching the labels and the fields. */
export function matcherFor(
  type: ResourceType,
  namespace: string | undefined,
  { labels, fields }: Selectors,
): (obj: KubeObject) => boolean {
  const ns = type.namespaced ? namespace : undefined;
  return (obj) => {
    const meta = metaOf(obj);
    if (ns !== undefined && ns !== "" && meta.namespace !== ns) return false;
    if (!matchesLabels(labels, meta.labels)) return false;
    return fields.every((f) => {
      const value = fieldValue(type, obj, f.field) ?? "";
      return f.operator === "=" ? value === f.value : value !== f.value;
    });
  };
}
