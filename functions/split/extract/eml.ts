/**
 * E-mail (`.eml`, RFC 5322 with MIME) through mailparser: a header section (Subject, From, To,
 * Cc, Date) first, then the body (the HTML alternative read like any HTML, so headings and
 * tables survive, else the plain text), then each text attachment (plain, Markdown, CSV, HTML,
 * JSON, and forwarded messages) read by its own extractor under `Subject › file name`. Every
 * section carries the subject as heading. Attachments of other types (images, PDFs, office
 * files) are not read. Subject, From, To and Date are also returned as fields (`onFields`).
 */
import { simpleParser, type AddressObject } from 'mailparser';
import { boundEmailFields, type EmailFields } from '../../../lib/documents/email.js';
import { ExtractError } from './errors.js';
import { extractHtml, type HtmlOptions } from './html.js';
import type { Section } from './section.js';
import { assertNoEntityDeclarations } from './xml.js';

/** Reads an attachment with the extractor its bytes and name call for. */
export type PartReader = (bytes: Uint8Array, name: string, contentType: string) => Promise<Section[]>;

const TEXT_ATTACHMENT = /^(text\/|message\/rfc822|application\/(json|x-ndjson|csv)|application\/([a-z.+-]*\+)?json)/i;

/**
 * The message's sections; its subject, senders, recipients and date also go to `onFields`
 * (bounded: lib/documents/email.ts), which split puts in every point's payload as `email`.
 */
export async function extractEml(bytes: Uint8Array, options: HtmlOptions, readPart: PartReader, onFields?: (fields: EmailFields) => void): Promise<Section[]> {
  let mail;
  try {
    mail = await simpleParser(Buffer.from(bytes), { skipHtmlToText: true, skipTextToHtml: true, skipTextLinks: true, skipImageLinks: true });
  } catch (err) {
    throw new ExtractError('corrupt', `e-mail could not be parsed: ${err instanceof Error ? err.message : String(err)}`);
  }
  const subject = mail.subject?.replace(/\s+/g, ' ').trim() ?? '';
  const fields = boundEmailFields({ subject, from: addressList(mail.from), to: addressList(mail.to), date: mail.date });
  if (fields) onFields?.(fields);
  const under = (heading?: string) => (subject ? { heading: heading && heading !== subject ? `${subject} › ${heading}` : subject } : heading ? { heading } : {});
  const header = [
    subject && `Subject: ${subject}`,
    addresses('From', mail.from),
    addresses('To', mail.to),
    addresses('Cc', mail.cc),
    mail.date && !Number.isNaN(mail.date.getTime()) ? `Date: ${mail.date.toISOString()}` : '',
  ].filter(Boolean);
  const sections: Section[] = header.length ? [{ text: header.join('\n'), ...under() }] : [];
  if (typeof mail.html === 'string' && mail.html.trim()) {
    assertNoEntityDeclarations(mail.html, 'e-mail HTML body');
    for (const section of extractHtml(mail.html, options)) sections.push({ ...section, ...under(section.heading) });
  } else if (mail.text?.trim()) {
    sections.push({ text: mail.text.trim(), ...under() });
  }
  for (const [i, attachment] of mail.attachments.entries()) {
    if (attachment.related || !TEXT_ATTACHMENT.test(attachment.contentType)) continue;
    const name = attachment.filename ?? `attachment-${i + 1}`;
    for (const section of await readPart(new Uint8Array(attachment.content), name, attachment.contentType)) {
      sections.push({ ...section, ...under(section.heading ? `${name} › ${section.heading}` : name) });
    }
  }
  return sections;
}

function addresses(label: string, value: AddressObject | AddressObject[] | undefined): string {
  const list = addressList(value);
  return list.length ? `${label}: ${list.join(', ')}` : '';
}

/** `Name <address>`, or whichever of the two there is, for every address of a header. */
function addressList(value: AddressObject | AddressObject[] | undefined): string[] {
  return (Array.isArray(value) ? value : value ? [value] : [])
    .flatMap((group) => group.value)
    .map(({ name, address }) => (name && address ? `${name} <${address}>` : (name || address) ?? ''))
    .filter(Boolean);
}
