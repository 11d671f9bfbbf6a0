import {
  CreateOneTimeLinkInputSchema,
  CreateTokenLinkInputSchema,
  OneTimeLinkOutputSchema,
  RevokeLinkInputSchema,
  RevokeLinkOutputSchema,
  TokenLinkOutputSchema,
} from '../../shared/actions.js';
import {
  ApprovalsInputSchema,
  ApprovalsOutputSchema,
  ApproveOutputSchema,
  CollectInputSchema,
  CollectOutputSchema,
  DecideRequestInputSchema,
  MyRequestsInputSchema,
  MyRequestsOutputSchema,
  RejectOutputSchema,
} from '../../shared/token-link-approvals.js';
import * as actions from '../services/inquiry-actions/index.js';
import { permissionProcedure, router } from '../trpc.js';
import { actionContext } from './action-context.js';

export const linksRouter = router({
  createOneTime: permissionProcedure('inquiry:act')
    .input(CreateOneTimeLinkInputSchema)
    .output(OneTimeLinkOutputSchema)
    .mutation(({ ctx, input }) => actions.createOneTimeLink(actionContext(ctx), input)),

  /** `{ status: 'issued', linkId, url, expiresAt }`, or with TOKEN_LINK_APPROVAL=required `{ status: 'pending_approval', requestId, … }`. */
  createWithToken: permissionProcedure('link:token')
    .input(CreateTokenLinkInputSchema)
    .output(TokenLinkOutputSchema)
    .mutation(({ ctx, input }) => actions.createTokenLink(actionContext(ctx), input)),

  revoke: permissionProcedure('access:revoke')
    .input(RevokeLinkInputSchema)
    .output(RevokeLinkOutputSchema)
    .mutation(({ ctx, input }) => actions.revokeLink(actionContext(ctx), input)),

  // The two-person rule for token links (docs/two-person-rule.md). Deciding needs access:revoke on all records
  // (the service refuses support, whose scope is their own); collecting is the requester's alone.
  approvals: permissionProcedure('access:revoke')
    .input(ApprovalsInputSchema)
    .output(ApprovalsOutputSchema)
    .query(({ ctx, input }) => actions.listApprovals(actionContext(ctx), input)),

  approve: permissionProcedure('access:revoke')
    .input(DecideRequestInputSchema)
    .output(ApproveOutputSchema)
    .mutation(({ ctx, input }) => actions.approveRequest(actionContext(ctx), input)),

  reject: permissionProcedure('access:revoke')
    .input(DecideRequestInputSchema)
    .output(RejectOutputSchema)
    .mutation(({ ctx, input }) => actions.rejectRequest(actionContext(ctx), input)),

  myRequests: permissionProcedure('link:token')
    .input(MyRequestsInputSchema)
    .output(MyRequestsOutputSchema)
    .query(({ ctx, input }) => actions.listMyRequests(actionContext(ctx), input)),

  collect: permissionProcedure('link:token')
    .input(CollectInputSchema)
    .output(CollectOutputSchema)
    .mutation(({ ctx, input }) => actions.collectLink(actionContext(ctx), input)),
});
