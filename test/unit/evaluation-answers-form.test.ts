import { keptAnswers, parseAnswers, TEXT_MAX_LENGTH, type AnswerItem } from '../../src/evaluation/answers.form';

const item = (id: number, kind: AnswerItem['kind'], required: boolean, options: string[] = []): AnswerItem => ({
  id,
  position: id,
  kind,
  prompt: `Frage ${id}`,
  required,
  scale_low_label: kind === 'scale' ? 'gar nicht' : null,
  scale_high_label: kind === 'scale' ? 'sehr' : null,
  options,
});

const ITEMS = [item(1, 'scale', true), item(2, 'single', false, ['a', 'b', 'c']), item(3, 'multiple', true, ['x', 'y']), item(4, 'text', false)];

describe('the answer form of a questionnaire version', () => {
  it('turns a complete submission into the stored answers: scale 1..5, option indexes, a trimmed text', () => {
    expect(parseAnswers(ITEMS, { item_1: '5', item_2: '2', item_3: ['1', '0', '1'], item_4: '  gut  ', other: 'ignored' })).toEqual({
      ok: true,
      answers: { '1': 5, '2': 2, '3': [0, 1], '4': 'gut' },
    });
  });

  it('leaves out optional items not answered', () => {
    expect(parseAnswers(ITEMS, { item_1: '1', item_3: '1', item_4: '   ' })).toEqual({ ok: true, answers: { '1': 1, '3': [1] } });
  });

  it('names a missing required item by kind, keyed by its field', () => {
    const result = parseAnswers(ITEMS, {});
    expect(result).toEqual({ ok: false, errors: { item_1: 'evaluationAnswers.errors.required.scale', item_3: 'evaluationAnswers.errors.required.multiple' }, errorParams: {} });
  });

  it('refuses values the form never offers: outside the scale, unknown options, two values for one choice', () => {
    for (const body of [{ item_1: '0' }, { item_1: '6' }, { item_1: '2.5' }, { item_1: ['1', '2'] }, { item_1: '3', item_2: '3' }, { item_1: '3', item_3: ['0', '7'] }]) {
      const result = parseAnswers(ITEMS, { item_3: '0', ...body });
      expect(result.ok).toBe(false);
      if (!result.ok) expect(Object.values(result.errors)).toContain('evaluationAnswers.errors.invalidChoice');
    }
  });

  it('limits free texts and names the limit', () => {
    const result = parseAnswers(ITEMS, { item_1: '3', item_3: '0', item_4: 'x'.repeat(TEXT_MAX_LENGTH + 1) });
    expect(result).toEqual({ ok: false, errors: { item_4: 'evaluationAnswers.errors.tooLong' }, errorParams: { item_4: { max: TEXT_MAX_LENGTH } } });
  });

  it('keeps what was chosen for the form shown again', () => {
    expect(keptAnswers(ITEMS, { item_2: '1', item_3: ['0', '1'], item_4: 'Text' })).toEqual({ item_1: [], item_2: ['1'], item_3: ['0', '1'], item_4: ['Text'] });
  });
});
