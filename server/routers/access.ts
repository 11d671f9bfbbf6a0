import { router } from '../trpc.js';

/** The session-bearing access report (`access.list`) and revocation from it. */
export const accessRouter = router({});
