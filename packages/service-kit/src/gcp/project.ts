// Google Cloud project ids, which every other name here is built on.

/** A project id: 6–30 lowercase letters, digits and hyphens, starting with a letter, not ending with a hyphen. */
export const PROJECT_ID_PATTERN = "[a-z][a-z0-9-]{4,28}[a-z0-9]";
const PROJECT_ID = new RegExp(`^${PROJECT_ID_PATTERN}$`);

export function isProjectId(value: string): boolean {
  return PROJECT_ID.test(value);
}
