import { z } from 'zod';
import { InquiryDetailSchema, InquiryIdSchema, InquiryListInputSchema, InquiryListOutputSchema, OverviewSchema } from '../../shared/inquiries.js';
import * as inquiries from '../services/inquiries.js';
import { publicProcedure, router } from '../trpc.js';

export const inquiriesRouter = router({
  list: publicProcedure
    .input(InquiryListInputSchema)
    .output(InquiryListOutputSchema)
    .query(({ ctx, input }) => inquiries.listInquiries(ctx, input)),

  get: publicProcedure
    .input(z.object({ id: InquiryIdSchema }).strict())
    .output(InquiryDetailSchema)
    .query(({ ctx, input }) => inquiries.getInquiry(ctx, input.id)),

  overview: publicProcedure.output(OverviewSchema).query(({ ctx }) => inquiries.getOverview(ctx)),
});
