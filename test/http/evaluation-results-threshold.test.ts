import { useTestApp } from '../support/app';
import { createOffering } from '../support/catalog-factories';
import { createQuestionnaire, seedResponses } from '../support/evaluation-factories';
import { createUser } from '../support/factories';
import { loginAs, textOf } from '../support/http';

const DAY_MS = 24 * 60 * 60 * 1000;

/** EVALUATION_MIN_RESPONSES is the region's choice: here 3 instead of 5. */
describe('evaluation results with a threshold of 3', () => {
  const ctx = useTestApp({ EVALUATION_MIN_RESPONSES: '3' });

  it('shows three responses and withholds two, naming the configured number; free texts are escaped', async () => {
    const coordinator = await createUser(ctx.db, { role: 'coordinator' });
    const questionnaire = await createQuestionnaire(ctx.db, { inUse: true });
    const [scaleId, , , textId] = questionnaire.itemIds as [number, number, number, number];
    const evaluationOf = async (title: string, responses: number) => {
      const offering = await createOffering(ctx.db, { title, startsInDays: -20, registrationOpensInDays: -40 });
      const closesAt = new Date(Date.now() - DAY_MS);
      const [row] = await ctx.db('evaluations')
        .insert({ version_id: questionnaire.versionId, offering_id: offering.id, scope: 'offering', opens_at: new Date(closesAt.getTime() - 14 * DAY_MS), closes_at: closesAt, closed_at: closesAt, invited_count: 4, answered_count: responses })
        .returning('id');
      const id = (row as { id: number }).id;
      await seedResponses(ctx.db, id, Array.from({ length: responses }, (_, index) => ({ [scaleId]: index + 3, [textId]: `<script>alert(${index})</script>` })));
      return id;
    };
    const three = await evaluationOf('Workshop März', 3);
    const two = await evaluationOf('Workshop April', 2);

    const agent = await loginAs(ctx.app, coordinator);
    const shown = await agent.get(`/evaluation/results/${three}`).expect(200);
    expect(textOf(shown.text)).toContain('Mittelwert 4, Median 4 (3 Antworten; Skala 1 bis 5).');
    expect(shown.text).toContain('&lt;script&gt;alert(0)&lt;/script&gt;');
    expect(shown.text).not.toContain('<script>alert(');
    const withheld = textOf((await agent.get(`/evaluation/results/${two}`).expect(200)).text);
    expect(withheld).toContain('Weniger als 3 Antworten: Ergebnisse werden zum Schutz der Anonymität nicht angezeigt.');
    expect(withheld).not.toContain('Mittelwert');
  });
});
