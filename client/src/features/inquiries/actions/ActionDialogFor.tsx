import { useState } from 'react';
import type { ActionName, ActionsForOutput } from '@shared/actions.js';
import type { RouterOutputs } from '../../../lib/trpc';
import { OneTimeLinkDialog } from './OneTimeLinkDialog';
import { RecreateDialog } from './RecreateDialog';
import { ResumeDialog } from './ResumeDialog';
import { TokenLinkDialog } from './TokenLinkDialog';

type Inquiry = RouterOutputs['inquiries']['get'];

export interface ActionDialogForProps {
  /** The action chosen; the resume dialog may hand over to recreate (with the reason typed so far). */
  action: ActionName;
  inquiry: Inquiry;
  verdicts: ActionsForOutput;
  onClose: () => void;
}

/**
 * The dialog of one guarded action, for the inquiry page's Actions panel and the list's row menu alike. A default
 * export, so that the list can load it lazily: the dialogs are not needed to show a list.
 */
export default function ActionDialogFor({ action, inquiry, verdicts, onClose }: ActionDialogForProps) {
  const [open, setOpen] = useState<{ action: ActionName; reason?: string }>({ action });
  switch (open.action) {
    case 'resume':
      return (
        <ResumeDialog
          inquiry={inquiry}
          verdict={verdicts.resume}
          onRecreateInstead={verdicts.recreate.allowed ? (reason) => setOpen({ action: 'recreate', reason }) : undefined}
          onClose={onClose}
        />
      );
    case 'oneTimeLink':
      return <OneTimeLinkDialog inquiry={inquiry} verdict={verdicts.oneTimeLink} onClose={onClose} />;
    case 'recreate':
      return <RecreateDialog inquiry={inquiry} verdict={verdicts.recreate} {...(open.reason ? { initialReason: open.reason } : {})} onClose={onClose} />;
    case 'tokenLink':
      return <TokenLinkDialog inquiry={inquiry} verdict={verdicts.tokenLink} onClose={onClose} />;
  }
}
