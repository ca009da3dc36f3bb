import { type TConfig, ZConfig } from './config.schema';

export class ConfigError extends Error {}

/** Parses the environment once. A bad value stops the process with every problem listed, not the first. */
export const loadConfig = (env: NodeJS.ProcessEnv = process.env): TConfig => {
  const result = ZConfig.safeParse(env);
  if (!result.success) {
    const lines = result.error.issues.map((issue) => `  ${issue.path.join('.')}: ${issue.message}`);
    throw new ConfigError(`Invalid configuration:\n${lines.join('\n')}`);
  }
  return result.data;
};

export const jwtIssuer = (config: TConfig): string => config.JWT_ISSUER ?? config.PUBLIC_URL;
