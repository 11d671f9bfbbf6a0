import SearchIcon from '@mui/icons-material/Search';
import Button from '@mui/material/Button';
import Stack from '@mui/material/Stack';
import TextField from '@mui/material/TextField';
import { useEffect, useState } from 'react';
import { formatAuditQuery, parseAuditQuery } from '@shared/audit-query.js';

export const AUDIT_SEARCH_HINT = 'key:value terms, all must match — actor:email or id · action:link.created or link.* · inquiry:inq_… · target:lnk_… · ticket:… · has:ticket · no:ticket · after:2026-11-01 · before:…';

export interface AuditSearchBoxProps {
  /** The search applied now (from the URL). */
  value: string;
  /** Called with the search as the parser writes it back (terms in a fixed order, emails lower-cased). */
  onSearch: (query: string) => void;
}

/**
 * The `key:value` search of the audit log. Read by the same parser as the server's (shared/audit-query.ts): what
 * it does not understand is said under the box, in the parser's words, and nothing is asked of the server.
 */
export function AuditSearchBox({ value, onSearch }: AuditSearchBoxProps) {
  const [text, setText] = useState(value);
  const [problem, setProblem] = useState<string | null>(() => {
    const parsed = parseAuditQuery(value);
    return parsed.ok ? null : parsed.message;
  });

  // Back/forward, or a link from the event drawer, changes the applied search: show it.
  useEffect(() => {
    setText(value);
    const parsed = parseAuditQuery(value);
    setProblem(parsed.ok ? null : parsed.message);
  }, [value]);

  const submit = () => {
    const parsed = parseAuditQuery(text);
    if (!parsed.ok) {
      setProblem(parsed.message);
      return;
    }
    setProblem(null);
    const query = formatAuditQuery(parsed.filter);
    setText(query);
    onSearch(query);
  };

  return (
    <form
      role="search"
      aria-label="Search the audit log"
      onSubmit={(event) => {
        event.preventDefault();
        submit();
      }}
    >
      <Stack direction="row" spacing={1} sx={{ alignItems: 'flex-start' }}>
        <TextField
          fullWidth
          size="small"
          label="Search the log"
          placeholder="actor:support@demo.test action:link.created after:2026-11-01"
          value={text}
          onChange={(event) => {
            setText(event.target.value);
            // Once a problem shows, say as soon as it is fixed (or what is wrong now).
            if (problem) {
              const parsed = parseAuditQuery(event.target.value);
              setProblem(parsed.ok ? null : parsed.message);
            }
          }}
          error={problem !== null}
          helperText={problem ?? AUDIT_SEARCH_HINT}
          slotProps={{ htmlInput: { spellCheck: false, autoCapitalize: 'off', autoCorrect: 'off', maxLength: 1000 } }}
        />
        <Button type="submit" variant="contained" startIcon={<SearchIcon />} sx={{ flexShrink: 0, height: 40 }}>
          Search
        </Button>
      </Stack>
    </form>
  );
}
