import { CustomerListOutputSchema } from '../../shared/partner.js';
import * as apiKeys from '../services/api-keys.js';
import { permissionProcedure, router } from '../trpc.js';

/** B2B2C customers, for the admin who manages their partner API keys. */
export const customersRouter = router({
  list: permissionProcedure('apikey:manage')
    .output(CustomerListOutputSchema)
    .query(({ ctx }) => apiKeys.listCustomers(ctx)),
});
