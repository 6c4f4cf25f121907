import { offeringCompleted, seriesProgress } from '../../src/attendance/completion';

const now = new Date('2026-11-25T12:00:00Z');
const daysFromNow = (days: number) => new Date(now.getTime() + days * 24 * 60 * 60 * 1000);
const modules = [1, 2].map((position) => ({ id: position, position, title: `Modul ${position}` }));
const rule = { rule: 'all' as const, minModules: null };

describe('completion counts only sessions that have started', () => {
  it('does not complete a workshop with a record for next week, but does once it has begun', () => {
    const attended = [{ moduleId: null, offeringId: 7, startsAt: daysFromNow(7) }];
    expect(offeringCompleted(attended, 7, now)).toBe(false);
    expect(offeringCompleted(attended, 7, daysFromNow(7))).toBe(true);
  });

  it('does not count a series module whose session lies ahead', () => {
    const attended = [
      { moduleId: 1, offeringId: 7, startsAt: daysFromNow(-14) },
      { moduleId: 2, offeringId: 7, startsAt: daysFromNow(14) },
    ];
    const planned = [{ sessionId: 2, moduleId: 2, offeringId: 7, offeringTitle: 'Durchgang A', startsAt: daysFromNow(14), endsAt: daysFromNow(14.25) }];
    const before = seriesProgress(modules, rule, attended, planned, now);
    expect(before.doneCount).toBe(1);
    expect(before.completed).toBe(false);
    expect(before.reachable).toBe(true);
    const after = seriesProgress(modules, rule, attended, planned, daysFromNow(15));
    expect(after.doneCount).toBe(2);
    expect(after.completed).toBe(true);
  });
});

describe('a session that is running counts as still planned', () => {
  it('a module whose only session runs right now is open with that session, not missed', () => {
    const running = { sessionId: 3, moduleId: 2, offeringId: 7, offeringTitle: 'Durchgang A', startsAt: new Date(now.getTime() - 60 * 60 * 1000), endsAt: new Date(now.getTime() + 3 * 60 * 60 * 1000) };
    const attended = [{ moduleId: 1, offeringId: 7, startsAt: daysFromNow(-14) }];
    const during = seriesProgress(modules, rule, attended, [running], now);
    expect(during.modules[1]!.nextSession).toEqual(running);
    expect(during.modules[1]!.running).toBe(true);
    expect(during.reachable).toBe(true);
    const afterwards = seriesProgress(modules, rule, attended, [running], new Date(running.endsAt.getTime() + 1000));
    expect(afterwards.modules[1]!.nextSession).toBeNull();
    expect(afterwards.reachable).toBe(false);
  });
});
