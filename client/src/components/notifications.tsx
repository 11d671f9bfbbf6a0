import Alert, { type AlertColor } from '@mui/material/Alert';
import Snackbar from '@mui/material/Snackbar';
import { useEffect, useId, useSyncExternalStore, type ReactNode } from 'react';

/**
 * Notifications after an action ("Recreated as inq_… on v5"). A small store outside React, so a notification
 * survives the navigation that often follows it (as long as a host stays mounted), and any page can raise one
 * without a provider. Render <NotificationHost /> where notifications should appear; if several are mounted,
 * only the first one shows them, so the app shell can take the job over from the pages without duplicates.
 */
export interface Notification {
  message: ReactNode;
  severity?: AlertColor;
  /** Milliseconds on screen; errors stay until dismissed. */
  autoHideMs?: number | null;
}

interface Shown extends Notification {
  id: number;
}

let current: Shown | null = null;
let nextId = 1;
const listeners = new Set<() => void>();
const hosts: string[] = [];

function emit() {
  for (const listener of listeners) listener();
}

export function notify(notification: Notification): void {
  current = { ...notification, id: nextId++ };
  emit();
}

function dismiss(id: number) {
  if (current?.id !== id) return;
  current = null;
  emit();
}

function subscribe(listener: () => void) {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

const snapshot = () => current;
const primaryHost = () => hosts[0] ?? null;

/** The function to raise a notification (stable; the same as `notify`). */
export function useNotify(): typeof notify {
  return notify;
}

export function NotificationHost() {
  const hostId = useId();
  useEffect(() => {
    hosts.push(hostId);
    emit();
    return () => {
      hosts.splice(hosts.indexOf(hostId), 1);
      // Nobody left to show it: drop it rather than surprise the next page with a stale message.
      if (hosts.length === 0) current = null;
      emit();
    };
  }, [hostId]);
  const shown = useSyncExternalStore(subscribe, snapshot, snapshot);
  const isPrimary = useSyncExternalStore(subscribe, primaryHost, primaryHost) === hostId;
  if (!isPrimary || !shown) return null;
  const severity = shown.severity ?? 'success';
  const autoHide = shown.autoHideMs === undefined ? (severity === 'error' ? null : 6000) : shown.autoHideMs;
  return (
    <Snackbar
      key={shown.id}
      open
      autoHideDuration={autoHide}
      onClose={(_event, reason) => {
        if (reason !== 'clickaway') dismiss(shown.id);
      }}
      anchorOrigin={{ vertical: 'bottom', horizontal: 'center' }}
    >
      <Alert
        severity={severity}
        role={severity === 'error' || severity === 'warning' ? 'alert' : 'status'}
        variant="filled"
        onClose={() => dismiss(shown.id)}
        sx={{ width: '100%' }}
      >
        {shown.message}
      </Alert>
    </Snackbar>
  );
}
