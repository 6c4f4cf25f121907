// Moved to the shared kernel; this re-export goes once every import points there.
export * from '../shared/errors';
