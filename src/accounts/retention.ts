/**
 * The accounts domain's part of the Löschkonzept, for the privacy service
 * (src/privacy/retention.service.ts): spent tokens, unverified registrations, the login
 * throttle's expired counters, and the inactive accounts it reports.
 */
export {
  countExpiredRateLimits,
  countSpentTokens,
  countUnverifiedRegistrations,
  deleteExpiredRateLimits,
  deleteSpentTokens,
  deleteUnverifiedRegistrations,
  inactiveAccountIds,
} from './retention.queries';
