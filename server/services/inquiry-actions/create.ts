import type { z } from 'zod';
import { AppError } from '../../errors.js';
import { staffActor } from '../../auth/principal.js';
import { lockNameAndCount, rateEventsWrite } from '../../repositories/access.js';
import { findTemplate } from '../../repositories/templates.js';
import { writeTogether } from '../../repositories/writes.js';
import { auditEventWrite } from '../audit.js';
import { describeDuration } from '../diagnosis.js';
import { idempotentAction, recordWrite } from '../idempotency.js';
import { auditingRefusal } from '../refusal-audit.js';
import { staffBucket, type ActionContext } from './common.js';
import type { CreateInquiryInputSchema } from '../../../shared/create-inquiry.js';

type CreateInput = z.output<typeof CreateInquiryInputSchema>;
interface CreateOutput {
  inquiryId: string;
  versionNumber: number;
  expiresAt: Date;
}

/**
 * The seed's Option 2 from the console: a new inquiry on the template's latest version for a user the agent knows,
 * prefilled with what they gave, to hand off like any other. It counts against the person's action budget like the
 * session-bearing actions (the budget's advisory lock, then its window), is idempotent, and is audited — the
 * prefilled email and names are PII and stay out of the event.
 */
export function createInquiry(ctx: ActionContext, input: CreateInput): Promise<CreateOutput> {
  const attempt = { action: 'create', procedure: 'inquiries.create', target: { type: 'template', id: input.templateId }, reason: input.reason } as const;
  return auditingRefusal(ctx, attempt, () => createOnce(ctx, input));
}

function createOnce(ctx: ActionContext, input: CreateInput): Promise<CreateOutput> {
  return idempotentAction<Omit<CreateOutput, 'expiresAt'> & { expiresAt: string }, CreateOutput>(
    ctx,
    { scope: `${ctx.staff.id}:inquiries.create`, input },
    {
      replay: (_trx, stored) => ({ ...stored, expiresAt: new Date(stored.expiresAt) }),
      act: async (trx, now, idem) => {
        const template = await findTemplate(trx, input.templateId);
        if (!template) throw new AppError('NOT_FOUND', `No template ${input.templateId}.`);
        const { guards } = ctx.config;
        const budget = await lockNameAndCount(trx, staffBucket(ctx.staff.id), new Date(now.getTime() - guards.staffBudgetMinutes * 60_000));
        if (budget.count >= guards.staffBudget) {
          const freesAt = budget.oldest ? budget.oldest.getTime() + guards.staffBudgetMinutes * 60_000 : now.getTime() + 60_000;
          const wait = Math.max(1, Math.ceil((freesAt - now.getTime()) / 1000));
          throw new AppError('TOO_MANY_REQUESTS', `You have taken ${budget.count} actions in the last ${describeDuration(guards.staffBudgetMinutes * 60_000)}: wait ${describeDuration(wait * 1000)}.`, {
            retryAfterSeconds: wait,
          });
        }
        // Stored as the rest of the prefill is: field name → value (the email is also indexed for search).
        const fields: Record<string, string> = {};
        if (input.email) fields['email-address'] = input.email;
        if (input.nameFirst) fields['name-first'] = input.nameFirst;
        if (input.nameLast) fields['name-last'] = input.nameLast;
        const created = await ctx.provider.createInquiry(
          trx,
          { templateId: template.id, referenceId: input.referenceId, customerId: null, accountId: null, fields, predecessorId: null, kind: 'dedicated' },
          now,
        );
        const output: CreateOutput = { inquiryId: created.id, versionNumber: created.versionNumber, expiresAt: created.expiresAt };
        await writeTogether(trx, [
          recordWrite(idem, { ...output, expiresAt: output.expiresAt.toISOString() }),
          rateEventsWrite([staffBucket(ctx.staff.id)], now),
          auditEventWrite({
            actor: staffActor(ctx.staff),
            action: 'inquiry.created',
            target: { type: 'inquiry', id: created.id },
            reason: input.reason,
            metadata: { templateId: template.id, versionNumber: created.versionNumber, prefilled: Object.keys(fields), expiresAt: created.expiresAt.toISOString() },
            request: ctx.request,
            occurredAt: now,
          }),
        ]);
        return output;
      },
    },
  );
}
