import { systemActor } from '../../src/audit/audit.service';
import { createInvitedAccount, unusablePasswordHash } from '../../src/accounts/invitations.service';
import { linkIn, useTestApp } from '../support/app';
import { createOrganisation, createUser } from '../support/factories';
import { fieldErrorText, inputValue } from '../support/html';
import { loginAs, newAgent, submitForm } from '../support/http';

const GOOD = 'Ein-langer-Satz-als-Passwort';
const REFUSED_TODAY_ACCEPTED = ['Passwort1234', 'passwort1234', 'aaaaaaaaaaaa'];

describe('password policy on every form that sets a password', () => {
  const ctx = useTestApp();

  it('registration: too short, too common and own name are refused with a German reason; the input stays, nothing is created', async () => {
    const organisation = await createOrganisation(ctx.db);
    const form = { firstName: 'Jana', lastName: 'Köhler', email: 'jana.koehler@beispielburg.example', organisationId: String(organisation.id), privacyAccepted: 'yes' };
    const cases: Array<[string, string]> = [
      ['1234567890', 'Das Passwort muss mindestens 12 Zeichen lang sein.'],
      ['Passwort1234', 'Dieses Passwort ist zu verbreitet und wird bei Angriffen als Erstes ausprobiert. Bitte wählen Sie ein anderes.'],
      ['JanaKoehler2026', 'Das Passwort ähnelt Ihrem Namen oder Ihrer E-Mail-Adresse. Bitte wählen Sie ein anderes.'],
    ];
    for (const [password, message] of cases) {
      const response = await submitForm(newAgent(ctx.app), '/register', '/register', { ...form, password, passwordConfirm: password });
      expect(response.status).toBe(422);
      expect(fieldErrorText(response.text, 'password')).toBe(message);
      expect(inputValue(response.text, 'lastName')).toBe('Köhler');
      expect(response.text).not.toContain(password);
    }
    expect(await ctx.db('users')).toHaveLength(0);
    const accepted = await submitForm(newAgent(ctx.app), '/register', '/register', { ...form, password: GOOD, passwordConfirm: GOOD });
    expect(accepted.status).toBe(303);
  });

  it('password reset: a guessable password is refused, the link stays usable, the old password keeps working', async () => {
    const user = await createUser(ctx.db, { firstName: 'Tobias', lastName: 'Brenner' });
    await submitForm(newAgent(ctx.app), '/password/forgot', '/password/forgot', { email: user.email });
    await ctx.deliverMail();
    const link = linkIn(ctx.mailbox[0]);
    for (const password of [...REFUSED_TODAY_ACCEPTED, 'Tobias-Brenner-1']) {
      const response = await submitForm(newAgent(ctx.app), link, link, { password, passwordConfirm: password });
      expect(response.status).toBe(422);
      expect(fieldErrorText(response.text, 'password')).toMatch(/verbreitet|Wiederholungen|Namen oder Ihrer E-Mail-Adresse/);
    }
    expect((await submitForm(newAgent(ctx.app), '/login', '/login', { email: user.email, password: user.password })).status).toBe(303);
    expect((await submitForm(newAgent(ctx.app), link, link, { password: GOOD, passwordConfirm: GOOD })).status).toBe(303);
  });

  it('invitation: the first password follows the same rules', async () => {
    const organisation = await createOrganisation(ctx.db);
    const { token } = await ctx.db.transaction(async (trx) =>
      createInvitedAccount(trx, { email: 'eingeladen@gemeinde.example', firstName: 'Mia', lastName: 'Wolf', organisationId: organisation.id, locale: 'de' }, await unusablePasswordHash(), systemActor),
    );
    const link = `/invitation/${token}`;
    const weak = await submitForm(newAgent(ctx.app), link, link, { password: 'Passwort1234', passwordConfirm: 'Passwort1234' });
    expect(weak.status).toBe(422);
    expect(fieldErrorText(weak.text, 'password')).toContain('zu verbreitet');
    const own = await submitForm(newAgent(ctx.app), link, link, { password: 'MiaWolf-eingeladen', passwordConfirm: 'MiaWolf-eingeladen' });
    expect(own.status).toBe(422);
    expect(fieldErrorText(own.text, 'password')).toContain('ähnelt Ihrem Namen');
    expect((await submitForm(newAgent(ctx.app), link, link, { password: GOOD, passwordConfirm: GOOD })).status).toBe(303);
  });

  it('account page: changing to a guessable password is refused and changes nothing', async () => {
    const user = await createUser(ctx.db);
    const agent = await loginAs(ctx.app, user);
    const response = await submitForm(agent, '/account', '/account/password', { currentPassword: user.password, password: 'Passwort1234', passwordConfirm: 'Passwort1234' });
    expect(response.status).toBe(422);
    expect(fieldErrorText(response.text, 'password')).toContain('zu verbreitet');
    expect(await ctx.db('audit_events').where({ action: 'password.changed' })).toHaveLength(0);
    expect((await submitForm(newAgent(ctx.app), '/login', '/login', { email: user.email, password: user.password })).status).toBe(303);
  });
});
