import {
  CreateOneTimeLinkInputSchema,
  CreateTokenLinkInputSchema,
  LinkOutputSchema,
  OneTimeLinkOutputSchema,
  RevokeLinkInputSchema,
  RevokeLinkOutputSchema,
} from '../../shared/actions.js';
import * as actions from '../services/inquiry-actions/index.js';
import { permissionProcedure, router } from '../trpc.js';
import { actionContext } from './action-context.js';

export const linksRouter = router({
  createOneTime: permissionProcedure('inquiry:act')
    .input(CreateOneTimeLinkInputSchema)
    .output(OneTimeLinkOutputSchema)
    .mutation(({ ctx, input }) => actions.createOneTimeLink(actionContext(ctx), input)),

  createWithToken: permissionProcedure('link:token')
    .input(CreateTokenLinkInputSchema)
    .output(LinkOutputSchema)
    .mutation(({ ctx, input }) => actions.createTokenLink(actionContext(ctx), input)),

  revoke: permissionProcedure('access:revoke')
    .input(RevokeLinkInputSchema)
    .output(RevokeLinkOutputSchema)
    .mutation(({ ctx, input }) => actions.revokeLink(actionContext(ctx), input)),
});
