import { StartSyncInputSchema, SyncStatusOutputSchema } from '../../shared/persona-sync.js';
import { startSyncAs, syncStatus } from '../services/persona-sync-jobs.js';
import { permissionProcedure, router } from '../trpc.js';

/** The Persona backfill in this server (docs/persona.md, "Backfill"): its progress, and starting or resuming it. */
export const personaRouter = router({
  syncStatus: permissionProcedure('provider:sync').output(SyncStatusOutputSchema).query(({ ctx }) => syncStatus(ctx)),
  startSync: permissionProcedure('provider:sync')
    .input(StartSyncInputSchema)
    .output(SyncStatusOutputSchema)
    .mutation(({ ctx, input }) => startSyncAs(ctx, input)),
});
