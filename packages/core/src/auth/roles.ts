export const staffRoles = ['viewer', 'editor', 'admin', 'owner'] as const;
export type StaffRole = (typeof staffRoles)[number];

const rank: Record<StaffRole, number> = { viewer: 0, editor: 1, admin: 2, owner: 3 };

/** owner > admin > editor > viewer: true when `role` may do what `required` may. */
export const hasRoleAtLeast = (role: StaffRole, required: StaffRole): boolean => rank[role] >= rank[required];
