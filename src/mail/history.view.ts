import type { TFunction } from 'i18next';
import type { Page } from '../shared/paging';
import type { HistoryEntry } from './history.service';

/** A kind without its own label (a new kind, or an old row) is shown as "Nachricht", never as its key. */
export function kindLabel(t: TFunction, kind: string): string {
  const key = `messages.kinds.${kind}`;
  const label = t(key);
  return label === key || typeof label !== 'string' ? t('messages.kinds.other') : label;
}

export function historyRows(t: TFunction, page: Page<HistoryEntry>) {
  return { ...page, rows: page.rows.map((entry) => ({ ...entry, kindLabel: kindLabel(t, entry.kind), stateLabel: t(`messages.states.${entry.state}`) })) };
}
