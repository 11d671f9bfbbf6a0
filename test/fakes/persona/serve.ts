/**
 * Runs the FAKE Persona API (written from public docs; not Persona) for a developer to point the console at:
 *
 *   npx tsx test/fakes/persona/serve.ts
 *
 * FAKE_PERSONA_PORT (default: a free port), FAKE_PERSONA_WEBHOOK_URL (the console's webhook endpoint; events are
 * then delivered as they happen) and FAKE_PERSONA_WEBHOOK_SECRET choose the rest. Ctrl-C stops it.
 */
import { createFakePersona } from './index.js';

const TEMPLATE = 'itmpl_FakeKyc';
const webhookUrl = process.env.FAKE_PERSONA_WEBHOOK_URL;
const webhookSecret = process.env.FAKE_PERSONA_WEBHOOK_SECRET ?? 'wbhsec_fake_dev_secret_0001';

const fake = await createFakePersona({
  port: Number(process.env.FAKE_PERSONA_PORT ?? 0),
  ...(webhookUrl ? { webhook: { url: webhookUrl, secrets: [webhookSecret] } } : {}),
});
fake.addTemplate(TEMPLATE, { versionIds: ['itmplv_FakeKycV1', 'itmplv_FakeKycV2'] });
const hour = 3_600_000;
const now = Date.now();
fake.seed({ id: 'inq_FakeCreated1', templateId: TEMPLATE, status: 'created', referenceId: 'user-101', fields: { 'name-first': 'Ada' }, createdAt: new Date(now - hour) });
fake.seed({
  id: 'inq_FakePending1',
  templateId: TEMPLATE,
  versionId: 'itmplv_FakeKycV1',
  status: 'pending',
  referenceId: 'user-102',
  createdAt: new Date(now - 3 * hour),
  startedAt: new Date(now - 2 * hour),
  expiresAt: new Date(now + 20 * hour),
  sessions: [{ status: 'active', createdAt: new Date(now - 2 * hour), startedAt: new Date(now - 2 * hour) }],
});
fake.seed({ id: 'inq_FakeExpired1', templateId: TEMPLATE, status: 'expired', referenceId: 'user-103', createdAt: new Date(now - 30 * hour), expiredAt: new Date(now - 6 * hour), expiresAt: new Date(now - 6 * hour) });
fake.seed({ id: 'inq_FakeCompleted1', templateId: TEMPLATE, status: 'completed', referenceId: 'user-104', createdAt: new Date(now - 5 * hour), startedAt: new Date(now - 5 * hour), completedAt: new Date(now - 4 * hour), updatedAt: new Date(now - 4 * hour), expiresAt: null });
fake.seedMany(20, { templateId: TEMPLATE, start: new Date(now - 48 * hour), stepMs: 2 * hour, statuses: ['created', 'pending', 'completed', 'failed', 'expired'] });
if (webhookUrl) fake.webhooks.autoDeliver(true);

console.log(`FAKE Persona API (written from public docs; not Persona) at ${fake.url}/api/v1`);
console.log(`Template ${TEMPLATE}; 24 inquiries seeded.`);
console.log('Point the console at it with:');
// The fake's own made-up key and secret, printed on purpose: they open nothing but this fake, for a developer to copy.
console.log(`  INQUIRY_PROVIDER=persona PERSONA_API_URL=${fake.url} PERSONA_API_KEY=${fake.apiKey} PERSONA_WEBHOOK_SECRETS=${webhookSecret}`);
if (!webhookUrl) console.log('(set FAKE_PERSONA_WEBHOOK_URL to have webhook events delivered)');

const stop = () => {
  void fake.close().then(() => process.exit(0));
};
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
