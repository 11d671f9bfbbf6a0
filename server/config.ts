import path from 'node:path';
import { z } from 'zod';

/** Environment, parsed once. The only module that reads process.env. */
const EnvSchema = z.object({
  NODE_ENV: z.enum(['development', 'production', 'test']).default('development'),
  PORT: z.coerce.number().int().min(0).max(65535).default(3000),
  DATABASE_URL: z.url().optional(),
  DATA_DIR: z.string().min(1).default('.data'),
  PUBLIC_URL: z.url().optional(),
  HOSTED_FLOW_URL: z.url().optional(),
  INQUIRY_PROVIDER: z.enum(['local', 'persona']).default('local'),
  DEMO_PASSWORD: z.string().min(8).optional(),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  SEED_INQUIRIES: z.coerce.number().int().min(0).max(10_000_000).default(5000),
  SWEEP_INTERVAL_SECONDS: z.coerce.number().int().min(1).max(3600).default(60),
});

export type Config = {
  nodeEnv: 'development' | 'production' | 'test';
  port: number;
  databaseUrl: string | undefined;
  dataDir: string;
  publicUrl: string;
  hostedFlowUrl: string;
  inquiryProvider: 'local' | 'persona';
  demoPassword: string | undefined;
  logLevel: string;
  seedInquiries: number;
  sweepIntervalMs: number;
};

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const parsed = EnvSchema.safeParse(env);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ');
    throw new Error(`Invalid configuration: ${problems}`);
  }
  const e = parsed.data;
  const publicUrl = (e.PUBLIC_URL ?? `http://localhost:${e.PORT}`).replace(/\/$/, '');
  return {
    nodeEnv: e.NODE_ENV,
    port: e.PORT,
    databaseUrl: e.DATABASE_URL,
    dataDir: path.resolve(e.DATA_DIR),
    publicUrl,
    hostedFlowUrl: e.HOSTED_FLOW_URL ?? `${publicUrl}/verify`,
    inquiryProvider: e.INQUIRY_PROVIDER,
    demoPassword: e.DEMO_PASSWORD,
    logLevel: e.LOG_LEVEL,
    seedInquiries: e.SEED_INQUIRIES,
    sweepIntervalMs: e.SWEEP_INTERVAL_SECONDS * 1000,
  };
}
