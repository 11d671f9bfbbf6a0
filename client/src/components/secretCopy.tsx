import { createContext, useCallback, useContext, useMemo, useRef, useState, type ReactNode } from 'react';

/**
 * Whether a secret shown once (a session token, a link carrying a code or a token) has left the dialog that
 * shows it: copied by its button, by Ctrl+C, or by the automatic copy when it appeared. The dialog asks before
 * closing over a secret nobody copied.
 */
export interface SecretCopyTracker {
  /** A secret is on screen, named for the question asked before closing ("session token"). */
  shown: (name: string) => void;
  /** It (or something carrying it) was copied. */
  copied: () => void;
}

const SecretCopyContext = createContext<SecretCopyTracker | null>(null);

export function SecretCopyProvider({ tracker, children }: { tracker: SecretCopyTracker; children: ReactNode }) {
  return <SecretCopyContext.Provider value={tracker}>{children}</SecretCopyContext.Provider>;
}

/** The tracker of the dialog around this component, if any. */
export function useSecretCopy(): SecretCopyTracker | null {
  return useContext(SecretCopyContext);
}

/** For the dialog: a tracker to provide, and the name of a secret showing that was never copied (else null). */
export function useSecretCopyState(): { tracker: SecretCopyTracker; uncopied: string | null } {
  const [state, setState] = useState<{ shown: string | null; copied: boolean }>({ shown: null, copied: false });
  // Copying can be reported in the same tick as showing (the automatic copy); never let it be undone.
  const copiedRef = useRef(false);
  const shown = useCallback((name: string) => setState((s) => (s.shown ? s : { ...s, shown: name })), []);
  const copied = useCallback(() => {
    copiedRef.current = true;
    setState((s) => (s.copied ? s : { ...s, copied: true }));
  }, []);
  const tracker = useMemo(() => ({ shown, copied }), [shown, copied]);
  return { tracker, uncopied: state.copied || copiedRef.current ? null : state.shown };
}
