/** What every extractor returns: text with where it came from (page or heading path). */
export interface Section {
  text: string;
  page?: number;
  heading?: string;
}

export type DocumentKind = 'pdf' | 'docx' | 'html' | 'markdown' | 'text';
