/**
 * MAX_EXTRACTED_CHARS, the one limit on a document's text, and its one error. Checked on the
 * total (index.ts), on decoded plain text before it is split, and as extractors produce text
 * ({@link TextBudget}): spreadsheets can declare a cell repeated a million times, or a used range
 * of millions of empty cells, and must not be expanded before the total is checked.
 */
import { ExtractError } from './errors.js';

export function tooMuchText(chars: number, maxChars: number): ExtractError {
  return new ExtractError('too_much_text', `${chars} characters of text, over the limit of ${maxChars} (MAX_EXTRACTED_CHARS)`);
}

/** Counts characters as an extractor produces them, and stops it as soon as they are over the limit. */
export class TextBudget {
  private used = 0;
  constructor(private readonly maxChars: number) {}

  charge(chars: number): void {
    this.used += chars;
    if (this.used > this.maxChars) throw tooMuchText(this.used, this.maxChars);
  }
}
