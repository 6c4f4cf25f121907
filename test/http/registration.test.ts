import { linkIn, useTestApp } from '../support/app';
import { createOrganisation, createUser } from '../support/factories';
import { errorSummaryText, fieldErrorText, inputValue, selectOptions } from '../support/html';
import { newAgent, submitForm, textOf, type Agent } from '../support/http';

const NEW_PASSWORD = 'Ein-langer-Satz-als-Passwort';

describe('self-registration', () => {
  const ctx = useTestApp();

  async function registrationForm(overrides: Record<string, string> = {}): Promise<Record<string, string>> {
    const organisation = (await ctx.db('organisations').where({ name: 'Stadt Beispielburg' }).first()) ?? (await createOrganisation(ctx.db, { name: 'Stadt Beispielburg' }));
    return {
      firstName: 'Jana',
      lastName: 'Köhler',
      email: 'jana.koehler@beispielburg.example',
      organisationId: String(organisation.id),
      department: 'Ordnungsamt',
      password: NEW_PASSWORD,
      passwordConfirm: NEW_PASSWORD,
      privacyAccepted: 'yes',
      ...overrides,
    };
  }

  function register(agent: Agent, fields: Record<string, string>) {
    return submitForm(agent, '/register', '/register', fields);
  }

  function login(email: string, password: string) {
    return submitForm(newAgent(ctx.app), '/login', '/login', { email, password });
  }

  it('creates an unverified participant, mails a confirmation link and lets the person log in only after confirming', async () => {
    const form = await registrationForm();
    const agent = newAgent(ctx.app);
    const response = await register(agent, form);
    expect(response.status).toBe(303);
    expect(response.headers.location).toBe('/register/sent');
    const sentPage = await agent.get('/register/sent');
    expect(sentPage.status).toBe(200);
    expect(textOf(sentPage.text)).toContain('Bitte bestätigen Sie Ihre E-Mail-Adresse');

    const [user] = await ctx.db('users').where({ email: form.email });
    expect(user).toMatchObject({ first_name: 'Jana', last_name: 'Köhler', department: 'Ordnungsamt', role: 'participant', active: true, email_verified_at: null });
    expect(user.organisation_id).toBe(Number(form.organisationId));
    expect(user.password_hash).not.toContain(NEW_PASSWORD);

    await ctx.deliverMail();
    expect(ctx.mailbox).toHaveLength(1);
    expect(ctx.mailbox[0]).toMatchObject({ to: form.email, subject: 'Bitte bestätigen Sie Ihre E-Mail-Adresse' });
    // The address is not confirmed yet: no self-chosen name in the mail.
    expect(ctx.mailbox[0]?.html).toContain('Guten Tag,');
    expect(ctx.mailbox[0]?.text).not.toContain('Jana');
    const verifyLink = linkIn(ctx.mailbox[0]);
    expect(verifyLink).toMatch(/^\/register\/verify\/[\w-]{20,}$/);

    // Before confirming: refused with a hint, and a fresh link goes out.
    const early = await login(form.email!, NEW_PASSWORD);
    expect(early.status).toBe(422);
    expect(textOf(early.text)).toContain('Bitte bestätigen Sie zuerst Ihre E-Mail-Adresse');
    await ctx.deliverMail();
    expect(ctx.mailbox).toHaveLength(2);
    expect(ctx.mailbox[1]?.to).toBe(form.email);
    expect(linkIn(ctx.mailbox[1])).not.toBe(verifyLink);

    const verified = await agent.get(verifyLink);
    expect(verified.status).toBe(303);
    expect(verified.headers.location).toBe('/login');
    const loginPage = await agent.get('/login');
    expect(textOf(loginPage.text)).toContain('Ihre E-Mail-Adresse ist bestätigt.');
    expect((await ctx.db('users').where({ email: form.email }).first()).email_verified_at).not.toBeNull();

    const afterwards = await login(form.email!, NEW_PASSWORD);
    expect(afterwards.status).toBe(303);
    expect(afterwards.headers.location).toBe('/');

    const audit = await ctx.db('audit_events').where({ subject_type: 'user', subject_id: String(user.id) }).orderBy('id');
    expect(audit.map((row) => row.action)).toEqual(['account.registered', 'login.failed', 'account.email_verified', 'login']);
  });

  it('answers a link that was already used with 410 and does not verify anything', async () => {
    const form = await registrationForm();
    await register(newAgent(ctx.app), form);
    await ctx.deliverMail();
    const verifyLink = linkIn(ctx.mailbox[0]);
    expect((await newAgent(ctx.app).get(verifyLink)).status).toBe(303);

    const again = await newAgent(ctx.app).get(verifyLink);
    expect(again.status).toBe(410);
    expect(textOf(again.text)).toContain('Link ungültig');
    expect(textOf(again.text)).toContain('ungültig, abgelaufen oder wurde bereits verwendet');

    const unknown = await newAgent(ctx.app).get('/register/verify/gibt-es-nicht');
    expect(unknown.status).toBe(410);
  });

  it('answers an address that is already registered (in any case) exactly like a new one and mails the owner instead', async () => {
    const existing = await createUser(ctx.db, { email: 'erika.muster@beispielburg.example', firstName: 'Erika' });
    const newcomer = await register(newAgent(ctx.app), await registrationForm({ email: 'neu@beispielburg.example' }));
    await ctx.deliverMail();
    ctx.mailbox.length = 0;

    const duplicate = await register(newAgent(ctx.app), await registrationForm({ email: 'Erika.Muster@Beispielburg.EXAMPLE', firstName: 'Mallory' }));
    expect(duplicate.status).toBe(newcomer.status);
    expect(duplicate.headers.location).toBe(newcomer.headers.location);
    expect(duplicate.text).toBe(newcomer.text);

    const rows = await ctx.db('users').whereRaw('lower(email) = ?', ['erika.muster@beispielburg.example']);
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ id: existing.id, first_name: 'Erika' });

    await ctx.deliverMail();
    expect(ctx.mailbox).toHaveLength(1);
    expect(ctx.mailbox[0]?.to).toBe('erika.muster@beispielburg.example');
    expect(ctx.mailbox[0]?.subject).toBe('Sie haben bereits ein Konto');
    // Whoever typed the address chose the name in the form; neither name goes into the mail.
    expect(ctx.mailbox[0]?.text).toContain('Guten Tag,');
    expect(ctx.mailbox[0]?.text).not.toMatch(/Mallory|Erika/);
    expect(linkIn(ctx.mailbox[0])).toBe('/password/forgot');

    // The owner's password still works; nothing about the account changed.
    expect((await login(existing.email, existing.password)).status).toBe(303);
  });

  it('shows German messages next to empty fields, an error summary, and keeps the input but never the password', async () => {
    const form = await registrationForm();
    const response = await register(newAgent(ctx.app), { ...form, firstName: '  ', email: 'keine-adresse', organisationId: '', password: 'kurz-pw', passwordConfirm: 'kurz-pw', privacyAccepted: '' });
    expect(response.status).toBe(422);
    expect(fieldErrorText(response.text, 'firstName')).toBe('Bitte füllen Sie dieses Feld aus.');
    expect(fieldErrorText(response.text, 'email')).toBe('Bitte geben Sie eine gültige E-Mail-Adresse ein, z. B. name@gemeinde.de.');
    expect(fieldErrorText(response.text, 'organisationId')).toBe('Bitte wählen Sie einen Eintrag aus.');
    expect(fieldErrorText(response.text, 'password')).toBe('Das Passwort muss mindestens 12 Zeichen lang sein.');
    expect(fieldErrorText(response.text, 'privacyAccepted')).toBe('Bitte bestätigen Sie, dass Sie die Datenschutzhinweise gelesen haben.');
    expect(fieldErrorText(response.text, 'lastName')).toBe('');

    const summary = errorSummaryText(response.text);
    expect(summary).toContain('Bitte prüfen Sie Ihre Angaben');
    expect(summary).toContain('Bitte füllen Sie dieses Feld aus.');
    expect(summary).toContain('Das Passwort muss mindestens 12 Zeichen lang sein.');
    expect(response.text).toContain('href="#field-organisationId"');
    expect(response.text).toMatch(/id="field-email"[^>]*aria-invalid="true"/);

    expect(inputValue(response.text, 'lastName')).toBe('Köhler');
    expect(inputValue(response.text, 'email')).toBe('keine-adresse');
    expect(inputValue(response.text, 'department')).toBe('Ordnungsamt');
    expect(inputValue(response.text, 'password')).toBeUndefined();
    expect(response.text).not.toContain('kurz-pw');

    expect(await ctx.db('users')).toHaveLength(0);
    await ctx.deliverMail();
    expect(ctx.mailbox).toHaveLength(0);
  });

  it('keeps the chosen organisation and the ticked checkbox when only the password confirmation is wrong', async () => {
    const form = await registrationForm({ passwordConfirm: 'Ein-anderer-langer-Satz' });
    const response = await register(newAgent(ctx.app), form);
    expect(response.status).toBe(422);
    expect(fieldErrorText(response.text, 'passwordConfirm')).toBe('Die Passwörter stimmen nicht überein.');
    expect(selectOptions(response.text, 'organisationId').find((option) => option.selected)?.label).toBe('Stadt Beispielburg');
    expect(response.text).toMatch(/id="field-privacyAccepted"[^>]*checked/);
    expect(response.text).not.toContain(NEW_PASSWORD);
    expect(response.text).not.toContain('Ein-anderer-langer-Satz');
    expect(await ctx.db('users')).toHaveLength(0);
  });

  it('refuses an organisation that is no longer active (and does not offer it)', async () => {
    const inactive = await createOrganisation(ctx.db, { name: 'Aufgelöste Gemeinde', active: false });
    const form = await registrationForm({ organisationId: String(inactive.id) });
    const page = await newAgent(ctx.app).get('/register');
    expect(selectOptions(page.text, 'organisationId').map((option) => option.label)).toEqual(['Bitte auswählen', 'Stadt Beispielburg']);

    const response = await register(newAgent(ctx.app), form);
    expect(response.status).toBe(422);
    expect(fieldErrorText(response.text, 'organisationId')).toBe('Bitte wählen Sie einen Eintrag aus.');
    expect(errorSummaryText(response.text)).toContain('Bitte wählen Sie einen Eintrag aus.');
    expect(inputValue(response.text, 'email')).toBe(form.email);
    expect(response.text).not.toContain(NEW_PASSWORD);
    expect(await ctx.db('users')).toHaveLength(0);
    await ctx.deliverMail();
    expect(ctx.mailbox).toHaveLength(0);
  });

  it('refuses an organisation id that does not exist', async () => {
    const response = await register(newAgent(ctx.app), await registrationForm({ organisationId: '999999' }));
    expect(response.status).toBe(422);
    expect(fieldErrorText(response.text, 'organisationId')).toBe('Bitte wählen Sie einen Eintrag aus.');
    expect(await ctx.db('users')).toHaveLength(0);
  });
  it('refuses names that carry a link, an address or markup, with a German message, and creates nothing', async () => {
    const message = 'Bitte verwenden Sie nur Buchstaben, Leerzeichen, Bindestrich, Apostroph und Punkt (keine Internet- oder E-Mail-Adressen).';
    for (const [field, value] of [
      ['firstName', 'Klicken Sie hier: http://evil.example'],
      ['firstName', 'Besuchen Sie www.evil.example'],
      ['lastName', 'evil.example'],
      ['lastName', 'chef@evil.example'],
      ['firstName', '<b>Jana</b>'],
      ['firstName', 'J'.repeat(61)],
    ] as const) {
      const response = await register(newAgent(ctx.app), await registrationForm({ [field]: value }));
      expect(response.status).toBe(422);
      expect(fieldErrorText(response.text, field)).toBe(value.length > 60 ? 'Höchstens 60 Zeichen.' : message);
      expect(inputValue(response.text, 'email')).toBe('jana.koehler@beispielburg.example');
    }
    expect(await ctx.db('users')).toHaveLength(0);
    await ctx.deliverMail();
    expect(ctx.mailbox).toHaveLength(0);
  });

  it('accepts real names with umlauts, accents, hyphens, apostrophes and dots', async () => {
    const names = [
      ['Zoë-Marie', "O'Neill"],
      ['Jürgen F.', 'Müller-Lüdenscheidt'],
      ['Çağla', 'Øster'],
    ];
    for (const [index, [firstName, lastName]] of names.entries()) {
      const response = await register(newAgent(ctx.app), await registrationForm({ firstName: firstName!, lastName: lastName!, email: `person${index}@beispielburg.example` }));
      expect(response.status).toBe(303);
    }
    expect((await ctx.db('users').orderBy('id')).map((user) => `${user.first_name} ${user.last_name}`)).toEqual(names.map((name) => name.join(' ')));
  });
});
