import path from 'node:path';
import { ConfigError, loadConfig } from '../../src/config';

const SECRET = 'a-production-secret-with-at-least-32-characters';

function configError(env: NodeJS.ProcessEnv): ConfigError {
  try {
    loadConfig(env);
  } catch (error) {
    if (error instanceof ConfigError) return error;
    throw error;
  }
  throw new Error('loadConfig accepted the configuration');
}

describe('loadConfig', () => {
  it('refuses to start in production without SESSION_SECRET and says so', () => {
    const error = configError({ NODE_ENV: 'production' });
    expect(error.message).toContain('SESSION_SECRET');
    expect(error.message).toContain('required in production');
  });

  it('refuses a SESSION_SECRET that is too short, naming the variable', () => {
    const error = configError({ NODE_ENV: 'production', SESSION_SECRET: 'kurz' });
    expect(error.message).toMatch(/SESSION_SECRET: must be at least 32 characters/);
  });

  it('names PORT when it is not a port number', () => {
    expect(configError({ PORT: 'dreitausend' }).message).toMatch(/- PORT: /);
    expect(configError({ PORT: '70000' }).message).toMatch(/- PORT: /);
  });

  it('lists every bad variable at once', () => {
    const message = configError({ PORT: 'x', DATABASE_URL: 'mysql://db/kokoma', NODE_ENV: 'staging' }).message;
    expect(message).toContain('PORT');
    expect(message).toContain('DATABASE_URL: must be a postgres:// URL');
    expect(message).toContain('NODE_ENV');
  });

  it('starts in production with a secret, with secure defaults and no demo data', () => {
    const config = loadConfig({ NODE_ENV: 'production', SESSION_SECRET: SECRET, BASE_URL: 'https://campus.example/' });
    expect(config).toMatchObject({ isProduction: true, sessionSecret: SECRET, demoSeed: false, baseUrl: 'https://campus.example', port: 3000 });
    expect(Object.isFrozen(config)).toBe(true);
  });

  it('needs nothing in development', () => {
    const config = loadConfig({});
    expect(config).toMatchObject({ env: 'development', isProduction: false, port: 3000, baseUrl: 'http://localhost:3000', demoSeed: true, passwordResetTtlMinutes: 60 });
    expect(config.sessionSecret.length).toBeGreaterThanOrEqual(32);
    expect(path.isAbsolute(config.mail.dir)).toBe(true);
  });

  it('reads the values it is given', () => {
    const config = loadConfig({ PORT: '8080', DEMO_SEED: 'no', PASSWORD_RESET_TTL_MINUTES: '30', REGION_NAME: 'Kreis Beispiel', SMTP_URL: 'smtp://mail.example:587' });
    expect(config).toMatchObject({ port: 8080, demoSeed: false, passwordResetTtlMinutes: 30, baseUrl: 'http://localhost:8080' });
    expect(config.region.name).toBe('Kreis Beispiel');
    expect(config.mail.smtpUrl).toBe('smtp://mail.example:587');
  });
});
