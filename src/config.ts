import path from 'node:path';
import { z } from 'zod';
import type { DatabaseTimeouts } from './db/database';
import { PROJECT_ROOT } from './shared/project-root';
import type { S3Settings } from './materials/s3-storage';
import { parseSsoSettings, type SsoSettings } from './accounts/sso/sso.config';

/**
 * The only reader of process.env. Everything the app can be configured with is
 * listed here, validated once at start and frozen; `.env.example` documents it.
 */
const booleanFlag = z
  .enum(['true', 'false', '1', '0', 'yes', 'no'])
  .transform((value) => ['true', '1', 'yes'].includes(value));

const envSchema = z.object({
  NODE_ENV: z.enum(['development', 'production', 'test']).default('development'),
  PORT: z.coerce.number().int().min(0).max(65535).default(3000),
  BASE_URL: z.url().optional(),
  DATABASE_URL: z.string().regex(/^postgres(ql)?:\/\//, 'must be a postgres:// URL').optional(),
  EMBEDDED_PG_PORT: z.coerce.number().int().min(1024).max(65535).default(54329),
  EMBEDDED_PG_DIR: z.string().default('var/postgres'),
  SESSION_SECRET: z.string().min(32, 'must be at least 32 characters').optional(),
  // Encrypts second-factor (TOTP) keys at rest; unset: derived from SESSION_SECRET (then rotating that one invalidates every authenticator app).
  SECOND_FACTOR_KEY: z.string().min(32, 'must be at least 32 characters').optional(),
  TRUST_PROXY: z.string().default('loopback'),
  SMTP_URL: z.string().regex(/^smtps?:\/\//, 'must be an smtp:// or smtps:// URL').optional(),
  MAIL_FROM: z.string().default('KoKoMa Campus <no-reply@kokoma.example>'),
  MAIL_DIR: z.string().default('var/mail'),
  REGION_NAME: z.string().min(1).default('Landkreis Musterland'),
  PROJECT_NAME: z.string().min(1).default('Kommunales Konfliktmanagement'),
  FUNDING_LINE: z
    .string()
    .default('Gefördert vom Bundesministerium für Bildung, Familie, Senioren, Frauen und Jugend im Rahmen des Bundesprogramms „Demokratie leben!“'),
  IMPRINT_URL: z.string().default('/impressum'),
  PRIVACY_URL: z.string().default('/datenschutz'),
  DEMO_SEED: booleanFlag.optional(),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  PASSWORD_RESET_TTL_MINUTES: z.coerce.number().int().min(5).max(24 * 60).default(60),
  UPLOAD_DIR: z.string().min(1).default('var/uploads'),
  MAX_UPLOAD_MB: z.coerce.number().int().min(1).max(10 * 1024).default(200),
  // Where material files live: the local directory (one instance) or an S3-compatible bucket (several instances).
  STORAGE_DRIVER: z.enum(['local', 's3']).default('local'),
  S3_ENDPOINT: z.url().optional(),
  S3_REGION: z.string().min(1).default('eu-central-1'),
  S3_BUCKET: z.string().regex(/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/, 'must be an S3 bucket name (3–63 lower-case letters, digits, dots, hyphens)').optional(),
  S3_ACCESS_KEY_ID: z.string().min(1).optional(),
  S3_SECRET_ACCESS_KEY: z.string().min(1).optional(),
  S3_FORCE_PATH_STYLE: booleanFlag.default(false),
  DB_CONNECT_TIMEOUT_MS: z.coerce.number().int().min(100).max(60_000).default(2000),
  DB_ACQUIRE_TIMEOUT_MS: z.coerce.number().int().min(100).max(60_000).default(2500),
  DB_STATEMENT_TIMEOUT_MS: z.coerce.number().int().min(500).max(600_000).default(3000),
  SESSION_ABSOLUTE_HOURS: z.coerce.number().min(0.01).max(24 * 30).default(12),
  SESSION_IDLE_MINUTES: z.coerce.number().min(1).max(24 * 60).default(120),
  SHUTDOWN_TIMEOUT_SECONDS: z.coerce.number().int().min(1).max(600).default(25),
  // Bearer token Prometheus sends to GET /metrics; without one the endpoint does not exist (404).
  METRICS_TOKEN: z.string().min(24, 'must be at least 24 characters').optional(),
  // Where `npm run backup` / `npm run restore` find pg_dump and pg_restore (unset: PATH).
  PG_BIN_DIR: z.string().min(1).optional(),
  // Rechtliche Seiten (Datenschutz, Barrierefreiheit, Leichte Sprache, Verzeichnis von Verarbeitungstätigkeiten).
  CONTROLLER_NAME: z.string().min(1).optional(),
  CONTROLLER_ADDRESS: z.string().default(''),
  CONTROLLER_CONTACT: z.string().default(''),
  DATA_PROTECTION_OFFICER: z.string().default(''),
  ACCESSIBILITY_STATEMENT_DATE: z.iso.date('must be a date YYYY-MM-DD').default('2026-12-02'),
  ACCESSIBILITY_FEEDBACK_EMAIL: z.email('must be an e-mail address').optional(),
  ACCESSIBILITY_ENFORCEMENT_URL: z.url().default('https://www.schlichtungsstelle-bgg.de'),
  SIGN_LANGUAGE_VIDEO_URL: z.url().optional(),
  // How long the start page's completions and at-risk list may be reused (report_completion_snapshots); 0: computed on every view.
  REPORT_FIGURES_MAX_AGE_SECONDS: z.coerce.number().int().min(0).max(24 * 60 * 60).default(300),
  /** Hours before a session that its participants are reminded (at most two weeks). */
  SESSION_REMINDER_LEAD_HOURS: z.coerce.number().int().min(1).max(14 * 24).default(48),
  // Evaluation results of fewer answers than this are not shown (nor exported), so that nobody can deduce one person's answers.
  EVALUATION_MIN_RESPONSES: z.coerce.number().int().min(2).max(100).default(5),
  CERTIFICATE_SERIAL_PREFIX: z.string().regex(/^[A-Z][A-Z0-9]{0,9}$/, 'must be 1–10 capital letters or digits, starting with a letter').default('KKM'),
  // Löschfristen (Löschkonzept): unbestätigte Registrierungen, Missbrauchszähler, IP-Adressen im Protokoll, Förderunterlagen, inaktive Konten, E-Mail-Dateien.
  RETENTION_UNVERIFIED_DAYS: z.coerce.number().int().min(1).max(365).default(7),
  RETENTION_RATE_LIMIT_HOURS: z.coerce.number().int().min(1).max(24 * 30).default(24),
  RETENTION_AUDIT_IP_DAYS: z.coerce.number().int().min(1).max(3650).default(30),
  RETENTION_FUNDING_YEARS: z.coerce.number().int().min(1).max(30).default(5),
  RETENTION_INACTIVE_ACCOUNT_YEARS: z.coerce.number().int().min(1).max(30).default(3),
  RETENTION_MAIL_FILE_DAYS: z.coerce.number().int().min(1).max(3650).default(30),
});

export type Config = Readonly<{
  env: 'development' | 'production' | 'test';
  isProduction: boolean;
  port: number;
  baseUrl: string;
  databaseUrl: string | undefined;
  embeddedPostgres: Readonly<{ port: number; dataDir: string }>;
  sessionSecret: string;
  /** The secret the second factor's encryption and hashing keys are derived from (SECOND_FACTOR_KEY, else the session secret). */
  secondFactorSecret: string;
  trustProxy: string;
  mail: Readonly<{ smtpUrl: string | undefined; from: string; dir: string }>;
  region: Readonly<{ name: string; projectName: string; fundingLine: string; imprintUrl: string; privacyUrl: string; signLanguageVideoUrl: string | undefined }>;
  legal: Readonly<{
    controllerName: string;
    controllerAddress: string;
    controllerContact: string;
    dataProtectionOfficer: string;
    accessibilityStatementDate: string;
    accessibilityFeedbackEmail: string | undefined;
    enforcementUrl: string;
  }>;
  demoSeed: boolean;
  logLevel: string;
  passwordResetTtlMinutes: number;
  uploads: Readonly<{ dir: string; maxMegabytes: number; maxBytes: number }>;
  /** `s3` is set when the driver is `s3`; its secret key is kept out of JSON and logs (see storageSettings). */
  storage: Readonly<{ driver: 'local' | 's3'; s3: S3Settings | undefined }>;
  certificates: Readonly<{ serialPrefix: string }>;
  /** The start page's completions/at-risk snapshot: reused while younger than this; 0 = always computed. */
  reports: Readonly<{ figuresMaxAgeSeconds: number }>;
  reminders: Readonly<{ sessionLeadHours: number }>;
  /** Evaluation results: a group of fewer responses than `minResponses` shows only its count. */
  evaluation: Readonly<{ minResponses: number }>;
  database: Readonly<{ timeouts: DatabaseTimeouts }>;
  sessions: Readonly<{ absoluteMs: number; idleMs: number }>;
  shutdownTimeoutMs: number;
  metricsToken: string | undefined;
  /** The PostgreSQL client tools for scripts/backup.ts and restore.ts; undefined: found on PATH. */
  pgBinDir: string | undefined;
  /** Löschkonzept (src/privacy/retention.rules.ts): how long each category is kept. */
  retention: Readonly<{ unverifiedDays: number; rateLimitHours: number; auditIpDays: number; fundingYears: number; inactiveAccountYears: number; mailFileDays: number }>;
  /** Single sign-on: OpenID Connect providers (OIDC_PROVIDERS, OIDC_<ID>_*) and the LDAP directory (LDAP_*). */
  sso: SsoSettings;
}>;

export class ConfigError extends Error {}

/**
 * The bucket settings. The credentials object hides its secret from JSON.stringify and
 * util.inspect, so logging the config (or an error carrying it) never shows the key.
 */
function storageSettings(values: z.infer<typeof envSchema>): Config['storage'] {
  if (values.STORAGE_DRIVER !== 's3') return Object.freeze({ driver: 'local', s3: undefined });
  const problems = [
    !values.S3_BUCKET && '  - S3_BUCKET: required when STORAGE_DRIVER=s3',
    !values.S3_ACCESS_KEY_ID !== !values.S3_SECRET_ACCESS_KEY && '  - S3_ACCESS_KEY_ID, S3_SECRET_ACCESS_KEY: set both or neither (neither: the SDK finds credentials itself)',
  ].filter(Boolean);
  if (problems.length > 0) throw new ConfigError(`Invalid configuration (see .env.example):\n${problems.join('\n')}`);
  let credentials: S3Settings['credentials'];
  if (values.S3_ACCESS_KEY_ID && values.S3_SECRET_ACCESS_KEY) {
    credentials = Object.defineProperty({ accessKeyId: values.S3_ACCESS_KEY_ID } as { accessKeyId: string; secretAccessKey: string }, 'secretAccessKey', {
      value: values.S3_SECRET_ACCESS_KEY,
      enumerable: false,
    });
  }
  const s3: S3Settings = { endpoint: values.S3_ENDPOINT, region: values.S3_REGION, bucket: values.S3_BUCKET!, credentials, forcePathStyle: values.S3_FORCE_PATH_STYLE };
  return Object.freeze({ driver: 's3', s3: Object.freeze(s3) });
}

const DEV_SESSION_SECRET = 'development-only-session-secret-never-use-in-production';

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const parsed = envSchema.safeParse(env);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => `  - ${issue.path.join('.')}: ${issue.message}`);
    throw new ConfigError(`Invalid configuration (see .env.example):\n${problems.join('\n')}`);
  }
  const values = parsed.data;
  const isProduction = values.NODE_ENV === 'production';
  if (isProduction && !values.SESSION_SECRET) {
    throw new ConfigError('Invalid configuration (see .env.example):\n  - SESSION_SECRET: required in production (at least 32 random characters)');
  }
  // The number of identity providers is configuration, so their variables are read by name (sso.config.ts).
  const sso = parseSsoSettings(env, isProduction);
  if (sso.problems.length > 0) throw new ConfigError(`Invalid configuration (see .env.example, "Single sign-on" in README):\n${sso.problems.join('\n')}`);
  // Relative directories (var/…) mean the same place from src/ and from the compiled dist/src/.
  const root = PROJECT_ROOT;
  return Object.freeze({
    env: values.NODE_ENV,
    isProduction,
    port: values.PORT,
    baseUrl: (values.BASE_URL ?? `http://localhost:${values.PORT}`).replace(/\/$/, ''),
    databaseUrl: values.DATABASE_URL,
    embeddedPostgres: Object.freeze({ port: values.EMBEDDED_PG_PORT, dataDir: path.resolve(root, values.EMBEDDED_PG_DIR) }),
    sessionSecret: values.SESSION_SECRET ?? DEV_SESSION_SECRET,
    secondFactorSecret: values.SECOND_FACTOR_KEY ?? values.SESSION_SECRET ?? DEV_SESSION_SECRET,
    trustProxy: values.TRUST_PROXY,
    mail: Object.freeze({ smtpUrl: values.SMTP_URL, from: values.MAIL_FROM, dir: path.resolve(root, values.MAIL_DIR) }),
    region: Object.freeze({
      name: values.REGION_NAME,
      projectName: values.PROJECT_NAME,
      fundingLine: values.FUNDING_LINE,
      imprintUrl: values.IMPRINT_URL,
      privacyUrl: values.PRIVACY_URL,
      signLanguageVideoUrl: values.SIGN_LANGUAGE_VIDEO_URL,
    }),
    legal: Object.freeze({
      controllerName: values.CONTROLLER_NAME ?? values.REGION_NAME,
      controllerAddress: values.CONTROLLER_ADDRESS,
      controllerContact: values.CONTROLLER_CONTACT,
      dataProtectionOfficer: values.DATA_PROTECTION_OFFICER,
      accessibilityStatementDate: values.ACCESSIBILITY_STATEMENT_DATE,
      accessibilityFeedbackEmail: values.ACCESSIBILITY_FEEDBACK_EMAIL,
      enforcementUrl: values.ACCESSIBILITY_ENFORCEMENT_URL,
    }),
    demoSeed: values.DEMO_SEED ?? !isProduction,
    logLevel: values.LOG_LEVEL,
    passwordResetTtlMinutes: values.PASSWORD_RESET_TTL_MINUTES,
    uploads: Object.freeze({ dir: path.resolve(root, values.UPLOAD_DIR), maxMegabytes: values.MAX_UPLOAD_MB, maxBytes: values.MAX_UPLOAD_MB * 1024 * 1024 }),
    storage: storageSettings(values),
    certificates: Object.freeze({ serialPrefix: values.CERTIFICATE_SERIAL_PREFIX }),
    reports: Object.freeze({ figuresMaxAgeSeconds: values.REPORT_FIGURES_MAX_AGE_SECONDS }),
    reminders: Object.freeze({ sessionLeadHours: values.SESSION_REMINDER_LEAD_HOURS }),
    evaluation: Object.freeze({ minResponses: values.EVALUATION_MIN_RESPONSES }),
    database: Object.freeze({
      timeouts: Object.freeze({ connectMs: values.DB_CONNECT_TIMEOUT_MS, acquireMs: values.DB_ACQUIRE_TIMEOUT_MS, queryMs: values.DB_STATEMENT_TIMEOUT_MS }),
    }),
    sessions: Object.freeze({ absoluteMs: values.SESSION_ABSOLUTE_HOURS * 60 * 60 * 1000, idleMs: values.SESSION_IDLE_MINUTES * 60 * 1000 }),
    shutdownTimeoutMs: values.SHUTDOWN_TIMEOUT_SECONDS * 1000,
    metricsToken: values.METRICS_TOKEN,
    pgBinDir: values.PG_BIN_DIR,
    retention: Object.freeze({
      unverifiedDays: values.RETENTION_UNVERIFIED_DAYS,
      rateLimitHours: values.RETENTION_RATE_LIMIT_HOURS,
      auditIpDays: values.RETENTION_AUDIT_IP_DAYS,
      fundingYears: values.RETENTION_FUNDING_YEARS,
      inactiveAccountYears: values.RETENTION_INACTIVE_ACCOUNT_YEARS,
      mailFileDays: values.RETENTION_MAIL_FILE_DAYS,
    }),
    sso: sso.settings,
  });
}
