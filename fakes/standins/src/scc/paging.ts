// Paging shared by ListSources and ListFindings: page_size 0 = 10, at most 1000; page tokens carry
// the offset and the query they belong to, so a token from another query is refused.

import { invalidArgument } from "./status-error.js";

function encodePageToken(offset: number, query: string): string {
  return Buffer.from(JSON.stringify({ offset, query })).toString("base64url");
}

function decodePageToken(token: string, query: string): number {
  if (token === "") return 0;
  try {
    const decoded = JSON.parse(Buffer.from(token, "base64url").toString("utf8")) as {
      offset?: unknown;
      query?: unknown;
    };
    if (typeof decoded.offset === "number" && decoded.query === query) return decoded.offset;
  } catch {
    // fall through to the error below
  }
  throw invalidArgument(
    `page_token "${token}" does not belong to this query (parent, filter and order_by must stay the same between pages)`,
  );
}

function pageSizeOf(value: unknown): number {
  const size = Number(value ?? 0);
  if (!Number.isInteger(size) || size < 0)
    throw invalidArgument(`page_size ${String(value)} must be 0..1000`);
  if (size === 0) return 10;
  return Math.min(size, 1000);
}

/** The page of `items` that `pageToken` points at, and the token of the next page ("" = last). */
export function pageOf<T>(
  items: readonly T[],
  pageSize: unknown,
  pageToken: string,
  query: string,
): { page: T[]; nextPageToken: string } {
  const size = pageSizeOf(pageSize);
  const offset = decodePageToken(pageToken, query);
  return {
    page: items.slice(offset, offset + size),
    nextPageToken: offset + size < items.length ? encodePageToken(offset + size, query) : "",
  };
}
