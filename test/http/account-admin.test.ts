import { linkIn, useTestApp } from '../support/app';
import { createOrganisation, createUser, type TestUser } from '../support/factories';
import { errorSummaryText, fieldErrorText, inputValue, selectOptions } from '../support/html';
import { loginAs, newAgent, submitForm, textOf, type Agent } from '../support/http';

const NEW_PASSWORD = 'Gruene-Wiese-am-Fluss-7';

describe('inviting people (administration)', () => {
  const ctx = useTestApp();
  let admin: TestUser;
  let adminAgent: Agent;
  let organisation: { id: number; name: string };

  beforeEach(async () => {
    organisation = await createOrganisation(ctx.db, { name: 'Stadt Bergheide' });
    admin = await createUser(ctx.db, { role: 'admin', firstName: 'Ada', lastName: 'Admin' });
    adminAgent = await loginAs(ctx.app, admin);
  });

  const invite = (fields: Record<string, string>, agent = adminAgent) => submitForm(agent, '/admin/invitations', '/admin/invitations', fields);
  const valid = () => ({ firstName: 'Clara', lastName: 'Weißbach', email: 'c.weissbach@bergheide.example', organisationId: String(organisation.id), role: 'coordinator', locale: 'de' });

  /** Uploads a list the way the browser sends the multipart form: the CSRF token in the action URL. */
  async function uploadList(content: string | Buffer, agent = adminAgent) {
    const page = await agent.get('/admin/invitations');
    const action = /<form method="post" action="([^"]+)" enctype="multipart\/form-data"/.exec(page.text)![1]!.replace(/&amp;/g, '&');
    return agent.post(action).attach('file', Buffer.isBuffer(content) ? content : Buffer.from(content, 'utf8'), { filename: 'einladungen.csv', contentType: 'text/csv' });
  }

  function previewIdIn(html: string): string {
    return inputValue(html, 'previewId') ?? '';
  }

  it('invites one person with a role and a language: the account waits for activation, the mail goes through the outbox, the link sets the password', async () => {
    const response = await invite(valid());
    expect(response.status).toBe(303);
    expect(textOf((await adminAgent.get('/admin/invitations')).text)).toContain('Clara Weißbach wurde eingeladen');

    const account = await ctx.db('users').where({ email: 'c.weissbach@bergheide.example' }).first();
    expect(account).toMatchObject({ first_name: 'Clara', last_name: 'Weißbach', role: 'coordinator', locale: 'de', organisation_id: organisation.id, active: true, email_verified_at: null });
    // Queued in the transaction: the outbox row exists before anything was delivered.
    expect(await ctx.db('outgoing_mails').where({ recipient: 'c.weissbach@bergheide.example' })).toHaveLength(1);
    await ctx.deliverMail();
    expect(ctx.mailbox).toHaveLength(1);
    const mail = ctx.mailbox[0]!;
    expect(mail.subject).toBe('Einladung zu KoKoMa Campus');
    expect(mail.text).toContain('Guten Tag Clara Weißbach,');
    expect(mail.text).toContain('Ihre Rolle: Koordination.');
    expect(mail.text).toContain('14 Tage gültig');
    const audit = await ctx.db('audit_events').where({ action: 'account.invited', subject_id: String(account.id) }).first();
    expect(audit.actor_user_id).toBe(admin.id);
    expect(audit.after).toMatchObject({ role: 'coordinator', locale: 'de' });

    // Not yet active: the login says the address is unconfirmed.
    const early = await submitForm(newAgent(ctx.app), '/login', '/login', { email: 'c.weissbach@bergheide.example', password: NEW_PASSWORD });
    expect(early.status).toBe(422);

    const invited = newAgent(ctx.app);
    const link = linkIn(mail);
    expect((await invited.get(link)).status).toBe(200);
    const accepted = await submitForm(invited, link, link, { password: NEW_PASSWORD, passwordConfirm: NEW_PASSWORD });
    expect(accepted.status).toBe(303);
    const agent = await loginAs(ctx.app, { email: 'c.weissbach@bergheide.example', password: NEW_PASSWORD });
    // A coordinator: the organisations page is theirs.
    expect((await agent.get('/admin/organisations')).status).toBe(200);
  });

  it('writes the English mail for an English invitation', async () => {
    await invite({ ...valid(), email: 'guest@elsewhere.example', role: 'participant', locale: 'en' });
    await ctx.deliverMail();
    expect(ctx.mailbox[0]).toMatchObject({ to: 'guest@elsewhere.example', subject: 'Invitation to KoKoMa Campus' });
    expect(ctx.mailbox[0]!.text).toContain('Your role: Participant');
  });

  it('refuses bad input with 422, German messages and the input kept, and creates nothing', async () => {
    const response = await invite({ firstName: '', lastName: 'www.evil.example', email: 'kein-at-zeichen', organisationId: '', role: 'kaiser', locale: 'fr' });
    expect(response.status).toBe(422);
    expect(errorSummaryText(response.text)).toContain('Bitte prüfen Sie Ihre Angaben');
    expect(fieldErrorText(response.text, 'lastName')).toContain('Bitte verwenden Sie nur Buchstaben');
    expect(fieldErrorText(response.text, 'firstName')).toBe('Bitte füllen Sie dieses Feld aus.');
    expect(fieldErrorText(response.text, 'email')).toBe('Bitte geben Sie eine gültige E-Mail-Adresse ein, z. B. name@gemeinde.de.');
    expect(fieldErrorText(response.text, 'organisationId')).toBe('Bitte wählen Sie einen Eintrag aus.');
    expect(fieldErrorText(response.text, 'role')).toBe('Bitte wählen Sie einen Eintrag aus.');
    expect(inputValue(response.text, 'email')).toBe('kein-at-zeichen');

    await createUser(ctx.db, { email: 'vergeben@bergheide.example' });
    const taken = await invite({ ...valid(), email: 'Vergeben@Bergheide.example' });
    expect(taken.status).toBe(422);
    expect(fieldErrorText(taken.text, 'email')).toBe('Für diese E-Mail-Adresse gibt es schon ein Konto.');
    expect(inputValue(taken.text, 'firstName')).toBe('Clara');
    expect(selectOptions(taken.text, 'role').find((option) => option.selected)?.value).toBe('coordinator');

    const inactive = await createOrganisation(ctx.db, { name: 'Alte Gemeinde', active: false });
    const closed = await invite({ ...valid(), organisationId: String(inactive.id) });
    expect(closed.status).toBe(422);
    expect(await ctx.db('users').where({ email: 'c.weissbach@bergheide.example' })).toHaveLength(0);
    expect(await ctx.db('outgoing_mails')).toHaveLength(0);
  });

  it('lets only admins invite: coordinators get 403 and create nobody', async () => {
    const coordinator = await createUser(ctx.db, { role: 'coordinator' });
    const coordinatorAgent = await loginAs(ctx.app, coordinator);
    expect((await coordinatorAgent.get('/admin/invitations')).status).toBe(403);
    const response = await coordinatorAgent.post('/admin/invitations').type('form').send({ ...valid(), role: 'admin', _csrf: 'x' });
    expect(response.status).toBe(403);
    expect(await ctx.db('users').where({ email: 'c.weissbach@bergheide.example' })).toHaveLength(0);
  });

  it('shows an expired link as such, with how to get a new one; a resend makes a new link and the old one invalid', async () => {
    await invite(valid());
    await ctx.deliverMail();
    const firstLink = linkIn(ctx.mailbox[0]);
    const account = await ctx.db('users').where({ email: 'c.weissbach@bergheide.example' }).first();
    await ctx.db('account_tokens').where({ user_id: account.id, purpose: 'invitation' }).update({ expires_at: new Date(Date.now() - 60_000) });

    const expired = await newAgent(ctx.app).get(firstLink);
    expect(expired.status).toBe(410);
    const expiredText = textOf(expired.text);
    expect(expiredText).toContain('Einladungslink abgelaufen');
    expect(expiredText).toContain('„Passwort vergessen?“');
    expect(expiredText).toContain('Einladung erneut zu senden');

    const detail = await adminAgent.get(`/admin/users/${account.id}`);
    expect(textOf(detail.text)).toContain('Einladung erneut senden');
    const resent = await submitForm(adminAgent, `/admin/users/${account.id}`, `/admin/users/${account.id}/invitation`, {});
    expect(resent.status).toBe(303);
    expect(textOf((await adminAgent.get(`/admin/users/${account.id}`)).text)).toContain('Die Einladung wurde erneut an c.weissbach@bergheide.example gesendet.');
    await ctx.deliverMail();
    expect(ctx.mailbox).toHaveLength(2);
    const secondLink = linkIn(ctx.mailbox[1]);
    expect(secondLink).not.toBe(firstLink);

    // The expired link is now replaced: no longer "expired" but invalid.
    const old = await newAgent(ctx.app).get(firstLink);
    expect(old.status).toBe(410);
    expect(textOf(old.text)).toContain('Dieser Einladungslink ist ungültig');
    const invited = newAgent(ctx.app);
    expect((await submitForm(invited, secondLink, secondLink, { password: NEW_PASSWORD, passwordConfirm: NEW_PASSWORD })).status).toBe(303);
    expect(await ctx.db('audit_events').where({ action: 'account.invitation_resent', subject_id: String(account.id) })).toHaveLength(1);

    // Activated: no more invitations, the page offers a password reset instead.
    const after = await adminAgent.get(`/admin/users/${account.id}`);
    expect(textOf(after.text)).not.toContain('Einladung erneut senden');
    expect((await submitForm(adminAgent, `/admin/users/${account.id}`, `/admin/users/${account.id}/invitation`, {})).status).toBe(409);
  });

  it('shows the invitation pages in English to an admin who chose English', async () => {
    await adminAgent.get('/language/en');
    const page = await adminAgent.get('/admin/invitations');
    const text = textOf(page.text);
    expect(text).toContain('Invite one person');
    expect(text).toContain('Invite several people from a list');
    const preview = await uploadList('a.b@bergheide.example;Anna;Beispiel;Stadt Bergheide;Koordination;Deutsch\n');
    expect(textOf(preview.text)).toContain('New: invited as Coordinator (German)');
    // No message key shows through untranslated.
    expect(`${text} ${textOf(preview.text)}`).not.toMatch(/\b(admin|accounts|common|bulk)\.[a-z]+\.[a-zA-Z.]+/);
  });

  describe('from a list', () => {
    const header = 'E-Mail;Vorname;Nachname;Organisation;Rolle;Sprache';

    it('reads a German-Excel CSV (BOM, semicolons), previews each row and creates nothing until confirmed', async () => {
      await createUser(ctx.db, { email: 'bekannt@bergheide.example', firstName: 'Bruno', lastName: 'Bekannt' });
      const csv = `\uFEFF${header}\r\nanna.ost@bergheide.example;Anna;Ost;stadt bergheide;Referent:in;Englisch\r\nbekannt@bergheide.example;Bruno;Bekannt;Stadt Bergheide;;\r\nmo.sued@bergheide.example;Mo;Süd;Stadt Bergheide;;\r\n`;
      const preview = await uploadList(csv);
      expect(preview.status).toBe(200);
      const text = textOf(preview.text);
      expect(text).toContain('Zeilen: 3 · neu einzuladen: 2 · haben schon ein Konto: 1 · mit Fehler: 0');
      expect(text).toContain('anna.ost@bergheide.example Anna Ost Stadt Bergheide Neu: wird als Referent:in eingeladen (Englisch)');
      expect(text).toContain('Hat schon ein Konto (Bruno Bekannt) – wird übersprungen');
      expect(text).toContain('mo.sued@bergheide.example Mo Süd Stadt Bergheide Neu: wird als Teilnehmende eingeladen (Deutsch)');
      expect(await ctx.db('users').whereIn('email', ['anna.ost@bergheide.example', 'mo.sued@bergheide.example'])).toHaveLength(0);

      const confirmed = await submitForm(adminAgent, '/admin/users', '/admin/invitations/list/confirm', { previewId: previewIdIn(preview.text) });
      expect(confirmed.status).toBe(303);
      expect(textOf((await adminAgent.get('/admin/users')).text)).toContain('2 Personen wurden eingeladen.');
      const created = await ctx.db('users').whereIn('email', ['anna.ost@bergheide.example', 'mo.sued@bergheide.example']).orderBy('email');
      expect(created.map((row) => [row.email, row.role, row.locale])).toEqual([
        ['anna.ost@bergheide.example', 'trainer', 'en'],
        ['mo.sued@bergheide.example', 'participant', 'de'],
      ]);
      await ctx.deliverMail();
      expect(ctx.mailbox.map((mail) => mail.to).sort()).toEqual(['anna.ost@bergheide.example', 'mo.sued@bergheide.example']);

      // The same confirmation again creates nothing twice.
      const again = await submitForm(adminAgent, '/admin/users', '/admin/invitations/list/confirm', { previewId: previewIdIn(preview.text) });
      expect(again.status).toBe(303);
      expect(textOf((await adminAgent.get('/admin/invitations')).text)).toContain('Diese Vorschau ist nicht mehr gültig');
      expect(await ctx.db('users').whereIn('email', ['anna.ost@bergheide.example', 'mo.sued@bergheide.example'])).toHaveLength(2);
    });

    it('shows every faulty row with its reason and offers no confirmation', async () => {
      const longName = 'Maximiliane-Friederike-Charlotte-Wilhelmine-Augusta-Theodora-von-Hohenlohe';
      const csv = [
        header,
        'ohne-at;A;B;Stadt Bergheide;;',
        'x1@bergheide.example;;Nachname;Stadt Bergheide;;',
        `x2@bergheide.example;Eva;${longName};Stadt Bergheide;;`,
        'x3@bergheide.example;Eva;Ernst;Bergheide Nord;;',
        'x4@bergheide.example;Eva;Ernst;Stadt Bergheide;Kaiserin;',
        'x5@bergheide.example;Eva;Ernst;Stadt Bergheide;;Französisch',
        'X5@bergheide.example;Eva;Ernst;Stadt Bergheide;;',
        'ok@bergheide.example;Olga;Ok;Stadt Bergheide;;',
      ].join('\n');
      const preview = await uploadList(csv);
      expect(preview.status).toBe(200);
      const text = textOf(preview.text);
      expect(text).toContain('mit Fehler: 7');
      expect(text).toContain('7 Zeilen mit Fehler – es wird niemand eingeladen');
      expect(text).toContain('Fehler: ungültige E-Mail-Adresse');
      expect(text).toContain('Fehler: Vor- oder Nachname fehlt');
      expect(text).toContain('Fehler: Name zu lang (höchstens 60 Zeichen)');
      expect(text).toContain('Fehler: Organisation „Bergheide Nord“ unbekannt');
      expect(text).toContain('Fehler: Rolle „Kaiserin“ unbekannt');
      expect(text).toContain('Fehler: Sprache „Französisch“ unbekannt');
      expect(text).toContain('Fehler: doppelt – dieselbe Adresse steht schon in Zeile 7');
      // Long names wrap instead of widening the page.
      expect(preview.text).toContain('app-wrapping-table');
      expect(preview.text).not.toContain('/admin/invitations/list/confirm');
      expect(await ctx.db('users').where('email', 'like', '%@bergheide.example')).toHaveLength(0);
    });

    it('refuses an unreadable or empty file with 422 and a German message', async () => {
      const workbook = await uploadList(Buffer.from([0x50, 0x4b, 0x03, 0x04, 0x14, 0x00]));
      expect(workbook.status).toBe(422);
      expect(fieldErrorText(workbook.text, 'file')).toContain('Excel-Arbeitsmappe');
      const empty = await uploadList(`${header}\n`);
      expect(empty.status).toBe(422);
      expect(fieldErrorText(empty.text, 'file')).toBe('Die Liste enthält keine Personen. Bitte wählen Sie eine Datei aus oder fügen Sie eine Liste ein.');
    });

    it('creates each person once when the same preview is confirmed twice at the same moment', async () => {
      const rows = Array.from({ length: 5 }, (_, index) => `p${index}@bergheide.example;Petra;Paar${String.fromCharCode(97 + index)};Stadt Bergheide;;`);
      const preview = await uploadList([header, ...rows].join('\n'));
      const previewId = previewIdIn(preview.text);
      const page = await adminAgent.get('/admin/users');
      const token = /name="_csrf" value="([^"]+)"/.exec(page.text)![1]!;
      const confirm = () => adminAgent.post('/admin/invitations/list/confirm').type('form').send({ previewId, _csrf: token });
      const responses = await Promise.all([confirm(), confirm()]);
      // One takes the list over; the other finds the accounts created and shows the preview again with nobody new
      // (or, had it come after the first had finished, finds the preview gone).
      expect(responses.filter((response) => response.status === 303).length).toBeGreaterThanOrEqual(1);
      for (const refused of responses.filter((response) => response.status !== 303)) {
        expect(refused.status).toBe(422);
        expect(errorSummaryText(refused.text)).toContain('Seit der Vorschau hat sich etwas geändert');
        expect(textOf(refused.text)).toContain('neu einzuladen: 0 · haben schon ein Konto: 5');
      }
      expect(await ctx.db('users').where('email', 'like', 'p_@bergheide.example')).toHaveLength(5);
      await ctx.deliverMail();
      expect(ctx.mailbox).toHaveLength(5);
      expect(await ctx.db('audit_events').where({ action: 'account.invited' })).toHaveLength(5);
    });
  });
});
