import {
  AccessListInputSchema,
  AccessListOutputSchema,
  OutliersInputSchema,
  OutliersOutputSchema,
  RevokeMatchingInputSchema,
  RevokeMatchingOutputSchema,
  RevokePreviewInputSchema,
  RevokePreviewOutputSchema,
  RevokeStatusInputSchema,
} from '../../shared/access.js';
import { accessOutliers, listAccess } from '../services/access-report.js';
import { revokeMatching, revokePreview, revokeStatus } from '../services/access-revoke.js';
import { permissionProcedure, router, syncParser } from '../trpc.js';
import { actionContext } from './action-context.js';

/**
 * The session-bearing access report (`access.list`) and revocation from it (docs/access-report.md). One row is
 * revoked with `links.revoke` / `inquiries.expireSessions`; a filtered set with revokePreview → revokeMatching.
 */
export const accessRouter = router({
  list: permissionProcedure('access:read')
    .input(syncParser(AccessListInputSchema))
    .output(syncParser(AccessListOutputSchema))
    .query(({ ctx, input }) => listAccess(ctx, input)),

  /** Issues per agent per day or week, beside the team's median. */
  outliers: permissionProcedure('access:read')
    .input(OutliersInputSchema)
    .output(OutliersOutputSchema)
    .query(({ ctx, input }) => accessOutliers(ctx, input)),

  /** How many rows of a filter revoking would end now: the count a bulk revocation confirms. */
  revokePreview: permissionProcedure('access:revoke')
    .input(RevokePreviewInputSchema)
    .output(RevokePreviewOutputSchema)
    .query(({ ctx, input }) => revokePreview(actionContext(ctx), input)),

  revokeMatching: permissionProcedure('access:revoke')
    .input(RevokeMatchingInputSchema)
    .output(RevokeMatchingOutputSchema)
    .mutation(({ ctx, input }) => revokeMatching(actionContext(ctx), input)),

  /** How far one's own bulk revocation is (one that outlasted its request goes on in the background). */
  revokeStatus: permissionProcedure('access:revoke')
    .input(RevokeStatusInputSchema)
    .output(RevokeMatchingOutputSchema)
    .query(({ ctx, input }) => revokeStatus(actionContext(ctx), input)),
});
