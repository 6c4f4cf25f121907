import { can, teachesHere } from '../accounts/permissions';
import type { SessionUser } from '../accounts/roles';
import { Forbidden, NotFound } from '../shared/errors';
import type * as queries from './materials.queries';

/*
 * Who sees and manages course materials. Coordinators and admins everything; a trainer the
 * materials of what they teach (only while they are a trainer: a demoted trainer keeps the
 * assignment as the record of who taught, not the access); enrolled people the materials of
 * their offering; everybody the public ones of published offerings.
 */

const isStaff = (viewer: SessionUser | undefined) => can(viewer, 'materials.manageAll');

/** What a viewer may see of an offering's materials, weakest first. */
export type Audience = 'guest' | 'participant' | 'trainer' | 'staff';

export function audienceOf(viewer: SessionUser | undefined, offering: queries.OfferingContext): Audience {
  if (isStaff(viewer)) return 'staff';
  if (teachesHere(viewer, offering.viewer_teaches)) return 'trainer';
  if (offering.viewer_confirmed) return 'participant';
  return 'guest';
}

export const VISIBLE_TO: Record<Audience, queries.Visibility[]> = {
  guest: ['public'],
  participant: ['enrolled', 'public'],
  trainer: ['enrolled', 'trainers', 'public'],
  staff: ['enrolled', 'trainers', 'public'],
};

/**
 * Whether the viewer may open a material: trainer-only material does not exist for
 * anybody else (404); other material they may not open is refused (403).
 */
export function assertCanView(viewer: SessionUser | undefined, access: queries.MaterialAccess): void {
  if (access.deleted) throw new NotFound();
  if (isStaff(viewer) || teachesHere(viewer, access.viewer_teaches || access.viewer_manages)) return;
  if (access.visibility === 'trainers') throw new NotFound();
  if (access.viewer_confirmed) return;
  if (!access.shown_published) throw new NotFound();
  if (access.visibility === 'public') return;
  throw new Forbidden(viewer ? 'materials.errors.notEnrolled' : 'errors.loginRequired.text');
}

export function canManage(viewer: SessionUser | undefined, access: Pick<queries.MaterialAccess, 'viewer_manages'>): boolean {
  return isStaff(viewer) || teachesHere(viewer, access.viewer_manages);
}

/** Modules and sessions, each marked with whether the viewer may put materials there. */
export function markManageable<T extends { viewer_teaches: boolean }>(viewer: SessionUser | undefined, targets: T[]): (T & { manageable: boolean })[] {
  return targets.map((target) => ({ ...target, manageable: isStaff(viewer) || teachesHere(viewer, target.viewer_teaches) }));
}
