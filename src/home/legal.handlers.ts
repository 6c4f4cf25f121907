import type { Request, Response } from 'express';
import { formData, type FormPage } from '../http/forms';
import type { LegalService } from './legal.service';
import type { AccessibilityFeedback } from './legal.schemas';

/** The legal pages: rendered from the legal service, the feedback form handed to it. */
export function createLegalHandlers(legal: LegalService) {
  const pages = {
    accessibility: {
      view: 'home/accessibility',
      titleKey: 'home.accessibility.title',
      locals: () => ({ statement: legal.accessibilityStatement() }),
    } satisfies FormPage,
  };

  return {
    pages,

    privacy(req: Request, res: Response): void {
      res.renderPage('home/privacy', { title: req.t('home.privacy.title'), notice: legal.privacyNotice(req.t) });
    },

    async sendFeedback(req: Request, res: Response): Promise<void> {
      await legal.sendAccessibilityFeedback(formData<AccessibilityFeedback>(res));
      res.redirect(303, '/barrierefreiheit/gesendet');
    },

    feedbackSent(req: Request, res: Response): void {
      res.renderPage('home/accessibility-sent', { title: req.t('home.accessibility.sent.title') });
    },

    easyLanguage(req: Request, res: Response): void {
      res.renderPage('home/easy-language', { title: req.t('home.easyLanguage.title') });
    },
  };
}
