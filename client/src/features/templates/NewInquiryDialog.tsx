import Stack from '@mui/material/Stack';
import TextField from '@mui/material/TextField';
import Typography from '@mui/material/Typography';
import { useMutation } from '@tanstack/react-query';
import { useState } from 'react';
import { useNavigate } from 'react-router';
import type { CreateInquiryInput } from '@shared/create-inquiry.js';
import { ConfirmDialog } from '../../components/ConfirmDialog';
import { useNotify } from '../../components/notifications';
import { isOneLineText } from '@shared/text.js';
import { useTRPC } from '../../lib/trpc';
import { useIdempotencyKey } from '../inquiries/actions/idempotency';

/** shared/create-inquiry.ts's rules, repeated so the dialog can say what is wrong before asking the server. */
const REFERENCE_ID_MAX_LENGTH = 255;
const NAME_MAX_LENGTH = 100;
const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

export interface NewInquiryFields {
  referenceId: string;
  email: string;
  nameFirst: string;
  nameLast: string;
}

type FieldProblems = Partial<Record<keyof NewInquiryFields, string>>;

/** What is wrong with each field as typed (the reference id's emptiness included), or nothing. */
export function newInquiryProblems(fields: NewInquiryFields): FieldProblems {
  const problems: FieldProblems = {};
  const referenceId = fields.referenceId.trim();
  if (referenceId === '') problems.referenceId = 'Required: the end user’s id in your system.';
  else if (referenceId.length > REFERENCE_ID_MAX_LENGTH) problems.referenceId = `At most ${REFERENCE_ID_MAX_LENGTH} characters.`;
  else if (!isOneLineText(referenceId)) problems.referenceId = 'Printable text only.';
  const email = fields.email.trim();
  if (email !== '' && !EMAIL.test(email)) problems.email = 'Not an email address.';
  for (const key of ['nameFirst', 'nameLast'] as const) {
    const value = fields[key].trim();
    if (value.length > NAME_MAX_LENGTH) problems[key] = `At most ${NAME_MAX_LENGTH} characters.`;
    else if (!isOneLineText(value)) problems[key] = 'Printable text only.';
  }
  return problems;
}

/** The input for inquiries.create: trimmed, with the optional fields left out when blank. */
export function newInquiryInput(templateId: string, fields: NewInquiryFields, reason: string, idempotencyKey: string): CreateInquiryInput {
  const email = fields.email.trim();
  const nameFirst = fields.nameFirst.trim();
  const nameLast = fields.nameLast.trim();
  return {
    templateId,
    referenceId: fields.referenceId.trim(),
    ...(email ? { email } : {}),
    ...(nameFirst ? { nameFirst } : {}),
    ...(nameLast ? { nameLast } : {}),
    reason,
    idempotencyKey,
  };
}

export interface NewInquiryDialogProps {
  template: { id: string; name: string; latestVersionNumber: number };
  onClose: () => void;
}

/**
 * The seed's option 2: a new inquiry on the template's latest version for a user support knows, created at once;
 * the agent lands on it and hands it off with the usual actions (one-time link, resume). Mounted per opening, so
 * the idempotency key is one per opening: a double click or a retry creates one inquiry.
 */
export function NewInquiryDialog({ template, onClose }: NewInquiryDialogProps) {
  const trpc = useTRPC();
  const navigate = useNavigate();
  const notify = useNotify();
  const idempotencyKey = useIdempotencyKey();
  const create = useMutation(trpc.inquiries.create.mutationOptions());
  const [fields, setFields] = useState<NewInquiryFields>({ referenceId: '', email: '', nameFirst: '', nameLast: '' });
  const [touched, setTouched] = useState<Partial<Record<keyof NewInquiryFields, boolean>>>({});
  const problems = newInquiryProblems(fields);

  const field = (key: keyof NewInquiryFields) => ({
    value: fields[key],
    onChange: (event: { target: { value: string } }) => setFields((current) => ({ ...current, [key]: event.target.value })),
    onBlur: () => setTouched((current) => ({ ...current, [key]: true })),
    error: touched[key] === true && problems[key] !== undefined,
    fullWidth: true,
    autoComplete: 'off',
  });
  const helper = (key: keyof NewInquiryFields, text: string) => (touched[key] ? (problems[key] ?? text) : text);

  const confirm = async (reason: string) => {
    const created = await create.mutateAsync(newInquiryInput(template.id, fields, reason, idempotencyKey));
    notify(`Inquiry ${created.inquiryId} created on v${created.versionNumber}`);
    onClose();
    void navigate(`/inquiries/${created.inquiryId}`);
  };

  return (
    <ConfirmDialog
      title={`New inquiry on ${template.name}`}
      confirmLabel="Create inquiry"
      canConfirm={Object.keys(problems).length === 0}
      onConfirm={confirm}
      onClose={onClose}
      fields={
        <Stack spacing={2}>
          <TextField label="Reference id" required autoFocus {...field('referenceId')} helperText={helper('referenceId', 'The end user’s id in your system.')} />
          <TextField label="Email (optional)" type="email" {...field('email')} helperText={helper('email', ' ')} />
          <Stack direction={{ xs: 'column', sm: 'row' }} spacing={2}>
            <TextField label="First name (optional)" {...field('nameFirst')} helperText={helper('nameFirst', ' ')} />
            <TextField label="Last name (optional)" {...field('nameLast')} helperText={helper('nameLast', ' ')} />
          </Stack>
          <Typography variant="body2" color="text.secondary">
            Email and names prefill the flow for the end user. They are personal data: once saved they are shown masked, like every prefilled field.
          </Typography>
        </Stack>
      }
    >
      <Typography variant="body2" color="text.secondary">
        Creates an inquiry on v{template.latestVersionNumber}, the latest version, at once (the seed&apos;s option 2). You land on it, where you hand it off
        with a one-time link or by resuming it.
      </Typography>
    </ConfirmDialog>
  );
}
