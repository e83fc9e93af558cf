/** How a search ranks chunks; imported by the CLI and the API without the Qdrant client. */
export type SearchMode = 'dense' | 'sparse' | 'hybrid';
export const SEARCH_MODES: readonly SearchMode[] = ['dense', 'sparse', 'hybrid'];
/** Qdrant's fusion of ranked lists: reciprocal rank, or distribution-based score fusion. */
export type Fusion = 'rrf' | 'dbsf';
