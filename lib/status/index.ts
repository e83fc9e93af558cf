export { applyTransition, foldTransitions, STATUSES, type DocumentStatus, type StatusRecord, type StatusTransition } from './record.js';
export { byTransitionTime, createStatusStore, statusCollectionName, type StatusFilter, type StatusPage, type StatusStore } from './store.js';
export { cycleOf, DEFAULT_MAX_CLOCK_SKEW_MS, isCanonicalCycle, parseCycleTime, type CycleTimeOptions } from './cycle.js';
export { DEAD_LETTERED, DEFAULT_HEAL_POLICY, healDelayMs, needsHealing, nextHealAt, type HealPolicy } from './heal.js';
