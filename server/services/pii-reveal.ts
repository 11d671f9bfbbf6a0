import { staffActor } from '../auth/principal.js';
import { AppError } from '../errors.js';
import { lockNameAndCount, rateEventsWrite } from '../repositories/access.js';
import { inquiryPrefill } from '../repositories/pii.js';
import { writeTogether } from '../repositories/writes.js';
import type { RevealPiiInput, RevealPiiOutput } from '../../shared/pii.js';
import { auditEventWrite } from './audit.js';
import { describeDuration } from './diagnosis.js';
import type { ActionContext } from './inquiry-actions/common.js';
import { prefilledNames, revealFields } from './pii.js';
import { auditingRefusal } from './refusal-audit.js';

/** The rate-limit bucket that counts one person's reveals (PII_REVEAL_BUDGET per PII_REVEAL_BUDGET_MINUTES). */
export const revealBucket = (staffId: string) => `pii-reveal:${staffId}`;

/**
 * `inquiries.revealPii`: an inquiry's prefilled values in the clear, for the one view that asked (DESIGN §5, "reveal PII
 * (audited)"). Guarded like the session-bearing actions: a permission (pii:reveal, checked by the router), a reason,
 * a budget per person (PII_REVEAL_BUDGET in PII_REVEAL_BUDGET_MINUTES, so nobody harvests prefills one inquiry after
 * another), and one `pii.revealed` event naming the fields revealed — never their values — committed with the
 * budget's count before the values leave. A refusal (the budget, nothing prefilled, a field the inquiry does not
 * have) is recorded as `inquiry.action_refused` (services/refusal-audit.ts).
 */
export function revealPii(ctx: ActionContext, input: RevealPiiInput): Promise<RevealPiiOutput> {
  return auditingRefusal(ctx, { action: 'pii_reveal', procedure: 'inquiries.revealPii', inquiryId: input.id, reason: input.reason }, () => reveal(ctx, input));
}

async function reveal(ctx: ActionContext, input: RevealPiiInput): Promise<RevealPiiOutput> {
  const now = ctx.now();
  const { budget, budgetMinutes } = ctx.config.piiReveal;
  return ctx.database.db.transaction().execute(async (trx) => {
    const row = await inquiryPrefill(trx, input.id);
    if (!row) throw new AppError('NOT_FOUND', `No inquiry ${input.id}.`);
    const fields = typeof row.fields === 'object' && row.fields !== null && !Array.isArray(row.fields) ? row.fields : {};
    const available = prefilledNames(fields);
    if (available.length === 0) {
      throw new AppError('CONFLICT', 'This inquiry has no prefilled fields: there is nothing to reveal.', { refusalCodes: ['nothing_to_reveal'] });
    }
    const missing = (input.fields ?? []).filter((name) => !available.includes(name));
    if (missing.length > 0) {
      throw new AppError('BAD_REQUEST', `fields: this inquiry has no prefilled ${missing.join(', ')} (it has ${available.join(', ')}).`, {
        refusalCodes: ['unknown_field'],
      });
    }

    // The person's budget: their reveals take turns on its lock, so two at once cannot both take the last one.
    const window = await lockNameAndCount(trx, revealBucket(ctx.staff.id), new Date(now.getTime() - budgetMinutes * 60_000));
    if (window.count >= budget) {
      const freesAt = window.oldest ? window.oldest.getTime() + budgetMinutes * 60_000 : now.getTime() + 60_000;
      const wait = Math.max(1, Math.ceil((freesAt - now.getTime()) / 1000));
      throw new AppError(
        'TOO_MANY_REQUESTS',
        `You have revealed personal data ${window.count} times in the last ${describeDuration(budgetMinutes * 60_000)}: wait ${describeDuration(wait * 1000)}.`,
        { retryAfterSeconds: wait, refusalCodes: ['reveal_budget'] },
      );
    }

    const revealed = revealFields(fields, input.fields);
    await writeTogether(trx, [
      rateEventsWrite([revealBucket(ctx.staff.id)], now),
      auditEventWrite({
        actor: staffActor(ctx.staff),
        action: 'pii.revealed',
        target: { type: 'inquiry', id: row.id },
        reason: input.reason,
        // Which fields, never what they hold.
        metadata: { fields: revealed.map((f) => f.name), count: revealed.length, all: input.fields === undefined },
        request: ctx.request,
        occurredAt: now,
      }),
    ]);
    return { inquiryId: row.id, fields: revealed, revealedAt: now };
  });
}
