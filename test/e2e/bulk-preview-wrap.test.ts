import { useBrowserApp } from '../support/browser';
import { createOffering } from '../support/catalog-factories';
import { createUser } from '../support/factories';

describe('bulk enrollment preview in the browser', () => {
  const b = useBrowserApp();

  it('wraps long names inside their cell on a narrow window, so the outcome column stays in view', async () => {
    const offering = await createOffering(b.db, { title: 'Workshop Winter' });
    const coordinator = await createUser(b.db, { role: 'coordinator' });
    await b.page.setViewportSize({ width: 640, height: 900 });
    await b.logIn(b.page, coordinator);
    await b.visit(`/manage/offerings/${offering.id}/enrollments/bulk`);
    const longName = 'Maximiliane-Friederike-Konstanze-Wilhelmine-Augusta';
    await b.page.getByLabel('Liste einfügen').fill(`maximiliane.von-hohenzollern-sigmaringen@verbandsgemeinde-beispielburg.example;${longName};von Hohenzollern-Sigmaringen-Hechingen;Stadt Beispielburg`);
    await b.follow(() => b.page.getByRole('button', { name: 'Liste prüfen' }).click());

    // Measured in the page (a string: the test's TypeScript has no DOM types).
    const layout = (await b.page.evaluate(`(() => {
      const table = document.querySelector('table.app-wrapping-table');
      const scroller = table.closest('.kern-table-responsive');
      const nameCell = table.querySelector('tbody tr td:nth-of-type(2)');
      const lineHeight = parseFloat(getComputedStyle(nameCell).lineHeight) || 24;
      return { scrollWidth: scroller.scrollWidth, clientWidth: scroller.clientWidth, nameLines: Math.round(nameCell.getBoundingClientRect().height / lineHeight) };
    })()`)) as { scrollWidth: number; clientWidth: number; nameLines: number };
    // Nothing to scroll sideways: the table fits its box, and the long name takes more than one line.
    expect(layout.scrollWidth).toBeLessThanOrEqual(layout.clientWidth);
    expect(layout.nameLines).toBeGreaterThan(1);
  });
});
