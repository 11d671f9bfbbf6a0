import Alert from '@mui/material/Alert';
import Checkbox from '@mui/material/Checkbox';
import FormControlLabel from '@mui/material/FormControlLabel';
import FormHelperText from '@mui/material/FormHelperText';
import Stack from '@mui/material/Stack';
import TextField from '@mui/material/TextField';
import Typography from '@mui/material/Typography';
import { useState } from 'react';
import { DEFAULT_KEY_RATE_LIMIT, MAX_KEY_RATE_LIMIT, type ApiKeyCreateInput, type Customer } from '@shared/partner.js';
import { ConfirmDialog } from '../../components/ConfirmDialog';
import { expiryBounds, KEY_NAME_MAX_LENGTH, nameProblem, parseExpiry, parseRateLimit } from './keyForm';

export interface CreateKeyDialogProps {
  customer: Customer;
  /** Sends the request; resolves once the key exists (the caller then shows its secret). */
  create: (input: ApiKeyCreateInput & { reason: string }) => Promise<unknown>;
  onClose: () => void;
}

/** Asks for a key's name, expiry, rate limit and PII access, and why; the secret comes on the next screen. */
export function CreateKeyDialog({ customer, create, onClose }: CreateKeyDialogProps) {
  const [name, setName] = useState('');
  const [nameTouched, setNameTouched] = useState(false);
  const [expiryDay, setExpiryDay] = useState('');
  const [rateLimit, setRateLimit] = useState(String(DEFAULT_KEY_RATE_LIMIT));
  const [canReadPii, setCanReadPii] = useState(false);
  // Fixed for the dialog's life: the bounds and the check agree on what "today" is.
  const [now] = useState(() => Date.now());

  const nameIssue = nameProblem(name);
  const expiry = parseExpiry(expiryDay, now);
  const rate = parseRateLimit(rateLimit);
  const bounds = expiryBounds(now);
  const showNameProblem = nameTouched && nameIssue !== null;

  return (
    <ConfirmDialog
      title={`Create an API key for ${customer.name}`}
      confirmLabel="Create key"
      canConfirm={nameIssue === null && expiry.problem === null && rate.problem === null}
      onClose={onClose}
      onConfirm={(reason) =>
        create({
          customerId: customer.id,
          name: name.trim(),
          expiresAt: expiry.expiresAt,
          rateLimitPerMinute: rate.value ?? DEFAULT_KEY_RATE_LIMIT,
          canReadPii,
          reason,
        })
      }
      fields={
        <>
          <TextField
            label="Name"
            required
            autoFocus
            autoComplete="off"
            value={name}
            onChange={(e) => setName(e.target.value)}
            onBlur={() => setNameTouched(true)}
            error={showNameProblem}
            helperText={showNameProblem ? nameIssue : 'Where the key is used, e.g. “Production backend”. Shown in lists and the audit log.'}
            slotProps={{ htmlInput: { maxLength: KEY_NAME_MAX_LENGTH + 20 } }}
          />
          <Stack direction={{ xs: 'column', sm: 'row' }} spacing={2}>
            <TextField
              label="Expires"
              type="date"
              value={expiryDay}
              onChange={(e) => setExpiryDay(e.target.value)}
              error={expiry.problem !== null}
              helperText={expiry.problem ?? 'Optional. The key works until the end of this day; empty: until revoked.'}
              sx={{ flex: 1 }}
              slotProps={{ inputLabel: { shrink: true }, htmlInput: { min: bounds.min, max: bounds.max } }}
            />
            <TextField
              label="Rate limit per minute"
              type="number"
              required
              value={rateLimit}
              onChange={(e) => setRateLimit(e.target.value)}
              error={rate.problem !== null}
              helperText={rate.problem ?? `Calls a minute before the API answers 429. Default ${DEFAULT_KEY_RATE_LIMIT}.`}
              sx={{ flex: 1 }}
              slotProps={{ htmlInput: { min: 1, max: MAX_KEY_RATE_LIMIT, step: 1, inputMode: 'numeric' } }}
            />
          </Stack>
          <div>
            <FormControlLabel
              control={<Checkbox checked={canReadPii} onChange={(e) => setCanReadPii(e.target.checked)} />}
              label="May read personal data (PII)"
            />
            <FormHelperText sx={{ mt: 0 }}>The inquiry endpoint then returns prefilled fields (name, email, …) unmasked.</FormHelperText>
          </div>
          {canReadPii ? (
            <Alert severity="warning" role="note">
              Anyone holding this key can read the personal data of {customer.name}’s end users. Grant it only if their integration needs it.
            </Alert>
          ) : null}
        </>
      }
    >
      <Typography variant="body2" color="text.secondary">
        The key lets {customer.name} call the partner API for its own inquiries. Its secret is shown once, on the next screen.
      </Typography>
    </ConfirmDialog>
  );
}
