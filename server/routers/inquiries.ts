import { z } from 'zod';
import {
  ActionsForOutputSchema,
  ExpireSessionsInputSchema,
  ExpireSessionsOutputSchema,
  RecreateInputSchema,
  RecreateOutputSchema,
  ResumeInputSchema,
  ResumeOutputSchema,
} from '../../shared/actions.js';
import { CreateInquiryInputSchema, CreateInquiryOutputSchema } from '../../shared/create-inquiry.js';
import { InquiryDetailSchema, InquiryIdSchema, InquiryListInputSchema, InquiryListOutputSchema, OverviewSchema } from '../../shared/inquiries.js';
import { FindInquiriesInputSchema, FindInquiriesOutputSchema } from '../../shared/inquiry-find.js';
import { RevealPiiInputSchema, RevealPiiOutputSchema } from '../../shared/pii.js';
import * as actions from '../services/inquiry-actions/index.js';
import * as inquiries from '../services/inquiries.js';
import { findInquiries } from '../services/inquiry-find.js';
import { revealPii } from '../services/pii-reveal.js';
import { permissionProcedure, router, syncParser } from '../trpc.js';
import { actionContext } from './action-context.js';

const readProcedure = permissionProcedure('inquiry:read');
const actProcedure = permissionProcedure('inquiry:act');

export const inquiriesRouter = router({
  list: readProcedure
    .input(syncParser(InquiryListInputSchema))
    .output(syncParser(InquiryListOutputSchema))
    .query(({ ctx, input }) => inquiries.listInquiries(ctx, input)),

  /** Search anywhere: an inquiry id, reference id, email, hosted-flow URL or one-time link → the inquiries it names. */
  find: readProcedure
    .input(FindInquiriesInputSchema)
    .output(FindInquiriesOutputSchema)
    .query(({ ctx, input }) => findInquiries(ctx, input.q)),

  get: readProcedure
    .input(z.object({ id: InquiryIdSchema }).strict())
    .output(InquiryDetailSchema)
    .query(({ ctx, input }) => inquiries.getInquiry(ctx, input.id)),

  overview: readProcedure.output(OverviewSchema).query(({ ctx }) => inquiries.getOverview(ctx)),

  actionsFor: readProcedure
    .input(z.object({ id: InquiryIdSchema }).strict())
    .output(ActionsForOutputSchema)
    .query(({ ctx, input }) => actions.actionsFor(actionContext(ctx), input.id)),

  resume: actProcedure
    .input(ResumeInputSchema)
    .output(ResumeOutputSchema)
    .mutation(({ ctx, input }) => actions.resume(actionContext(ctx), input)),

  /** A new inquiry for a user the agent knows, on the template's latest version (the seed's Option 2). */
  create: actProcedure
    .input(CreateInquiryInputSchema)
    .output(CreateInquiryOutputSchema)
    .mutation(({ ctx, input }) => actions.createInquiry(actionContext(ctx), input)),

  recreate: actProcedure
    .input(RecreateInputSchema)
    .output(RecreateOutputSchema)
    .mutation(({ ctx, input }) => actions.recreate(actionContext(ctx), input)),

  /** The prefilled values in the clear, for the view that asked; audited as pii.revealed (docs/security.md#revealing-pii). */
  revealPii: permissionProcedure('pii:reveal')
    .input(RevealPiiInputSchema)
    .output(RevealPiiOutputSchema)
    .mutation(({ ctx, input }) => revealPii(actionContext(ctx), input)),

  expireSessions: permissionProcedure('access:revoke')
    .input(ExpireSessionsInputSchema)
    .output(ExpireSessionsOutputSchema)
    .mutation(({ ctx, input }) => actions.expireSessions(actionContext(ctx), input)),
});
