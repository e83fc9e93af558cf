/** How a search ranks chunks; imported by the CLI and the API without the Qdrant client. */
export type SearchMode = 'dense' | 'sparse' | 'hybrid';
export const SEARCH_MODES: readonly SearchMode[] = ['dense', 'sparse', 'hybrid'];

/**
 * How hybrid search fuses its dense and sparse ranked lists (Qdrant's Query API): reciprocal
 * rank fusion, optionally weighting the sparse list against the dense list's 1, or
 * distribution-based score fusion.
 */
export type Fusion = { method: 'rrf'; sparseWeight?: number } | { method: 'dbsf' };

/**
 * The default, chosen by `make eval` (bench/results/eval-latest.json; 97 documents, 382
 * queries): on exact sentences the sparse list is nearly always right and the dense list often
 * is not, on question-style queries both help. Sparse ×2 ranked best of the fusions tried on
 * every query set (exact hit@1 0.947, heading 0.929, question 1.000), ahead of plain RRF
 * (0.858 / 0.905 / 0.941), sparse ×3 (0.943 / 0.929 / 0.941) and DBSF (0.900 / 0.905 / 0.941).
 */
export const DEFAULT_FUSION: Fusion = { method: 'rrf', sparseWeight: 2 };
