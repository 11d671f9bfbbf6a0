import {
  ApiKeyCreateInputSchema,
  ApiKeyCreateOutputSchema,
  ApiKeyListInputSchema,
  ApiKeyListOutputSchema,
  ApiKeyRevokeInputSchema,
  ApiKeySchema,
} from '../../shared/partner.js';
import * as apiKeys from '../services/api-keys.js';
import { permissionProcedure, router } from '../trpc.js';

const manage = permissionProcedure('apikey:manage');

/** Partner API keys (admin): the secret is returned once by create and never again. */
export const apiKeysRouter = router({
  list: manage
    .input(ApiKeyListInputSchema.optional())
    .output(ApiKeyListOutputSchema)
    .query(({ ctx, input }) => apiKeys.listKeys(ctx, input?.customerId === undefined ? {} : { customerId: input.customerId })),
  create: manage.input(ApiKeyCreateInputSchema).output(ApiKeyCreateOutputSchema).mutation(({ ctx, input }) => apiKeys.createKey(ctx, input)),
  revoke: manage.input(ApiKeyRevokeInputSchema).output(ApiKeySchema).mutation(({ ctx, input }) => apiKeys.revokeKey(ctx, input)),
});
