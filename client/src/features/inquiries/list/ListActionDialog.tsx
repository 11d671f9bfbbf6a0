import Backdrop from '@mui/material/Backdrop';
import CircularProgress from '@mui/material/CircularProgress';
import { useQuery, useQueryClient } from '@tanstack/react-query';
import { lazy, Suspense, useCallback, useEffect } from 'react';
import type { ActionName } from '@shared/actions.js';
import { useTRPC } from '../../../lib/trpc';

const loadDialogs = () => import('../actions/ActionDialogFor');
const ActionDialogFor = lazy(loadDialogs);

/** Starts loading the action dialogs (when a row menu opens), so that choosing an action shows its dialog at once. */
export function preloadActionDialogs(): void {
  void loadDialogs();
}

export interface ChosenAction {
  inquiryId: string;
  action: ActionName;
}

/** After a dialog closes (done, cancelled or refused), every count on the list page is asked again. */
export function useRefreshList() {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  return useCallback(
    () =>
      Promise.all([
        queryClient.invalidateQueries(trpc.inquiries.list.pathFilter()),
        queryClient.invalidateQueries(trpc.inquiries.overview.pathFilter()),
      ]),
    [queryClient, trpc],
  );
}

/**
 * The dialog of the action chosen in a row menu. It belongs to the page, not to the row: the action may take the
 * row out of the view (a stuck inquiry resumed is no longer stuck) while the dialog still shows its one-time result.
 * The menu loaded the inquiry and its verdicts before offering the action, so they come from the cache.
 */
export function ListActionDialog({ chosen, onClose }: { chosen: ChosenAction; onClose: () => void }) {
  const trpc = useTRPC();
  const inquiry = useQuery(trpc.inquiries.get.queryOptions({ id: chosen.inquiryId }));
  const verdicts = useQuery(trpc.inquiries.actionsFor.queryOptions({ id: chosen.inquiryId }));
  const refresh = useRefreshList();
  const close = () => {
    onClose();
    void refresh();
  };
  // Nothing to show (evicted from the cache and failed to load again): let the agent pick again rather than hang.
  const failed = (!inquiry.data && inquiry.isError) || (!verdicts.data && verdicts.isError);
  useEffect(() => {
    if (failed) onClose();
  }, [failed, onClose]);

  const busy = (
    <Backdrop open sx={{ zIndex: (theme) => theme.zIndex.modal }}>
      <CircularProgress aria-label="Opening the action" />
    </Backdrop>
  );
  if (!inquiry.data || !verdicts.data) return failed ? null : busy;
  return (
    <Suspense fallback={busy}>
      <ActionDialogFor action={chosen.action} inquiry={inquiry.data} verdicts={verdicts.data} onClose={close} />
    </Suspense>
  );
}
