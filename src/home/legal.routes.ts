import { Router } from 'express';
import { showForm, validateForm } from '../http/forms';
import type { RateLimits } from '../http/rate-limit';
import { createLegalHandlers } from './legal.handlers';
import { accessibilityFeedbackSchema } from './legal.schemas';
import type { LegalService } from './legal.service';

const ONE_HOUR = 60 * 60;

/** Privacy notice, accessibility statement with its feedback form, Leichte Sprache: open to everybody. */
export function legalRouter(legal: LegalService, rateLimits: RateLimits): Router {
  const handlers = createLegalHandlers(legal);
  // Anyone may write without an account: a few messages an hour per address is plenty for a person, little for a flood.
  const feedbackLimit = rateLimits([{ name: 'accessibility_feedback_ip', points: 5, durationSeconds: ONE_HOUR }]);

  const router = Router();
  router.get('/datenschutz', handlers.privacy);
  router.get('/barrierefreiheit', showForm(handlers.pages.accessibility));
  router.post('/barrierefreiheit', feedbackLimit, validateForm(accessibilityFeedbackSchema, handlers.pages.accessibility), handlers.sendFeedback);
  router.get('/barrierefreiheit/gesendet', handlers.feedbackSent);
  router.get('/leichte-sprache', handlers.easyLanguage);
  return router;
}
