// The life of a report, as the agency's staff move it on: new → in progress → fixed or rejected, and a closed
// report may be reopened. The database enforces the same (reports.check_change); this answers first and clearly.
import type { ReportStatus } from './report-store.ts';

const next: Record<ReportStatus, readonly ReportStatus[]> = {
  new: ['in_progress', 'fixed', 'rejected'],
  in_progress: ['fixed', 'rejected'],
  fixed: ['in_progress'],
  rejected: ['in_progress'],
};

export function canMove(from: ReportStatus, to: ReportStatus): boolean {
  return from === to || next[from].includes(to);
}

export function nextStatuses(from: ReportStatus): readonly ReportStatus[] {
  return next[from];
}
