export const ROLES = ['participant', 'trainer', 'coordinator', 'admin'] as const;
export type Role = (typeof ROLES)[number];

export function isRole(value: unknown): value is Role {
  return typeof value === 'string' && (ROLES as readonly string[]).includes(value);
}

/** Who a logged-in request is; kept small because it is loaded on every request. */
export type SessionUser = {
  id: number;
  email: string;
  firstName: string;
  lastName: string;
  role: Role;
  locale: 'de' | 'en';
  organisationId: number | null;
};
