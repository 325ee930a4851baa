// What happened to the long-lived connections: how many were cut, when (seconds from the
// scenario's start), on which pod and release, in which phase, and where the reconnections and
// new chats landed. Pure: the drill run supplies the records and how to name a pod's release.

import { LongLivedConnection, LongLivedKind } from '../traffic/long-lived';

/** Before the scenario, during it (until its last pod is gone), after it. */
type Phase = 'before' | 'during' | 'after';

export interface LongLivedCut {
  readonly client: number;
  /** Seconds from the scenario's start. */
  readonly at: number;
  readonly pod?: string;
  readonly release?: string;
  readonly phase: Phase;
  readonly detail?: string;
}

export interface LongLivedReport {
  readonly kind: LongLivedKind;
  readonly path: string;
  /** Clients, each holding one connection at a time. */
  readonly clients: number;
  /** Connections opened (handshake completed), first ones, reconnections and new chats. */
  readonly opened: number;
  /** Connections cut: closed or reset by the server side before the client ended them. */
  readonly cut: number;
  /** Clients cut at least once. */
  readonly clientsCut: number;
  readonly cutsByPhase: Record<Phase, number>;
  readonly cuts: LongLivedCut[];
  /** Connection attempts that never opened (refused, reset, non-101/200, timeout). */
  readonly failedAttempts: number;
  /** Reconnections after a cut that opened, by the release they landed on. */
  readonly reconnects: number;
  readonly reconnectsByRelease: Record<string, number>;
  /** New chats (after a chat ended) that opened, by release. */
  readonly newSessionsByRelease: Record<string, number>;
  /** Connections still open when the clients stopped (ended by their clients). */
  readonly openAtEnd: number;
  /**
   * Every connection that opened, seconds from the scenario's start: `cut` by the server side,
   * `closed` by its client (a chat that ended, or the clients stopping), `open` still open.
   */
  readonly connections: LongLivedSpan[];
}

/** One long-lived connection from its handshake to its end. */
export interface LongLivedSpan {
  readonly client: number;
  readonly pod?: string;
  readonly openedAt: number;
  readonly endedAt?: number;
  readonly end: 'cut' | 'closed' | 'open';
}

export interface LongLivedContext {
  readonly kind: LongLivedKind;
  readonly path: string;
  readonly clients: number;
  /** Drill clock time the scenario started. */
  readonly scenarioAt: number;
  /** When the scenario's last pod was gone, if it was. */
  readonly doneAt?: number;
  /** When the clients were stopped. */
  readonly stoppedAt?: number;
  readonly releaseOf: (pod: string) => string | undefined;
}

function tally(list: Array<string | undefined>): Record<string, number> {
  const out: Record<string, number> = {};
  for (const k of list) out[k ?? 'unknown'] = (out[k ?? 'unknown'] ?? 0) + 1;
  return out;
}

/** Summarizes the connection records. */
export function longLivedReport(connections: LongLivedConnection[], ctx: LongLivedContext): LongLivedReport {
  const rel = (t: number) => Math.round((t - ctx.scenarioAt) * 1000) / 1000;
  const phaseOf = (t: number): Phase => (t < ctx.scenarioAt ? 'before' : ctx.doneAt === undefined || t <= ctx.doneAt ? 'during' : 'after');
  const opened = connections.filter(c => c.openedAt !== undefined);
  const cut = opened.filter(c => c.end === 'cut');
  const cuts = cut.map(c => ({
    client: c.client,
    at: rel(c.endedAt!),
    pod: c.pod,
    release: c.pod === undefined ? undefined : ctx.releaseOf(c.pod),
    phase: phaseOf(c.endedAt!),
    detail: c.detail,
  }));
  const releases = (reason: string) => tally(opened.filter(c => c.reason === reason)
    .map(c => (c.pod === undefined ? undefined : ctx.releaseOf(c.pod))));
  return {
    kind: ctx.kind,
    path: ctx.path,
    clients: ctx.clients,
    opened: opened.length,
    cut: cut.length,
    clientsCut: new Set(cut.map(c => c.client)).size,
    cutsByPhase: {
      before: cuts.filter(c => c.phase === 'before').length,
      during: cuts.filter(c => c.phase === 'during').length,
      after: cuts.filter(c => c.phase === 'after').length,
    },
    cuts,
    failedAttempts: connections.filter(c => c.end === 'failed').length,
    reconnects: opened.filter(c => c.reason === 'reconnect').length,
    reconnectsByRelease: releases('reconnect'),
    newSessionsByRelease: releases('new-session'),
    openAtEnd: opened.filter(c => c.end === 'client' && ctx.stoppedAt !== undefined && c.endedAt! >= ctx.stoppedAt).length,
    connections: opened.map(c => ({
      client: c.client,
      pod: c.pod,
      openedAt: rel(c.openedAt!),
      endedAt: c.endedAt === undefined ? undefined : rel(c.endedAt),
      end: c.end === 'cut' ? 'cut' as const : c.endedAt === undefined ? 'open' as const : 'closed' as const,
    })),
  };
}
