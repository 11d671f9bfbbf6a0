import Alert, { type AlertColor } from '@mui/material/Alert';
import Snackbar from '@mui/material/Snackbar';
import { createContext, useCallback, useContext, useState, type ReactNode } from 'react';

export interface Notification {
  message: string;
  /** success (default) after an action went through; error when it did not. */
  severity?: AlertColor;
}

export type Notify = (notification: Notification | string) => void;

const NotifyContext = createContext<Notify | null>(null);

interface Queued extends Required<Notification> {
  key: number;
}

let nextKey = 0;

/**
 * One snackbar for the whole console, above the router: a notification survives the navigation that often
 * follows it ("Recreated as inq_… on v5" on the new inquiry's page). Notifications queue and show one at a
 * time, so two quick actions do not hide each other's confirmation. Errors stay until dismissed; the rest go
 * after a few seconds.
 */
export function NotificationsProvider({ children }: { children: ReactNode }) {
  const [queue, setQueue] = useState<Queued[]>([]);
  const [open, setOpen] = useState(true);
  const current = queue[0];

  const notify = useCallback<Notify>((notification) => {
    const n = typeof notification === 'string' ? { message: notification } : notification;
    setQueue((q) => [...q, { message: n.message, severity: n.severity ?? 'success', key: ++nextKey }]);
    setOpen(true);
  }, []);

  const close = useCallback((_event?: unknown, reason?: string) => {
    if (reason === 'clickaway') return;
    setOpen(false);
  }, []);

  return (
    <NotifyContext.Provider value={notify}>
      {children}
      {current ? (
        <Snackbar
          key={current.key}
          open={open}
          onClose={close}
          autoHideDuration={current.severity === 'error' ? null : 6000}
          anchorOrigin={{ vertical: 'bottom', horizontal: 'center' }}
          slotProps={{
            transition: {
              onExited: () => {
                setQueue((q) => q.slice(1));
                setOpen(true);
              },
            },
          }}
        >
          <Alert
            severity={current.severity}
            // Only what went wrong interrupts a screen reader; a confirmation waits its turn.
            role={current.severity === 'error' || current.severity === 'warning' ? 'alert' : 'status'}
            variant="filled"
            onClose={close}
            sx={{ width: '100%' }}
          >
            {current.message}
          </Alert>
        </Snackbar>
      ) : null}
    </NotifyContext.Provider>
  );
}

/** `notify('Role changed')` or `notify({ message, severity: 'error' })`. */
export function useNotify(): Notify {
  const notify = useContext(NotifyContext);
  if (!notify) throw new Error('useNotify needs <NotificationsProvider> (AppProviders sets it up)');
  return notify;
}

/** The console's notifier where there is one (a component also rendered outside the console gets null). */
export function useOptionalNotify(): Notify | null {
  return useContext(NotifyContext);
}
