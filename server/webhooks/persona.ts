import express, { type Response } from 'express';
import { requestLog } from '../context.js';
import type { AppDeps } from '../deps.js';
import { verifySignature } from '../providers/persona/signature.js';
import { WebhookEvent } from '../providers/persona/wire.js';
import { eventReceived, nudgeInboxApplier } from '../services/persona-inbox.js';

/**
 * POST /webhooks/persona (docs/persona.md, "Webhooks"): Persona's deliveries, mounted only with
 * INQUIRY_PROVIDER=persona. The body is read raw, because the Persona-Signature is over its bytes; a verified
 * event is stored in the inbox and answered 200 at once (Persona waits 5 s), then applied in the background
 * (services/persona-inbox.ts). No cookies and no CSRF check: the signature is the authentication.
 */

/** Persona's retries carry the same body; anything near this size is not one of its events. */
const BODY_LIMIT = '1mb';

function refuse(res: Response, status: number, title: string, details: string): void {
  res.status(status).json({ errors: [{ title, details }] });
}

export function createPersonaWebhookRouter(deps: AppDeps): express.Router {
  const router = express.Router();
  const persona = deps.config.persona;

  router.post('/', express.raw({ type: () => true, limit: BODY_LIMIT }), async (req, res, next) => {
    res.setHeader('Cache-Control', 'no-store');
    const log = requestLog(req, deps.log);
    const raw = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
    if (!persona) {
      refuse(res, 404, 'Not found', 'Persona webhooks are not enabled.');
      return;
    }
    const verdict = verifySignature(req.get('persona-signature'), raw, persona.webhookSecrets, deps.now(), persona.webhookToleranceSeconds);
    if (!verdict.ok) {
      // The reason is for the operator (a secret not configured, a clock off); the caller learns only that it failed.
      log.warn({ reason: verdict.reason }, 'Persona webhook refused: signature');
      refuse(res, 401, 'Must be authenticated to access this endpoint', 'The Persona-Signature header is missing or does not verify.');
      return;
    }
    let body: unknown;
    try {
      body = JSON.parse(raw.toString('utf8'));
    } catch {
      body = null;
    }
    const event = WebhookEvent.safeParse(body);
    if (!event.success) {
      log.warn('Persona webhook refused: not an event');
      refuse(res, 400, 'Bad request', 'The body is not a Persona webhook event.');
      return;
    }
    try {
      const { duplicate } = await eventReceived(deps, event.data, body as Record<string, unknown>);
      log.info({ eventId: event.data.data.id, name: event.data.data.attributes.name, duplicate }, 'Persona webhook received');
      res.status(200).json({ received: true, duplicate });
    } catch (err) {
      // Not stored: a 5xx makes Persona deliver it again.
      next(err);
      return;
    }
    nudgeInboxApplier(deps.database);
  });

  return router;
}
