/**
 * Why a document's text could not be extracted. Every reason is a fact about the document (or
 * about it versus a configured limit), so none of them gets better on retry.
 */
export type ExtractFailureReason =
  | 'unsupported_type'
  | 'encrypted'
  | 'corrupt'
  | 'too_deep'
  | 'too_much_text'
  | 'inflate_limit'
  | 'too_many_parts'
  | 'xml_entities'
  | 'no_text'
  | 'too_many_scanned_pages'
  | 'image_too_large'
  | 'deadline'
  | 'out_of_memory';

export class ExtractError extends Error {
  override readonly name: string = 'ExtractError';
  constructor(
    readonly reason: ExtractFailureReason,
    message: string,
  ) {
    super(message);
  }
}
