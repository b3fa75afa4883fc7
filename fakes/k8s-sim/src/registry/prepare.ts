// Turning a request body into the object to store: kind and apiVersion checked, the storage form,
// managedFields dropped, the namespace taken from the URL (or refused when the body disagrees).

import { clone, isObject, type KubeObject, metaOf } from "../json.js";
import { apiVersionOf, type ResourceType } from "../resources.js";
import { badRequest } from "../status.js";
import { storedForm } from "./objects.js";

function checkKind(type: ResourceType, body: KubeObject): void {
  if (body.kind !== undefined && body.kind !== type.kind) {
    throw badRequest(
      `${String(body.kind)} in version "${type.version}" cannot be handled as a ${type.kind}: the kind in the data (${String(body.kind)}) does not match the expected kind (${type.kind})`,
    );
  }
  if (body.apiVersion !== undefined && body.apiVersion !== apiVersionOf(type)) {
    throw badRequest(
      `the API version in the data (${String(body.apiVersion)}) does not match the expected API version (${apiVersionOf(type)})`,
    );
  }
}

export function prepareBody(type: ResourceType, namespace: string, body: unknown): KubeObject {
  if (!isObject(body)) throw badRequest(`the body of the request was not a ${type.kind} object`);
  checkKind(type, body);
  const obj = storedForm(type, clone(body));
  obj.apiVersion = type.view ? "v1" : apiVersionOf(type);
  obj.kind = type.kind;
  const meta = metaOf(obj);
  delete meta.managedFields;
  if (type.namespaced) {
    if (meta.namespace && namespace && meta.namespace !== namespace) {
      throw badRequest(
        "the namespace of the provided object does not match the namespace sent on the request",
      );
    }
    meta.namespace = namespace || meta.namespace || "";
  } else {
    delete meta.namespace;
  }
  return obj;
}
