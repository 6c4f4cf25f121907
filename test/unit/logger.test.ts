import { redactUrl } from '../../src/http/logger';

describe('URLs in the log', () => {
  it.each([
    ['/register/verify/abcDEF123_-', '/register/verify/[redacted]'],
    ['/password/reset/abcDEF123', '/password/reset/[redacted]'],
    ['/invitation/abcDEF123?x=1', '/invitation/[redacted]?x=1'],
    ['/calendar/abcDEF123.ics', '/calendar/[redacted].ics'],
    ['/verify/ABCD-EFGH-JKMN', '/verify/[redacted]'],
    ['/check-in?code=483920', '/check-in?code=[redacted]'],
    ['/offerings?page=2&token=geheim&_csrf=xyz', '/offerings?page=2&token=[redacted]&_csrf=[redacted]'],
  ])('redacts the secret in %s', (url, expected) => {
    expect(redactUrl(url)).toBe(expected);
  });

  it('keeps addresses without secrets as they are', () => {
    expect(redactUrl('/verify')).toBe('/verify');
    expect(redactUrl('/offerings/12/materials?tab=neu')).toBe('/offerings/12/materials?tab=neu');
    expect(redactUrl('/my/calendar-feed')).toBe('/my/calendar-feed');
  });
});
