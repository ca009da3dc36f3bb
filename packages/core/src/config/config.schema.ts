import { z } from 'zod';

const booleanFromEnv = z
  .enum(['true', 'false', '1', '0', 'yes', 'no'])
  .transform((value) => value === 'true' || value === '1' || value === 'yes');

const optionalUrl = z
  .string()
  .trim()
  .transform((value) => (value === '' ? undefined : value))
  .pipe(z.url().optional())
  .optional();

const optionalString = z
  .string()
  .trim()
  .transform((value) => (value === '' ? undefined : value))
  .optional();

/**
 * Every setting Compañero reads from the environment. `.env.example` documents each one; keep the two in
 * step. Secrets have no defaults: where the embedded mode needs one, it is generated into DATA_DIR on first
 * start (see `embedded-secrets.ts`), never hard-coded.
 */
export const ZConfig = z.object({
  NODE_ENV: z.enum(['development', 'production', 'test']).default('development'),
  HOST: z.string().default('0.0.0.0'),
  PORT: z.coerce.number().int().min(0).max(65535).default(8000),
  PUBLIC_URL: z.url().default('http://localhost:8000'),
  LOG_FORMAT: z.enum(['auto', 'json', 'pretty']).default('auto'),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  DATA_DIR: z.string().default('./data'),

  DATABASE_URL: optionalUrl,
  DATABASE_OWNER_URL: optionalUrl,
  DATABASE_APP_ROLE: z
    .string()
    .regex(/^[a-z_][a-z0-9_]{0,62}$/, 'a lower-case PostgreSQL identifier')
    .default('companero_app'),
  DATABASE_POOL_SIZE: z.coerce.number().int().min(1).max(200).default(10),
  DATABASE_CONNECT_TIMEOUT_MS: z.coerce.number().int().min(100).default(3000),
  DATABASE_STATEMENT_TIMEOUT_MS: z.coerce.number().int().min(100).default(15000),

  REDIS_URL: optionalUrl,
  REDIS_KEY_PREFIX: z.string().default(''),

  APP_ENCRYPTION_KEY: optionalString,

  JWT_ISSUER: optionalString,
  JWT_AUDIENCE: z.string().default('companero'),
  ACCESS_TOKEN_TTL_SECONDS: z.coerce.number().int().min(30).max(86400).default(900),
  REFRESH_TOKEN_TTL_SECONDS: z.coerce
    .number()
    .int()
    .min(300)
    .default(30 * 24 * 3600),
  AUTH_JWKS_URL: optionalUrl,

  KNOWLEDGE_MAX_UPLOAD_BYTES: z.coerce
    .number()
    .int()
    .min(1024)
    .default(25 * 1024 * 1024),
  MEMBER_IMPORT_MAX_BYTES: z.coerce
    .number()
    .int()
    .min(1024)
    .default(10 * 1024 * 1024),
  BODY_LIMIT_BYTES: z.coerce
    .number()
    .int()
    .min(1024)
    .default(1024 * 1024),
  CORS_ORIGINS: z
    .string()
    .default('')
    .transform((value) =>
      value
        .split(',')
        .map((origin) => origin.trim())
        .filter(Boolean),
    ),
  TRUST_PROXY: z
    .string()
    .default('false')
    .transform((value): boolean | string => {
      if (value === 'true') return true;
      if (value === 'false' || value === '') return false;
      return value;
    }),
  RATE_LIMIT_PER_MINUTE: z.coerce.number().int().min(1).default(300),
  LOGIN_ATTEMPTS_PER_IP_PER_MINUTE: z.coerce.number().int().min(1).default(20),
  LOGIN_ATTEMPTS_PER_ACCOUNT_PER_15_MINUTES: z.coerce.number().int().min(1).default(10),
  WIDGET_SESSIONS_PER_MINUTE: z.coerce.number().int().min(1).default(30),

  WS_HEARTBEAT_SECONDS: z.coerce.number().min(0.05).max(300).default(25),
  WS_IDLE_TIMEOUT_SECONDS: z.coerce.number().min(1).default(900),
  WS_MESSAGES_PER_10S: z.coerce.number().int().min(1).default(20),

  CHANNEL_DELIVERY_MAX_ATTEMPTS: z.coerce.number().int().min(1).max(50).default(8),
  CHANNEL_DELIVERY_RETRY_BASE_MS: z.coerce.number().int().min(10).default(5000),
  CHANNEL_DELIVERY_RETRY_MAX_MS: z.coerce
    .number()
    .int()
    .min(10)
    .default(60 * 60_000),

  /** Program webhook nodes may call private/loopback/link-local addresses (off: creators type these URLs). */
  PROGRAM_WEBHOOKS_ALLOW_PRIVATE: booleanFromEnv.default(false),
  /** How often the program scheduler sweeps due wake-ups (waits, ask timeouts, deferred sends) into step jobs. */
  PROGRAM_SCHEDULER_INTERVAL_MS: z.coerce.number().int().min(50).max(60_000).default(1000),

  SMTP_URL: optionalUrl,
  MAIL_FROM: z.string().default('Compañero <no-reply@localhost>'),
  MEMBER_CODE_TTL_SECONDS: z.coerce.number().int().min(60).max(3600).default(600),

  METRICS_ENABLED: booleanFromEnv.default(true),

  OLLAMA_URL: optionalUrl,
  OLLAMA_MODEL: z.string().trim().min(1).default('llama3.2'),
  OLLAMA_EMBEDDING_MODEL: z.string().trim().min(1).default('nomic-embed-text'),
  OPENAI_BASE_URL: optionalUrl,
  OPENAI_API_KEY: optionalString,
  OPENAI_MODEL: z.string().trim().min(1).default('gpt-4o-mini'),
  LLM_MODEL_PATH: optionalString,
  LLM_THREADS: z.coerce.number().int().min(1).max(256).default(1),
  LLM_CONTEXT_SIZE: z.coerce.number().int().min(256).max(1_048_576).default(2048),
  EMBEDDING_PROVIDER: z.enum(['local', 'ollama']).default('local'),
  EMBEDDING_MODEL: z.string().trim().min(1).default('m2v-bge-base-vq128'),
  EMBEDDING_MODELS_DIR: optionalString,
  EMBEDDING_ALLOW_REMOTE: booleanFromEnv.default(false),
  CHROMA_URL: optionalUrl,
  CHROMA_PORT: z.coerce.number().int().min(0).max(65535).default(0),
});

export type TConfig = z.infer<typeof ZConfig>;
