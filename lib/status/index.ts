export { applyTransition, foldTransitions, STATUSES, type DocumentStatus, type StatusRecord, type StatusTransition } from './record.js';
export { createStatusStore, statusCollectionName, type StatusStore } from './store.js';
export { cycleOf } from './cycle.js';
