/**
 * Completion rules, as pure functions over what a person attended and what is still
 * planned. A module counts once the person was present or late at any session of that
 * module in any offering of the programme, so a missed module can be made up in a later
 * cohort (Nachholtermin).
 */
export type ModuleInfo = { id: number; position: number; title: string };
export type AttendedSession = { moduleId: number | null; offeringId: number; startsAt: Date };
/** A session not yet over: one that is running counts too, its module can still be attended today. */
export type PlannedSession = { sessionId: number; moduleId: number | null; offeringId: number; offeringTitle: string; startsAt: Date; endsAt: Date };
export type CompletionRule = { rule: 'all' | 'min'; minModules: number | null };

/** `running`: the next session has begun and is not over (the page says "läuft gerade", not a date). */
export type ModuleProgress = ModuleInfo & { doneAt: Date | null; nextSession: PlannedSession | null; running: boolean };

export type SeriesProgress = {
  modules: ModuleProgress[];
  doneCount: number;
  requiredCount: number;
  completed: boolean;
  /** Can the rule still be met with the sessions not yet over (running or to come)? */
  reachable: boolean;
};

export function requiredModuleCount(moduleCount: number, rule: CompletionRule): number {
  return rule.rule === 'min' ? Math.min(moduleCount, rule.minModules ?? moduleCount) : moduleCount;
}

/**
 * Only sessions that have begun by `now` count: a record for a later session (old data)
 * must not complete anything before the event. The queries select the same way; this keeps
 * the rules right for any caller.
 */
export function startedBy(attended: AttendedSession[], now: Date): AttendedSession[] {
  return attended.filter((session) => session.startsAt.getTime() <= now.getTime());
}

export function seriesProgress(modules: ModuleInfo[], rule: CompletionRule, attended: AttendedSession[], planned: PlannedSession[], now: Date): SeriesProgress {
  const counted = startedBy(attended, now);
  const progress = [...modules]
    .sort((a, b) => a.position - b.position)
    .map((module) => {
      const attendances = counted.filter((session) => session.moduleId === module.id).sort((a, b) => a.startsAt.getTime() - b.startsAt.getTime());
      const upcoming = planned.filter((session) => session.moduleId === module.id && session.endsAt > now).sort((a, b) => a.startsAt.getTime() - b.startsAt.getTime());
      const doneAt = attendances[0]?.startsAt ?? null;
      const nextSession = doneAt ? null : (upcoming[0] ?? null);
      return { ...module, doneAt, nextSession, running: nextSession !== null && nextSession.startsAt <= now };
    });
  const doneCount = progress.filter((module) => module.doneAt).length;
  const requiredCount = requiredModuleCount(modules.length, rule);
  const stillPossible = progress.filter((module) => !module.doneAt && module.nextSession).length;
  return {
    modules: progress,
    doneCount,
    requiredCount,
    completed: modules.length > 0 && doneCount >= requiredCount,
    reachable: doneCount + stillPossible >= requiredCount,
  };
}

/** Workshops and Fachtage: attending (present or late) a session of the offering completes it. */
export function offeringCompleted(attended: AttendedSession[], offeringId: number, now: Date): boolean {
  return startedBy(attended, now).some((session) => session.offeringId === offeringId);
}
