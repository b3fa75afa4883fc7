// The three PATCH formats (and server-side apply, merged strategically) with kube-apiserver's errors.

import { isObject } from "../json.js";
import {
  applyJsonPatch,
  applyMergePatch,
  applyStrategicMergePatch,
  JsonPatchError,
  PATCH_CONTENT_TYPES,
} from "../patch.js";
import { badRequest, jsonPatchNotApplicable, unsupportedMediaType } from "../status.js";

/**
 * Applies a PATCH body of the given content type to a document, with the API server's errors:
 * malformed → 400, a JSON patch that does not apply (failed `test`) → 422, unknown type → 415.
 */
export function patchDocument(contentType: string, doc: unknown, patch: unknown): unknown {
  switch (contentType) {
    case "application/json-patch+json":
      try {
        return applyJsonPatch(doc, patch);
      } catch (error) {
        if (error instanceof JsonPatchError) {
          throw error.phase === "decode" ? badRequest(error.message) : jsonPatchNotApplicable();
        }
        throw error;
      }
    case "application/merge-patch+json":
      if (!isObject(patch))
        throw badRequest("json: cannot unmarshal array into Go value of type map[string]interface {}");
      return applyMergePatch(doc, patch);
    case "application/strategic-merge-patch+json":
    case "application/apply-patch+yaml":
      if (!isObject(patch))
        throw badRequest("json: cannot unmarshal array into Go value of type map[string]interface {}");
      return applyStrategicMergePatch(doc, patch);
    default:
      throw unsupportedMediaType(contentType, PATCH_CONTENT_TYPES);
  }
}
