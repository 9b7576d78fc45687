/**
 * The runner's loop as a state machine: named phases and one transition function, so what the
 * loop does next is decided in one place and tested on its own.
 *
 *   running ──no trials left──▶ draining ──all folds settled──▶ ended(budget | exhausted)
 *      │ │                          │
 *      │ └──time limit / failures──▶ giving_up ──settled──▶ ended(time_limit | too_many_failures)
 *      │                            ▲
 *      │        draining ──time limit┘
 *      └──cancel (also from draining)──▶ cancelling ──settled──▶ ended(cancelled)
 */
import type { StudyEndReason } from '@hpo/core';

export type Phase =
  /** Starting trials (up to `parallelism`) and their folds (up to the executor's capacity). */
  | { name: 'running' }
  /** Every trial has started; the folds of running trials still run. */
  | { name: 'draining'; reason: 'budget' | 'exhausted' }
  /** A limit was hit: folds still out are dropped; those that still finish are kept. */
  | { name: 'giving_up'; reason: 'time_limit' | 'too_many_failures' }
  /** The study was cancelled: folds still out are abandoned. */
  | { name: 'cancelling' }
  | { name: 'ended'; reason: StudyEndReason };

/** What the loop observed since the last transition, in the order it is looked at. */
export type PhaseEvent =
  | { type: 'cancel' }
  | { type: 'deadline' }
  | { type: 'too_many_failures' }
  | { type: 'no_more_trials'; reason: 'budget' | 'exhausted' }
  /** No fold is out any more. */
  | { type: 'settled' };

/** The one transition function. Events a phase does not react to leave it as it is. */
export function nextPhase(phase: Phase, event: PhaseEvent): Phase {
  switch (phase.name) {
    case 'running':
      if (event.type === 'cancel') return { name: 'cancelling' };
      if (event.type === 'deadline') return { name: 'giving_up', reason: 'time_limit' };
      if (event.type === 'too_many_failures') return { name: 'giving_up', reason: 'too_many_failures' };
      if (event.type === 'no_more_trials') return { name: 'draining', reason: event.reason };
      // Running with nothing out and nothing to start: every trial is done.
      if (event.type === 'settled') return { name: 'ended', reason: 'budget' };
      return phase;
    case 'draining':
      if (event.type === 'cancel') return { name: 'cancelling' };
      if (event.type === 'deadline') return { name: 'giving_up', reason: 'time_limit' };
      if (event.type === 'settled') return { name: 'ended', reason: phase.reason };
      return phase;
    case 'giving_up':
      return event.type === 'settled' ? { name: 'ended', reason: phase.reason } : phase;
    case 'cancelling':
      return event.type === 'settled' ? { name: 'ended', reason: 'cancelled' } : phase;
    case 'ended':
      return phase;
  }
}

/** Whether folds may still be submitted (and the deadline still watched) in this phase. */
export function submitsFolds(phase: Phase): boolean {
  return phase.name === 'running' || phase.name === 'draining';
}
