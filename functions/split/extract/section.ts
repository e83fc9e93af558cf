/** What every extractor returns: text with where it came from (page or heading path). */
export interface Section {
  text: string;
  page?: number;
  heading?: string;
  /** The text was read by OCR from the rendered page or image (it had no text layer). */
  ocr?: boolean;
  /**
   * Set when `text` is a list of records (table rows, JSON records) joined by `separator`: the
   * chunker then cuts only between records, and opens every chunk with `header` (a table's
   * header row), so that no row is ever read apart from the header that says what it holds.
   */
  records?: RecordLayout;
}

export interface RecordLayout {
  separator: string;
  header?: string;
}

export type DocumentKind =
  | 'pdf'
  | 'docx'
  | 'pptx'
  | 'xlsx'
  | 'odt'
  | 'odp'
  | 'ods'
  | 'epub'
  | 'rtf'
  | 'eml'
  | 'csv'
  | 'tsv'
  | 'json'
  | 'jsonl'
  | 'image'
  | 'html'
  | 'markdown'
  | 'text';
