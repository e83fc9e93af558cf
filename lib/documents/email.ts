/**
 * The header fields of an e-mail document (`.eml`) that every point of it carries in its
 * payload under `email` (lib/documents/payload.ts): subject, senders, recipients and date.
 * split's extractor builds them with {@link boundEmailFields}; the later stages refuse what
 * that function could not have produced ({@link emailFieldsProblem}).
 */

export interface EmailFields {
  subject?: string;
  /** `Name <address>` or the bare address, in header order. */
  from?: string[];
  to?: string[];
  /** The Date header as an ISO 8601 UTC time. */
  date?: string;
}

/** Longer subjects are cut (a subject is text, not a label anyone matches exactly). */
export const MAX_EMAIL_SUBJECT_CHARS = 512;
/** Addresses kept per list. */
export const MAX_EMAIL_ADDRESSES = 50;
/** Longer addresses (with their display name) are left out. */
export const MAX_EMAIL_ADDRESS_CHARS = 320;
/** The fields as UTF-8 JSON: later addresses are left out to stay under it. */
export const MAX_EMAIL_FIELDS_BYTES = 4 * 1024;

const ISO_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,3})?Z$/;
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/;

const clean = (text: string) => text.replace(/[\u0000-\u001f\u007f-\u009f\s]+/g, ' ').trim();

/** The fields from parsed headers, within every bound; undefined when the message has none. */
export function boundEmailFields(raw: { subject?: string | undefined; from?: readonly string[]; to?: readonly string[]; date?: Date | undefined }): EmailFields | undefined {
  const fields: EmailFields = {};
  const subject = clean(raw.subject ?? '').slice(0, MAX_EMAIL_SUBJECT_CHARS).trim();
  if (subject) fields.subject = subject;
  if (raw.date && !Number.isNaN(raw.date.getTime())) fields.date = raw.date.toISOString();
  for (const list of ['from', 'to'] as const) {
    for (const address of (raw[list] ?? []).map(clean)) {
      if (!address || address.length > MAX_EMAIL_ADDRESS_CHARS || (fields[list]?.length ?? 0) >= MAX_EMAIL_ADDRESSES) continue;
      const next = { ...fields, [list]: [...(fields[list] ?? []), address] };
      if (Buffer.byteLength(JSON.stringify(next)) > MAX_EMAIL_FIELDS_BYTES) break;
      fields[list] = next[list];
    }
  }
  return Object.keys(fields).length > 0 ? fields : undefined;
}

/** What is wrong with `email` fields that boundEmailFields could not have produced, or undefined. */
export function emailFieldsProblem(email: EmailFields): string | undefined {
  if (email.subject !== undefined && (email.subject === '' || email.subject.length > MAX_EMAIL_SUBJECT_CHARS || CONTROL.test(email.subject))) {
    return `email.subject is empty, longer than ${MAX_EMAIL_SUBJECT_CHARS} characters or holds control characters`;
  }
  for (const list of ['from', 'to'] as const) {
    const addresses = email[list];
    if (addresses === undefined) continue;
    if (addresses.length > MAX_EMAIL_ADDRESSES) return `email.${list} has ${addresses.length} addresses, over the limit of ${MAX_EMAIL_ADDRESSES}`;
    if (addresses.some((a) => a === '' || a.length > MAX_EMAIL_ADDRESS_CHARS || CONTROL.test(a))) {
      return `email.${list} holds an empty address, one longer than ${MAX_EMAIL_ADDRESS_CHARS} characters or one with control characters`;
    }
  }
  if (email.date !== undefined && !ISO_TIME.test(email.date)) return 'email.date is not an ISO 8601 UTC time';
  const bytes = Buffer.byteLength(JSON.stringify(email));
  if (bytes > MAX_EMAIL_FIELDS_BYTES) return `email fields are ${bytes} bytes of JSON, over the limit of ${MAX_EMAIL_FIELDS_BYTES}`;
  return undefined;
}
